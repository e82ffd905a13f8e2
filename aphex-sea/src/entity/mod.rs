//! SeaORM entities: one file per table. The same entities serve PostgreSQL and SQLite; the few
//! storage differences (uuid and timestamp encoding on SQLite) are handled in
//! [`crate::dialect`].

pub mod account;
pub mod apikey;
pub mod asset;
pub mod document;
pub mod document_version;
pub mod enums;
pub mod event;
pub mod event_stream;
pub mod invitation;
pub mod job;
pub mod member;
pub mod organization;
pub mod organization_role;
pub mod outbox;
pub mod prelude;
pub mod schema_type;
pub mod session;
pub mod user;
pub mod user_profile;
pub mod verification;
pub mod webhook;
