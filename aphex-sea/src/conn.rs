//! The one path every statement takes: [`BoundConn`] wraps a SeaORM connection or transaction,
//! rewrites bound values for the dialect ([`Dialect::bind`]) and counts statements. The stores
//! use ordinary SeaORM APIs on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement};

use crate::dialect::Dialect;

/// A SeaORM connection (pool or transaction) seen through the dialect.
#[derive(Debug)]
pub(crate) struct BoundConn<C> {
    pub(crate) inner: C,
    pub(crate) dialect: Dialect,
    pub(crate) statements: Arc<AtomicU64>,
}

impl<C: ConnectionTrait> BoundConn<C> {
    fn prepare(&self, stmt: Statement) -> Statement {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.dialect.bind(stmt)
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send> ConnectionTrait for BoundConn<C> {
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
