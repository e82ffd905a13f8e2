//! # aphex
//!
//! The facade of aphex-rs (like `sqlx` over `sqlx-core` and its drivers): `aphex-core`
//! re-exported, plus the backends turned on by Cargo features — `sqlite` (default), `postgres`,
//! `mongodb`. A backend that is not enabled is not compiled.
//!
//! [`connect`] picks the backend from the URL and brings the schema up to date (the `migration`
//! crate for SQL databases, `ensure_schema` for MongoDB), so an application needs one line:
//!
//! ```no_run
//! # async fn run() -> aphex::Result<()> {
//! let db = aphex::connect("sqlite://./app.db?mode=rwc").await?;
//! let cms = aphex::Cms::builder().database(db).build().await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;

pub use aphex_core::*;

#[cfg(feature = "mongodb")]
pub use aphex_mongo as mongodb;
#[cfg(feature = "postgres")]
pub use aphex_pg as postgres;
#[cfg(feature = "sqlite")]
pub use aphex_sqlite as sqlite;

use aphex_core::ports::DatabaseAdapter;

/// The backends compiled into this build.
pub fn backends() -> Vec<&'static str> {
    let mut out = Vec::new();
    if cfg!(feature = "sqlite") {
        out.push("sqlite");
    }
    if cfg!(feature = "postgres") {
        out.push("postgres");
    }
    if cfg!(feature = "mongodb") {
        out.push("mongodb");
    }
    out
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn migrate(db: &sea_orm_connection::DatabaseConnection) -> Result<()> {
    use migration::{Migrator, MigratorTrait};
    Migrator::up(db, None)
        .await
        .map_err(|e| Error::backend("migration", e))
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sea_orm_connection {
    pub use migration::sea_orm::DatabaseConnection;
}

/// Connects to `url` with the backend its scheme names (`sqlite:`, `postgres://`,
/// `mongodb://`) and brings the schema up to date.
///
/// # Errors
/// [`Error::Unsupported`] when the scheme's backend is not compiled in; connection and
/// migration errors.
pub async fn connect(url: &str) -> Result<Arc<dyn DatabaseAdapter>> {
    #[cfg(feature = "sqlite")]
    if url.starts_with("sqlite:") {
        let db = aphex_sqlite::SqliteAdapter::connect(url).await?;
        migrate(db.connection()).await?;
        return Ok(Arc::new(db));
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let db = aphex_pg::PostgresAdapter::connect(url).await?;
        migrate(db.connection()).await?;
        return Ok(Arc::new(db));
    }
    #[cfg(feature = "mongodb")]
    if url.starts_with("mongodb://") || url.starts_with("mongodb+srv://") {
        let db = aphex_mongo::MongoAdapter::connect_url(url).await?;
        db.ensure_schema().await?;
        return Ok(Arc::new(db));
    }
    let _ = url;
    Err(Error::Unsupported {
        backend: "aphex",
        operation: "this database URL: its backend is not compiled in (enable the Cargo feature `sqlite`, `postgres` or `mongodb`)",
    })
}
