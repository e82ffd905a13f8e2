//! [`SeaConnection`]: the one path every statement takes — the adapter's and the application's.
//! It wraps a SeaORM connection (pool) or transaction, rewrites bound values into the form the
//! CMS tables store ([`Dialect::bind`]: on SQLite UUIDs as lowercase hyphenated text and
//! timestamps as `2026-11-24T19:13:38.694Z`, what Better Auth reads) and counts statements.
//!
//! An application runs its own SeaORM queries — on the CMS entities and on its own tables —
//! through the connection the adapter hands it ([`SeaAdapter::connection`](crate::SeaAdapter::connection)),
//! or a [`SeaConnection`] wrapped around its own pool; then a SeaORM `ActiveModel` write and a
//! CMS read (and the other way round) agree on every SQL backend. `inner()` is the raw SeaORM
//! connection, for what needs one (running migrations): values bound through it are *not*
//! rewritten.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseExecutor, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IntoDatabaseExecutor, IsolationLevel, QueryResult,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::dialect::Dialect;
use crate::replicas::ReadReplicas;

/// A SeaORM connection (pool or transaction) seen through the CMS's storage forms.
#[derive(Debug)]
pub struct SeaConnection<C = DatabaseConnection> {
    pub(crate) inner: C,
    pub(crate) dialect: Dialect,
    pub(crate) statements: Arc<AtomicU64>,
    /// The primary's read replicas, when it has any (see `crate::replicas`).
    pub(crate) replicas: Option<Arc<ReadReplicas>>,
    /// Inside a transaction: everything goes to the primary, and the commit counts as a write.
    pub(crate) in_transaction: bool,
}

impl SeaConnection<DatabaseConnection> {
    /// Wraps a pool the application opened itself.
    ///
    /// # Errors
    /// [`aphex_core::Error::Unsupported`] for a MySQL connection.
    pub fn new(pool: DatabaseConnection) -> aphex_core::Result<Self> {
        Ok(SeaConnection {
            dialect: Dialect::of(pool.get_database_backend())?,
            inner: pool,
            statements: Arc::new(AtomicU64::new(0)),
            replicas: None,
            in_transaction: false,
        })
    }

    /// Sends plain reads (`SELECT`s outside a transaction) to `replicas`, round-robin, except
    /// for `read_your_writes` after a write through this connection (or a clone of it): then
    /// they stay on this primary, so a caller reads its own writes although a replica lags.
    /// Writes and everything inside a transaction always go to the primary.
    pub fn with_read_replicas(
        mut self,
        replicas: Vec<DatabaseConnection>,
        read_your_writes: std::time::Duration,
    ) -> Self {
        self.replicas =
            (!replicas.is_empty()).then(|| Arc::new(ReadReplicas::new(replicas, read_your_writes)));
        self
    }

    /// Starts a transaction on this connection, seen through the same storage forms. On SQLite
    /// it takes the write lock at once (`BEGIN IMMEDIATE`), as the CMS's own transactions do,
    /// so that a transaction that reads before it writes waits for other writers instead of
    /// failing later.
    ///
    /// # Errors
    /// The database error.
    pub async fn begin(&self) -> Result<SeaConnection<DatabaseTransaction>, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.wrap(self.inner.begin_with_options(options).await?))
    }

    /// A read-only transaction over one snapshot, for reading whole tables while the database
    /// stays online: `REPEATABLE READ READ ONLY` on PostgreSQL, a deferred transaction on
    /// SQLite (in WAL mode its snapshot starts at its first read and blocks no writer).
    ///
    /// # Errors
    /// The database error.
    pub(crate) async fn begin_snapshot(&self) -> Result<SeaConnection<DatabaseTransaction>, DbErr> {
        let options = match self.dialect {
            Dialect::Postgres => TransactionOptions {
                isolation_level: Some(IsolationLevel::RepeatableRead),
                access_mode: Some(AccessMode::ReadOnly),
                ..Default::default()
            },
            Dialect::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Deferred),
                ..Default::default()
            },
        };
        Ok(self.wrap(self.inner.begin_with_options(options).await?))
    }
}

impl SeaConnection<DatabaseTransaction> {
    /// A nested transaction (a savepoint) in this one.
    ///
    /// # Errors
    /// The database error.
    pub async fn begin(&self) -> Result<SeaConnection<DatabaseTransaction>, DbErr> {
        Ok(self.wrap(self.inner.begin().await?))
    }

