//! # aphex-sea
//!
//! The SeaORM code shared by the SQL backends of aphex-rs — like Payload's shared `drizzle`
//! package under `db-postgres`/`db-sqlite`: the SQL logic lives here once.
//!
//! - [`entity`]: one SeaORM entity per table; [`cms_schema`] names them all.
//! - `where_sql`: the `where` language compiled to sea-query (values always bound).
//! - [`dialect`]: the only place PostgreSQL and SQLite differ.
//! - `store`: every port implemented over a SeaORM connection or transaction ([`SeaStore`]).
//!
//! Applications use it through `aphex-sqlite` or `aphex-pg`.

mod conn;
pub mod dialect;
pub mod entity;
mod error;
mod replicas;
pub use error::map_db_err;
mod store;
mod value;
mod where_sql;

pub use conn::SeaConnection;
pub use dialect::Dialect;
/// The SeaORM this crate is built on: use it (or the backend crate's re-export) for your own
/// queries, so that the versions match.
pub use sea_orm;
pub use store::{SeaAdapter, SeaBackend, SeaStore, SeaTransaction};
pub use value::DbUuid;

/// Every table of the CMS schema (content, Better Auth, profiles), by table name, in creation
/// order — the Rust form of the seed's `cmsSchema`.
pub fn cms_schema() -> [&'static str; 10] {
    use sea_orm::EntityName;
    [
        entity::user::Entity.table_name(),
        entity::session::Entity.table_name(),
        entity::account::Entity.table_name(),
        entity::verification::Entity.table_name(),
        entity::apikey::Entity.table_name(),
        entity::user_profile::Entity.table_name(),
        entity::schema_type::Entity.table_name(),
        entity::document::Entity.table_name(),
        entity::document_version::Entity.table_name(),
        entity::asset::Entity.table_name(),
    ]
}
