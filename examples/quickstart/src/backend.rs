//! The one place that knows which database this build talks to. The rest of the example only
//! sees `aphex_core::ports::DatabaseAdapter`.
//!
//! `DATABASE_URL` picks the backend among those compiled in (Cargo features `sqlite`,
//! `postgres`, `mongodb`); without it, SQLite on `./aphex-quickstart.db`. SQL databases are
//! migrated with the `migration` crate, MongoDB gets its collections and indexes from
//! `ensure_schema`.

use std::sync::Arc;

use aphex_core::ports::DatabaseAdapter;

/// Where the quickstart stores its data when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "sqlite://./aphex-quickstart.db?mode=rwc";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to `url` and brings the schema up to date.
pub async fn connect(url: &str) -> Result<Arc<dyn DatabaseAdapter>, BoxError> {
    #[cfg(feature = "sqlite")]
    if url.starts_with("sqlite:") {
        use migration::{Migrator, MigratorTrait};
        let db = aphex_sqlite::SqliteAdapter::connect(url).await?;
        Migrator::up(db.connection(), None).await?;
        return Ok(Arc::new(db));
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        use migration::{Migrator, MigratorTrait};
        let db = aphex_pg::PostgresAdapter::connect(url).await?;
        Migrator::up(db.connection(), None).await?;
        return Ok(Arc::new(db));
    }
    #[cfg(feature = "mongodb")]
    if url.starts_with("mongodb://") || url.starts_with("mongodb+srv://") {
        let db = aphex_mongo::MongoAdapter::connect_url(url).await?;
        db.ensure_schema().await?;
        return Ok(Arc::new(db));
    }
    Err(format!(
        "no backend compiled in for {url:?} (compiled in: {})",
        compiled_in().join(", ")
    )
    .into())
}

fn compiled_in() -> Vec<&'static str> {
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
