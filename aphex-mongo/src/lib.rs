//! # aphex-mongo
//!
//! The MongoDB backend of aphex-rs (issue #4). Not implemented yet: this crate is an empty
//! placeholder in the workspace so the layout is complete. It offers no adapter, so nothing can
//! mistake it for a working backend.
