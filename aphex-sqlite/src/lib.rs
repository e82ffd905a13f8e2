//! # aphex-sqlite
//!
//! The SQLite backend of aphex-rs — the embedded default. All SQL logic is shared with
//! PostgreSQL in `aphex-sea`; this crate only knows how to open SQLite: WAL journal,
//! `foreign_keys=ON` and a busy timeout on every connection.
//!
//! ```no_run
//! # async fn run() -> aphex_core::Result<()> {
//! use aphex_sqlite::SqliteAdapter;
//! let db = SqliteAdapter::connect("sqlite://./app.db?mode=rwc").await?;
//! # Ok(()) }
//! ```
//!
//! Storage: content ids are lowercase hyphenated UUID text, timestamps ISO-8601 text with
//! milliseconds (`2026-11-24T19:13:38.694Z`, the form Better Auth writes), booleans 0/1, JSON as
//! text queried with the JSON1 functions.

use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use aphex_core::{Error, Result};
use aphex_sea::Dialect;

pub use aphex_sea::cms_schema;
pub use aphex_sea::entity as entities;
/// The SeaORM this backend is built on: use it for your own queries, so that the versions match.
pub use aphex_sea::sea_orm;
pub use aphex_sea::{DbUuid, SeaAdapter, SeaBackend, SeaConnection};

/// The SQLite backend marker for [`SeaAdapter`].
#[derive(Debug, Clone, Copy)]
pub struct Sqlite;

/// A CMS database on SQLite.
pub type SqliteAdapter = SeaAdapter<Sqlite>;

/// How SQLite connections are opened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Pool size. In-memory databases always use one connection (each connection would be its
    /// own database otherwise).
    pub max_connections: u32,
    /// How long a writer waits for the write lock before failing with "database is locked".
    pub busy_timeout: Duration,
    /// Create the file when it does not exist.
    pub create_if_missing: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
            create_if_missing: true,
        }
    }
}

impl SqliteOptions {
    /// The defaults: 8 connections, a 10 s busy timeout, create the file when missing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pool size.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// How long a writer waits for the write lock before [`aphex_core::Transient::Busy`].
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Whether to create the file when it does not exist.
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }
}

impl SeaBackend for Sqlite {
    const NAME: &'static str = "sqlite";
    const DIALECT: Dialect = Dialect::Sqlite;
    type Options = SqliteOptions;

    async fn open(url: &str, options: &SqliteOptions) -> Result<DatabaseConnection> {
        if !url.starts_with("sqlite:") {
            return Err(Error::invalid(
                "url",
                "a SQLite URL starts with `sqlite:` (e.g. `sqlite://./app.db?mode=rwc`)",
            ));
        }
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut opts = ConnectOptions::new(url);
        let busy = options.busy_timeout;
        let create = options.create_if_missing;
        opts.max_connections(if in_memory {
            1
        } else {
            options.max_connections
        })
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            // Planner statistics: SQLite chooses between a field index and the type's index
            // by them (it does not weigh a LIMIT), and has none until something runs ANALYZE.
            // SQLite's advice for long-lived connections: `PRAGMA optimize=0x10002` when one
            // opens (analyses the tables whose statistics are missing or stale, approximately
            // with `analysis_limit`), `PRAGMA optimize` when it closes.
            let o = o
                .foreign_keys(true)
                .busy_timeout(busy)
                .create_if_missing(create)
                .analysis_limit(400)
                .pragma("optimize", "0x10002")
                .optimize_on_close(true, None);
            // WAL lets readers run beside the writer. `synchronous` stays FULL (the default):
            // a commit that returned is on disk.
            if in_memory {
                o
            } else {
                o.journal_mode(SqliteJournalMode::Wal)
            }
        });
        Database::connect(opts)
            .await
            .map_err(|e| aphex_sea::map_db_err(Dialect::Sqlite, "connection", e))
    }
}