    /// Commits (releases the savepoint of a nested transaction).
    ///
    /// # Errors
    /// The database error.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.inner.commit().await?;
        if let Some(replicas) = &self.replicas {
            replicas.wrote();
        }
        Ok(())
    }

    /// Rolls back (to the savepoint of a nested transaction).
    ///
    /// # Errors
    /// The database error.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.inner.rollback().await
    }
}

/// A connection a transaction can start on: the pool, or a transaction (a savepoint). Bounds the
/// store impls so that row-level security can give a call a transaction of its own
/// (`crate::store::rls`).
#[doc(hidden)]
pub trait Begin {
    /// [`SeaConnection::begin`] of either kind.
    fn begin_transaction(
        &self,
    ) -> impl Future<Output = Result<SeaConnection<DatabaseTransaction>, DbErr>> + Send;
}

impl Begin for SeaConnection<DatabaseConnection> {
    fn begin_transaction(
        &self,
    ) -> impl Future<Output = Result<SeaConnection<DatabaseTransaction>, DbErr>> + Send {
        self.begin()
    }
}

impl Begin for SeaConnection<DatabaseTransaction> {
    fn begin_transaction(
        &self,
    ) -> impl Future<Output = Result<SeaConnection<DatabaseTransaction>, DbErr>> + Send {
        self.begin()
    }
}

impl<C> SeaConnection<C> {
    /// The raw SeaORM connection or transaction. Values bound through it are not rewritten into
    /// the CMS's storage forms: use it for what needs the raw type (migrations), not for queries
    /// on the CMS tables.
    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// The SQL dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Statements sent through this connection (and the ones derived from it) so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn wrap(&self, tx: DatabaseTransaction) -> SeaConnection<DatabaseTransaction> {
        SeaConnection {
            inner: tx,
            dialect: self.dialect,
            statements: self.statements.clone(),
            replicas: self.replicas.clone(),
            in_transaction: true,
        }
    }

    fn prepare(&self, stmt: Statement) -> Statement {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.dialect.bind(stmt)
    }

    /// Where a statement goes: `Route::Replica` for a plain read outside a transaction once
    /// the read-your-writes window has passed; else the primary, noting whether it is a write
    /// (anything but a plain read, outside a transaction), which starts the window.
    fn route(&self, sql: &str) -> Route<'_> {
        match self.replicas.as_ref().filter(|_| !self.in_transaction) {
            None => Route::Primary { write: None },
            Some(replicas) => match replicas.for_read(sql) {
                Some(replica) => Route::Replica(replica),
                None => Route::Primary {
                    write: (!crate::replicas::is_plain_select(sql)).then_some(&**replicas),
                },
            },
        }
    }
}

/// Where [`SeaConnection::route`] sends a statement.
enum Route<'a> {
    Replica(&'a DatabaseConnection),
    /// `write`: the replicas whose read-your-writes window the statement starts.
    Primary {
        write: Option<&'a ReadReplicas>,
    },
}

/// Runs `$call` on the connection [`SeaConnection::route`] picks for `$sql`.
macro_rules! routed {
    ($self:ident, $sql:expr, |$conn:ident| $call:expr) => {{
        match $self.route($sql) {
            Route::Replica($conn) => $call.await,
            Route::Primary { write } => {
                let $conn = &$self.inner;
                let result = $call.await;
                if let Some(replicas) = write {
                    replicas.wrote();
                }
                result
            }
        }
    }};
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> ConnectionTrait for SeaConnection<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let stmt = self.prepare(stmt);
        routed!(self, &stmt.sql, |conn| conn.execute_raw(stmt))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        routed!(self, sql, |conn| conn.execute_unprepared(sql))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let stmt = self.prepare(stmt);
        routed!(self, &stmt.sql, |conn| conn.query_one_raw(stmt))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let stmt = self.prepare(stmt);
        routed!(self, &stmt.sql, |conn| conn.query_all_raw(stmt))
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

/// Migrations (`Migrator::up(adapter.connection(), None)`) run on the raw connection: schema
/// statements bind no CMS values.
impl<'c> IntoDatabaseExecutor<'c> for &'c SeaConnection<DatabaseConnection> {
    fn into_database_executor(self) -> DatabaseExecutor<'c> {
        DatabaseExecutor::Connection(&self.inner)
    }
}

impl<'c> IntoDatabaseExecutor<'c> for &'c SeaConnection<DatabaseTransaction> {
    fn into_database_executor(self) -> DatabaseExecutor<'c> {
        DatabaseExecutor::Transaction(&self.inner)
    }
}
