//! # aphex-core
//!
//! The database-agnostic core of aphex-rs: data types ([`model`]), the ports every backend
//! implements ([`ports`]), the `where` language ([`query`]), content type definitions
//! ([`schema`]) and the business services ([`service`]) — publish hash, revision
//! compare-and-swap, validation, version retention, reference resolution.
//!
//! This crate has no database dependency. A backend crate (`aphex-sqlite`, `aphex-pg`,
//! `aphex-mongo`) provides a [`ports::DatabaseAdapter`]; hand an instance to [`Cms::builder`]:
//!
//! ```ignore
//! let cms = Cms::builder()
//!     .database(SqliteAdapter::connect("sqlite://./app.db?mode=rwc").await?)
//!     .schema_type(SchemaTypeDef::document("post", "Post").field(FieldDef::string("title").required()))
//!     .build()
//!     .await?;
//! let post = cms.documents().create(CreateDocument::new("post", json!({"title": "Hi"}))).await?;
//! ```

pub mod auth;
pub mod copy;
pub mod error;
pub mod model;
pub mod ports;
pub mod query;
pub mod schema;
pub mod scope;
mod serde_util;
pub mod service;
pub mod storage;

pub use error::{Error, ErrorKind, FieldError, Result, Transient, ValidationErrors};
pub use scope::{DEFAULT_ORGANIZATION_ID, Scope};
pub use service::{Cms, CmsBuilder};
