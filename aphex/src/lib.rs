//! # aphex
//!
//! The facade of aphex-rs (like `sqlx` over `sqlx-core` and its drivers): `aphex-core`
//! re-exported, plus the backends turned on by Cargo features — `sqlite` (default), `postgres`,
//! `mongodb`, with `postgres-tls` and `mongodb-srv` for managed databases. A backend that is
//! not enabled is not compiled.
//!
//! Two ways to open a database by URL:
//!
//! - [`connect_and_migrate`] brings the CMS schema up to date (the CMS migrations with their own
//!   history table on SQL, `ensure_schema` on MongoDB) — for an app that lets aphex-rs manage its
//!   schema, like the studio;
//! - [`connect`] only checks that the schema is current and fails with
//!   [`Error::SchemaMismatch`] ("schema at X, this version expects Y: run the migrations") —
//!   for an app that runs the migrations itself, e.g. composed into its own migrator
//!   (`docs/integration.md`).
//!
//! ```no_run
//! # async fn run() -> aphex::Result<()> {
//! let db = aphex::connect_and_migrate("sqlite://./app.db?mode=rwc").await?;
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

/// The CMS migrations (`aphex-migration`): compose [`migration::migrations`] into your own
/// migrator, or run [`migration::Migrator`].
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use aphex_migration as migration;

#[cfg(all(feature = "postgres", not(feature = "sqlite")))]
pub use aphex_pg::{DbUuid, SeaAdapter, SeaBackend, SeaConnection, entities, sea_orm};
/// The SQL side an application shares with the CMS, from the SQL backend compiled in: the
/// SeaORM the adapters are built on ([`sea_orm`]), the CMS tables as SeaORM entities
/// ([`entities`]), the connection that binds values the way those tables store them
/// ([`SeaConnection`]) and the content-id column type ([`DbUuid`]). `docs/integration.md`.
#[cfg(feature = "sqlite")]
pub use aphex_sqlite::{DbUuid, SeaAdapter, SeaBackend, SeaConnection, entities, sea_orm};

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

/// What to do about the schema when connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    Migrate,
    Verify,
}

/// Connects to `url` with the backend its scheme names (`sqlite:`, `postgres://`,
/// `mongodb://`, `mongodb+srv://`) and brings the CMS schema up to date: the CMS migrations on
/// SQL (history in `aphex_migrations`; refused when the application's own migrator runs them),
/// `ensure_schema` on MongoDB.
///
/// # Errors
/// [`Error::Unsupported`] when the scheme's backend is not compiled in; connection and
/// migration errors.
pub async fn connect_and_migrate(url: &str) -> Result<Arc<dyn DatabaseAdapter>> {
    open(url, Schema::Migrate).await
}

/// Connects to `url` (as [`connect_and_migrate`]) and checks, without changing anything, that
/// the CMS schema is the one this version expects — wherever the migrations are recorded.
///
/// # Errors
/// [`Error::SchemaMismatch`] when it is not ("schema at X, this version expects Y: run the
/// migrations"); [`Error::Unsupported`] for a backend that is not compiled in; connection
/// errors.
pub async fn connect(url: &str) -> Result<Arc<dyn DatabaseAdapter>> {
    open(url, Schema::Verify).await
}

/// Migrates or verifies the CMS schema on `pool`; a database error is classified by `classify`
/// (the adapter's own classification, so a busy, full or read-only database is the same typed
/// `Unavailable` here as anywhere else).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn sql_schema(
    pool: &aphex_migration::sea_orm::DatabaseConnection,
    schema: Schema,
    classify: impl Fn(aphex_migration::DbErr) -> Error,
) -> Result<()> {
    use aphex_migration::{Migrator, MigratorTrait, SchemaState};
    match schema {
        Schema::Migrate => Migrator::up(pool, None).await.map_err(classify),
        Schema::Verify => match aphex_migration::state(pool).await.map_err(classify)? {
            SchemaState::Current => Ok(()),
            behind => Err(Error::SchemaMismatch {
                message: behind.to_string(),
            }),
        },
    }
}

async fn open(url: &str, schema: Schema) -> Result<Arc<dyn DatabaseAdapter>> {
    #[cfg(feature = "sqlite")]
    if url.starts_with("sqlite:") {
        let db = aphex_sqlite::SqliteAdapter::connect(url).await?;
        sql_schema(db.connection().inner(), schema, |e| {
            db.classify("migration", e)
        })
        .await?;
        return Ok(Arc::new(db));
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let db = aphex_pg::PostgresAdapter::connect(url).await?;
        sql_schema(db.connection().inner(), schema, |e| {
            db.classify("migration", e)
        })
        .await?;
        return Ok(Arc::new(db));
    }
    #[cfg(feature = "mongodb")]
    if url.starts_with("mongodb://") || url.starts_with("mongodb+srv://") {
        let db = aphex_mongo::MongoAdapter::connect_url(url).await?;
        match schema {
            Schema::Migrate => db.ensure_schema().await?,
            Schema::Verify => db.verify_schema().await?,
        }
        return Ok(Arc::new(db));
    }
    let _ = (url, schema);
    Err(Error::Unsupported {
        backend: "aphex",
        operation: "this database URL: its backend is not compiled in (enable the Cargo feature `sqlite`, `postgres` or `mongodb`)",
    })
}
