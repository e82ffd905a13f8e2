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
    ConnectionTrait, DatabaseConnection, DatabaseExecutor, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IntoDatabaseExecutor, QueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

use crate::dialect::Dialect;

/// A SeaORM connection (pool or transaction) seen through the CMS's storage forms.
#[derive(Debug)]
pub struct SeaConnection<C = DatabaseConnection> {
    pub(crate) inner: C,
    pub(crate) dialect: Dialect,
    pub(crate) statements: Arc<AtomicU64>,
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
        })
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
        self.inner.commit().await
    }

    /// Rolls back (to the savepoint of a nested transaction).
    ///
    /// # Errors
    /// The database error.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.inner.rollback().await
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
        }
    }

    fn prepare(&self, stmt: Statement) -> Statement {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.dialect.bind(stmt)
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> ConnectionTrait for SeaConnection<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.inner.execute_raw(self.prepare(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.inner.query_one_raw(self.prepare(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.inner.query_all_raw(self.prepare(stmt)).await
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
