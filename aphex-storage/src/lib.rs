//! # aphex-storage
//!
//! Where asset bytes live: [`ObjectStoreAdapter`] implements aphex-core's
//! [`StorageAdapter`](aphex_core::storage::StorageAdapter) port over the
//! [`object_store`] crate, so the local filesystem and S3-compatible stores share one code path
//! (and one behaviour suite) instead of one hand-written client each.
//!
//! ```no_run
//! # fn run() -> aphex_core::Result<()> {
//! use aphex_storage::ObjectStoreAdapter;
//! // Files under ./uploads, served by the app at /media/<asset id>/<name>.
//! let storage = ObjectStoreAdapter::local("./uploads", "/media")?;
//! # Ok(()) }
//! ```
//!
//! - [`ObjectStoreAdapter::local`]: a directory (`name()` = `"local"`).
//! - `ObjectStoreAdapter::s3` with the `s3` feature: Amazon S3 or an S3-compatible server
//!   (`name()` = `"s3"`); see `S3Config` for its settings and environment variables.
//! - [`ObjectStoreAdapter::new`]: any other [`ObjectStore`](object_store::ObjectStore) (GCS,
//!   Azure, in-memory, a prefixed or throttled wrapper, ...).
//!
//! # Guarantees
//! - **Paths** are checked with [`is_safe_path`](aphex_core::storage::is_safe_path) before the
//!   store is touched; anything else is refused with a validation error on `path`. So a stored
//!   file can never land outside the local root.
//! - **No overwrite.** `store` is a conditional create ([`PutMode::Create`](object_store::PutMode)):
//!   storing at an existing path is [`Error::Conflict`](aphex_core::Error::Conflict) and leaves the
//!   first bytes in place. It never falls back to an overwriting write.
//!   - Local filesystem: the bytes go to a staging file that is hard-linked to the final name,
//!     which the OS refuses atomically when the name exists. A file is never visible half-written.
//!   - S3: a single `PUT` with `If-None-Match: *`, which the server checks (Amazon S3 since
//!     August 2024, MinIO, Cloudflare R2, and moto, the test server in `tools/s3-test-server`).
//!     Amazon S3 evaluates it atomically: of racing stores at most one wins, the others get 412
//!     (or 409 while the winner is in flight), both mapped to `Conflict`. moto checks and
//!     then writes with no lock in between, so there a race could in theory let both through
//!     (the tests have never seen it). A server that ignores the header would silently
//!     overwrite: use one that supports it (the suite's "store twice" test tells).
//! - `read` of a missing path is [`Error::NotFound`](aphex_core::Error::NotFound); so are prefixes
//!   (`<id>` when only `<id>/<name>` exists): only stored files exist. `delete` of a missing path
//!   succeeds. On the local filesystem, `delete` also removes directories it leaves empty.
//! - A missing container (an S3 bucket that does not exist) makes `store` fail with
//!   [`Error::Backend`](aphex_core::Error::Backend); `read` and `exists` cannot tell it from a
//!   missing file (S3 answers 404 to both) and report `NotFound` / `false`.
//! - Any other store error is [`Error::Backend`](aphex_core::Error::Backend) with backend
//!   `"object_store"`.
//!
//! `object_store` is re-exported so [`ObjectStoreAdapter::new`] callers use the matching version.

mod adapter;
mod error;
#[cfg(feature = "s3")]
mod s3;

pub use adapter::ObjectStoreAdapter;
#[cfg(feature = "s3")]
pub use s3::S3Config;

pub use object_store;
