//! The ports: async traits every backend implements. One file per port.
//!
//! Adapters do storage, atomically; every rule (ids, timestamps, hashes, validation, retention,
//! compare-and-swap decisions) is computed by the services in [`crate::service`] and handed to
//! the ports fully prepared.

mod adapter;
mod asset;
mod auth;
mod document;
mod event;
mod job;
mod organization;
mod profile;
mod rows;
mod schema_type;
mod version;
mod webhook;

pub use adapter::{Capabilities, DatabaseAdapter, Stores, Transaction};
pub use asset::AssetStore;
pub use auth::AuthStore;
pub use document::{
    DocumentEvent, DocumentStore, DraftUpdate, PublishChange, PublishUpdate, ReferenceClosure,
    Snapshot,
};
pub use event::{EventRange, EventStore, OutboxClaim};
pub use job::{JobClaim, JobFilter, JobStore};
pub use organization::OrganizationStore;
pub use profile::UserProfileStore;
pub use rows::{RowReader, RowStore};
pub use schema_type::SchemaTypeStore;
pub use version::VersionStore;
pub use webhook::WebhookStore;
