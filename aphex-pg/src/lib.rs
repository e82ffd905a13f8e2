//! # aphex-pg
//!
//! The PostgreSQL backend of aphex-rs. All SQL logic is shared with SQLite in `aphex-sea`; this
//! crate opens the pool (size, acquire timeout, per-statement timeout).
//!
//! ```no_run
//! # async fn run() -> aphex_core::Result<()> {
//! use aphex_pg::{PostgresAdapter, PostgresOptions};
//! let db = PostgresAdapter::connect_with(
//!     "postgres://cms@localhost/cms",
//!     PostgresOptions::new().max_connections(20),
//! )
//! .await?;
//! # Ok(()) }
//! ```
//!
//! An application that already has a SeaORM `DatabaseConnection` passes it to
//! [`PostgresAdapter::new`] instead.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use aphex_core::{Error, Result};
use aphex_sea::Dialect;

pub use aphex_sea::cms_schema;
pub use aphex_sea::entity as entities;
/// The SeaORM this backend is built on: use it for your own queries, so that the versions match.
pub use aphex_sea::sea_orm;
pub use aphex_sea::{DbUuid, SeaAdapter, SeaBackend, SeaConnection};

/// The PostgreSQL backend marker for [`SeaAdapter`].
#[derive(Debug, Clone, Copy)]
pub struct Postgres;

/// A CMS database on PostgreSQL.
pub type PostgresAdapter = SeaAdapter<Postgres>;

/// Pool settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// Most connections in the pool.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
    /// Server-side `statement_timeout` for every statement; `None` leaves the server default.
    pub statement_timeout: Option<Duration>,
    /// Read replicas (URLs, opened with these same pool settings): plain reads outside a
    /// transaction go to them, round-robin; writes and transactions to the primary.
    pub read_replicas: Vec<String>,
    /// After a write through this adapter, reads stay on the primary for this long, so a
    /// caller reads its own writes although a replica lags (Payload's
    /// `readReplicasAfterWriteInterval`).
    pub read_your_writes: Duration,
    /// Row-level security (opt-in, see docs/organizations.md): every content call sets its
    /// organization scope in its transaction, as the policies of
    /// `PostgresAdapter::enable_row_level_security` require.
    pub row_level_security: bool,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: Some(Duration::from_secs(30)),
            read_replicas: Vec::new(),
            read_your_writes: Duration::from_secs(2),
            row_level_security: false,
        }
    }
}

impl PostgresOptions {
    /// The defaults: 10 connections, 10 s acquire timeout, 30 s statement timeout, no read
    /// replicas (a 2 s read-your-writes window when some are added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Most connections in the pool.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// Connections kept open when idle.
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }

    /// How long to wait for a free connection before [`aphex_core::Transient::PoolTimeout`].
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Server-side `statement_timeout`; `None` leaves the server default.
    pub fn statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Adds a read replica (a `postgres://` URL of a streaming standby).
    pub fn read_replica(mut self, url: impl Into<String>) -> Self {
        self.read_replicas.push(url.into());
        self
    }

    /// How long reads stay on the primary after a write through this adapter.
    pub fn read_your_writes(mut self, window: Duration) -> Self {
        self.read_your_writes = window;
        self
    }

    /// Turns row-level security on (see [`PostgresOptions::row_level_security`]).
    pub fn row_level_security(mut self, on: bool) -> Self {
        self.row_level_security = on;
        self
    }
}

impl SeaBackend for Postgres {
    const NAME: &'static str = "postgres";
    const DIALECT: Dialect = Dialect::Postgres;
    type Options = PostgresOptions;

    fn read_replicas(options: &PostgresOptions) -> (Vec<String>, Duration) {
        (options.read_replicas.clone(), options.read_your_writes)
    }

    fn row_level_security(options: &PostgresOptions) -> bool {
        options.row_level_security
    }

    async fn open(url: &str, options: &PostgresOptions) -> Result<DatabaseConnection> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::invalid(
                "url",
                "a PostgreSQL URL starts with `postgres://` or `postgresql://`",
            ));
        }
        #[cfg(feature = "tls")]
        ensure_crypto_provider();
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(options.max_connections)
            .min_connections(options.min_connections)
            .acquire_timeout(options.acquire_timeout)
            .sqlx_logging(false);
        if let Some(timeout) = options.statement_timeout {
            opts.statement_timeout(timeout);
        }
        Database::connect(opts)
            .await
            .map_err(|e| aphex_sea::map_db_err(Dialect::Postgres, "connection", e))
    }
}

/// sqlx's rustls asks for the process-wide crypto provider, and panics when none is installed
/// and the build has more than one (an application with S3 storage brings aws-lc-rs, sqlx
/// brings ring). Install ring, which sqlx is built with, unless the application installed one.
#[cfg(feature = "tls")]
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread's install is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
