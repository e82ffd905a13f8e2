//! [`SeaStore`]: the port implementations over a SeaORM connection or transaction, one file per
//! port. [`SeaAdapter`] (a pooled connection) is the `DatabaseAdapter`; [`SeaTransaction`] is
//! what `begin` hands out.

mod asset;
mod auth;
mod document;
mod event;
mod job;
mod organization;
mod profile;
pub(crate) mod rls;
mod rows;
mod schema_type;
mod version;
mod webhook;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;

use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement,
};

use aphex_core::ports::{Capabilities, DatabaseAdapter, Transaction};
use aphex_core::query::{Filter, ListQuery, Page};
use aphex_core::{Error, Result, Scope};

use crate::conn::SeaConnection;
use crate::dialect::Dialect;
use crate::error::map_db_err;
use crate::where_sql::{QueryTable, SqlCompiler};

/// What a SQL backend crate (`aphex-sqlite`, `aphex-pg`) contributes: its name and how to open a
/// pool with its per-connection settings. Everything else is shared.
pub trait SeaBackend: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    const NAME: &'static str;
    /// The dialect this backend speaks.
    const DIALECT: Dialect;
    /// Connection and pool options.
    type Options: Default + Send;
    /// Opens a pool.
    fn open(
        url: &str,
        options: &Self::Options,
    ) -> impl Future<Output = Result<DatabaseConnection>> + Send;

    /// The read replicas `options` name (URLs, each opened with [`open`](Self::open) and the
    /// same options) and the read-your-writes window; none by default.
    fn read_replicas(options: &Self::Options) -> (Vec<String>, std::time::Duration) {
        let _ = options;
        (Vec::new(), std::time::Duration::ZERO)
    }

    /// Whether `options` turn row-level security on; never by default.
    fn row_level_security(options: &Self::Options) -> bool {
        let _ = options;
        false
    }
}

/// The stores over a SeaORM connection `C` (a pool or a transaction) of backend `B`.
pub struct SeaStore<C, B> {
    pub(crate) conn: SeaConnection<C>,
    pub(crate) rls: rls::Rls,
    backend: PhantomData<fn() -> B>,
}

impl<C, B> SeaStore<C, B> {
    /// The stores over `conn`, with row-level security as given.
    pub(crate) fn over(conn: SeaConnection<C>, rls: rls::Rls) -> Self {
        SeaStore {
            conn,
            rls,
            backend: PhantomData,
        }
    }

    /// What a transaction begun from these stores applies: row-level security on (each call
    /// sets its scope) when these stores have it at all.
    fn rls_of_transaction(&self) -> rls::Rls {
        match self.rls {
            rls::Rls::Off => rls::Rls::Off,
            _ => rls::Rls::On,
        }
    }
}

/// A pooled SQL backend: the [`DatabaseAdapter`] of `aphex-sqlite` and `aphex-pg`.
pub type SeaAdapter<B> = SeaStore<DatabaseConnection, B>;

/// The stores bound to one database transaction.
pub type SeaTransaction<B> = SeaStore<DatabaseTransaction, B>;

impl<C, B> fmt::Debug for SeaStore<C, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeaStore")
            .field("backend", &self.conn.dialect.name())
            .field("statements", &self.conn.statements.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    pub(crate) fn dialect(&self) -> Dialect {
        self.conn.dialect
    }

    /// Maps a driver error of a statement on `entity`.
    pub(crate) fn err(&self, entity: &'static str) -> impl Fn(DbErr) -> Error + '_ {
        move |e| map_db_err(self.conn.dialect, entity, e)
    }
}

impl<B: SeaBackend> SeaAdapter<B> {
    /// The database's plan for the page query of
    /// [`find_documents`](aphex_core::ports::DocumentStore::find_documents) — the exact
    /// statement — one line per plan row. For diagnosing performance, e.g. whether an index
    /// serves a filter. PostgreSQL: the plan of the statement prepared as the adapter prepares
    /// it (`PREPARE` + `EXPLAIN EXECUTE` with the query's values, so the session's
    /// `plan_cache_mode` decides between a custom and a generic plan). SQLite:
    /// `EXPLAIN QUERY PLAN`.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a bad query, [`Error::Backend`] when the database fails.
    pub async fn explain_find_documents(&self, scope: &Scope, query: &ListQuery) -> Result<String> {
        let mut stmt = self
            .page_select::<crate::where_sql::Documents>(scope, query)?
            .build(self.conn.get_database_backend());
        let err = self.err("query plan");
        let (rows, column) = match self.dialect() {
            Dialect::Postgres => {
                use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder};
                let args: Vec<String> = stmt
                    .values
                    .take()
                    .map(|v| v.0)
                    .unwrap_or_default()
                    .iter()
                    .map(|v| PostgresQueryBuilder.value_to_string(v))
                    .collect();
                let args = if args.is_empty() {
                    String::new()
                } else {
                    format!("({})", args.join(", "))
                };
                // One connection for PREPARE, EXPLAIN and DEALLOCATE.
                let tx = self.conn.begin().await.map_err(&err)?;
                tx.execute_unprepared(&format!("PREPARE aphex_explain AS {}", stmt.sql))
                    .await
                    .map_err(&err)?;
                let explained = tx
                    .query_all_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        format!("EXPLAIN EXECUTE aphex_explain{args}"),
                    ))
                    .await;
                let deallocated = tx.execute_unprepared("DEALLOCATE aphex_explain").await;
                tx.rollback().await.map_err(&err)?;
                deallocated.map_err(&err)?;
                (explained.map_err(&err)?, "QUERY PLAN")
            }
            Dialect::Sqlite => {
                stmt.sql.insert_str(0, "EXPLAIN QUERY PLAN ");
                (self.conn.query_all_raw(stmt).await.map_err(&err)?, "detail")
            }
        };
        let lines = rows
            .iter()
            .map(|row| row.try_get::<String>("", column))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::backend(B::NAME, e))?;
        Ok(lines.join("\n"))
    }

    /// The statements [`find_documents`](aphex_core::ports::DocumentStore::find_documents)
    /// sends for `query`, exactly (values bound as this dialect stores them): the count (when
    /// the query counts), then the page. For diagnostics and benchmarks (`aphex-bench` replays
    /// them through the raw driver).
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a bad query.
    pub fn find_documents_statements(
        &self,
        scope: &Scope,
        query: &ListQuery,
    ) -> Result<Vec<Statement>> {
        use sea_orm::QueryTrait;
        let backend = self.conn.get_database_backend();
        let mut statements = Vec::with_capacity(2);
        if query.count {
            let inner = self
                .filtered::<crate::where_sql::Documents>(scope, &query.filter)?
                .build(backend);
            // What `PaginatorTrait::count` sends.
            statements.push(Statement {
                sql: format!(
                    "SELECT COUNT(*) AS num_items FROM ({}) AS \"sub_query\"",
                    inner.sql
                ),
                ..inner
            });
        }
        statements.push(
            self.page_select::<crate::where_sql::Documents>(scope, query)?
                .build(backend),
        );
        Ok(statements
            .into_iter()
            .map(|s| self.dialect().bind(s))
            .collect())
    }

    /// Connects with default options.
    ///
    /// # Errors
    /// [`Error::Backend`] when the database cannot be reached or the URL is invalid.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, B::Options::default()).await
    }

    /// Connects with the given options.
    ///
    /// # Errors
    /// [`Error::Backend`] when the database cannot be reached or the URL is invalid.
    pub async fn connect_with(url: &str, options: B::Options) -> Result<Self> {
        let primary = SeaConnection::new(B::open(url, &options).await?)?;
        let (replica_urls, read_your_writes) = B::read_replicas(&options);
        let mut replicas = Vec::with_capacity(replica_urls.len());
        for replica in &replica_urls {
            replicas.push(B::open(replica, &options).await?);
        }
        let store = Self::from_connection(primary.with_read_replicas(replicas, read_your_writes))?;
        if B::row_level_security(&options) {
            store.row_level_security(true)
        } else {
            Ok(store)
        }
    }

    /// Uses a connection the application already has (the seed's
    /// `new PostgreSQLAdapter({ db, tables })` pattern). Run the application's own queries
    /// through [`connection`](Self::connection) afterwards: it binds values the way the CMS
    /// tables store them.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the connection is of another backend.
    pub fn new(db: DatabaseConnection) -> Result<Self> {
        Self::from_connection(SeaConnection::new(db)?)
    }

    /// Uses a [`SeaConnection`] the application wrapped around its pool.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the connection is of another backend.
    pub fn from_connection(conn: SeaConnection) -> Result<Self> {
        if conn.dialect != B::DIALECT {
            return Err(Error::Unsupported {
                backend: B::NAME,
                operation: "a connection of another database backend",
            });
        }
        Ok(SeaStore::over(conn, rls::Rls::Off))
    }

    /// Turns PostgreSQL row-level security on for these stores (opt-in; see `store/rls.rs` and
    /// docs/organizations.md): every content call then sets its organization scope in its
    /// transaction, which the policies of [`enable_row_level_security`](Self::enable_row_level_security)
    /// require. Without the policies it only costs the extra statements.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on SQLite.
    pub fn row_level_security(mut self, on: bool) -> Result<Self> {
        rls::postgres_only(B::DIALECT)?;
        self.rls = if on { rls::Rls::On } else { rls::Rls::Off };
        Ok(self)
    }

    /// Creates (or recreates) the row-level security policies on every content table and
    /// forces them on the tables' owner. Run it once, as the tables' owner, after the
    /// migrations; adapters with [`row_level_security`](Self::row_level_security) on keep
    /// working, any other query on those tables must set `aphex.organizations` (a `text[]`) in
    /// its transaction to see rows.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on SQLite; the database error.
    pub async fn enable_row_level_security(&self) -> Result<()> {
        rls::postgres_only(B::DIALECT)?;
        self.run_all(rls::enable_statements()).await
    }

    /// Drops the policies and turns row-level security off again.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on SQLite; the database error.
    pub async fn disable_row_level_security(&self) -> Result<()> {
        rls::postgres_only(B::DIALECT)?;
        self.run_all(rls::disable_statements()).await
    }

    async fn run_all(&self, statements: Vec<String>) -> Result<()> {
        let tx = self.conn.begin().await.map_err(self.err("transaction"))?;
        for sql in statements {
            tx.execute_unprepared(&sql)
                .await
                .map_err(self.err("row-level security"))?;
        }
        tx.commit().await.map_err(self.err("transaction"))
    }

    /// The connection: run your own SeaORM queries (on the CMS entities and on your own
    /// tables) and transactions through it — it binds values the way the CMS tables store them
    /// on every SQL backend. `connection().inner()` is the raw SeaORM pool (for migrations).
    pub fn connection(&self) -> &SeaConnection {
        &self.conn
    }

    /// `err`, from a statement run on [`connection`](Self::connection) (the application's own,
    /// or the migrations), classified as the adapter classifies its own: transient conditions
    /// as `Unavailable` (busy, connection lost, storage full, read only, ...), unique
    /// violations as `Conflict`, the rest as `Backend`.
    pub fn classify(&self, entity: &'static str, err: DbErr) -> Error {
        crate::error::map_db_err(B::DIALECT, entity, err)
    }

    /// The CMS's stores inside a transaction the application opened on
    /// [`connection`](Self::connection) (`connection().begin()`): hand the result to
    /// `Cms::join`. They run in a savepoint of `tx`, and every unit of work of the CMS in a
    /// savepoint of that, so a failed call leaves nothing behind and `tx` stays usable.
    ///
    /// # Errors
    /// [`Error::Unavailable`]/[`Error::Backend`] when the savepoint cannot be made.
    pub async fn join(
        &self,
        tx: &SeaConnection<DatabaseTransaction>,
    ) -> Result<Box<dyn Transaction>> {
        let savepoint = tx.begin().await.map_err(self.err("transaction"))?;
        Ok(Box::new(SeaStore::<DatabaseTransaction, B>::over(
            savepoint,
            self.rls_of_transaction(),
        )))
    }
}

#[async_trait]
impl<B: SeaBackend> DatabaseAdapter for SeaAdapter<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    fn capabilities(&self) -> Capabilities {
        let postgres = B::DIALECT == Dialect::Postgres;
        Capabilities::new(true)
            .one_statement_create(postgres)
            .one_statement_save(postgres)
            .one_statement_references(postgres)
            .composite_sort_ties(true)
    }

    async fn health(&self) -> Result<()> {
        self.conn.inner.ping().await.map_err(self.err("connection"))
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        // SQLite: take the write lock at BEGIN (see `SeaConnection::begin`).
        let tx = self.conn.begin().await.map_err(self.err("transaction"))?;
        Ok(Box::new(SeaStore::<DatabaseTransaction, B>::over(
            tx,
            self.rls_of_transaction(),
        )))
    }

    fn statement_count(&self) -> u64 {
        self.conn.statements.load(Ordering::Relaxed)
    }

    fn rows(&self) -> Result<&dyn aphex_core::ports::RowStore> {
        Ok(self)
    }
}

#[async_trait]
impl<B: SeaBackend> Transaction for SeaTransaction<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn begin_nested(&self) -> Result<Box<dyn Transaction>> {
        let savepoint = self.conn.begin().await.map_err(self.err("transaction"))?;
        Ok(Box::new(SeaStore::<DatabaseTransaction, B>::over(
            savepoint,
            self.rls_of_transaction(),
        )))
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        let dialect = self.conn.dialect;
        // Through `SeaConnection::commit`: a commit starts the read-your-writes window.
        self.conn
            .commit()
            .await
            .map_err(|e| map_db_err(dialect, "transaction", e))
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        let dialect = self.conn.dialect;
        self.conn
            .rollback()
            .await
            .map_err(|e| map_db_err(dialect, "transaction", e))
    }
}

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    /// `SELECT ... WHERE <scope> AND <filter>` on the table of `T`.
    fn filtered<T: QueryTable>(&self, scope: &Scope, filter: &Filter) -> Result<Select<T::Entity>> {
        let mut select = T::Entity::find().filter(visible(T::organization(), scope));
        if let Some(cond) = SqlCompiler::<T>::new(self.dialect()).filter(filter)? {
            select = select.filter(cond);
        }
        Ok(select)
    }

    /// How many rows of `T` match `filter`.
    pub(crate) async fn count_where<T: QueryTable>(
        &self,
        scope: &Scope,
        filter: &Filter,
        entity: &'static str,
    ) -> Result<u64>
    where
        <T::Entity as EntityTrait>::Model: Sync,
    {
        self.filtered::<T>(scope, filter)?
            .count(&self.conn)
            .await
            .map_err(self.err(entity))
    }

    /// The SELECT of one page of `T`: filter, order, limit, offset — all in the database.
    /// A keyset page adds its position ([`ListQuery::page_filter`]) and a condition an index on
    /// the first sort key can seek with (see [`SqlCompiler::keyset_seek`]).
    fn page_select<T: QueryTable>(
        &self,
        scope: &Scope,
        query: &ListQuery,
    ) -> Result<Select<T::Entity>> {
        let compiler = SqlCompiler::<T>::new(self.dialect());
        let mut select = self
            .filtered::<T>(scope, &query.page_filter())?
            .limit(query.fetch_limit())
            .offset(query.paging.offset());
        if let Some(seek) = compiler.keyset_seek(query)? {
            select = select.filter(seek);
        }
        for (expr, order, nulls) in compiler.order_by(&query.sort)? {
            select = select.order_by_with_nulls(expr, order, nulls);
        }
        Ok(select)
    }

    /// One page of `T` and the total.
    pub(crate) async fn page<T: QueryTable>(
        &self,
        scope: &Scope,
        query: &ListQuery,
        entity: &'static str,
    ) -> Result<Page<<T::Entity as EntityTrait>::Model>>
    where
        <T::Entity as EntityTrait>::Model: Sync,
    {
        let select = self.page_select::<T>(scope, query)?;
        let rows = async { select.all(&self.conn).await.map_err(self.err(entity)) };
        if !query.count {
            return Ok(Page {
                rows: rows.await?,
                total: 0,
            });
        }
        let total = self.count_where::<T>(scope, &query.filter, entity);
        // On a pool, the count and the page go out at once on two connections: the page
        // costs the slower of the two, not their sum (both read every match of a filter no
        // index serves). A transaction has one connection: one after the other.
        let (rows, total) = if self.conn.in_transaction {
            (rows.await?, total.await?)
        } else {
            futures::future::try_join(rows, total).await?
        };
        Ok(Page { rows, total })
    }

    /// Multi-row `INSERT`s of [`BULK_ROWS`] rows each (the bulk paths): a few columns a row
    /// stays far below PostgreSQL's 65 535 and SQLite's 32 766 parameters.
    pub(crate) async fn insert_rows<T, Col, const N: usize>(
        &self,
        table: T,
        columns: [Col; N],
        rows: Vec<[Expr; N]>,
        entity: &'static str,
    ) -> Result<()>
    where
        T: sea_orm::sea_query::IntoTableRef + Clone,
        Col: sea_orm::sea_query::IntoIden + Clone,
    {
        self.insert_rows_on(&self.conn, table, columns, rows, entity)
            .await
    }

    /// [`insert_rows`](Self::insert_rows) on `conn` (a transaction begun from these stores).
    pub(crate) async fn insert_rows_on<Conn, T, Col, const N: usize>(
        &self,
        conn: &Conn,
        table: T,
        columns: [Col; N],
        rows: Vec<[Expr; N]>,
        entity: &'static str,
    ) -> Result<()>
    where
        Conn: ConnectionTrait,
        T: sea_orm::sea_query::IntoTableRef + Clone,
        Col: sea_orm::sea_query::IntoIden + Clone,
    {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut insert = sea_orm::sea_query::Query::insert();
            insert.into_table(table.clone()).columns(columns.clone());
            for row in rows.by_ref().take(BULK_ROWS) {
                insert.values(row).map_err(|e| Error::backend("sql", e))?;
            }
            let stmt = conn.get_database_backend().build(&insert);
            conn.execute_raw(stmt).await.map_err(self.err(entity))?;
        }
        Ok(())
    }

    /// Row counts of `scope`'s visible organizations grouped by a text column.
    pub(crate) async fn counts_by<E: EntityTrait>(
        &self,
        scope: &Scope,
        organization: E::Column,
        column: E::Column,
        entity: &'static str,
    ) -> Result<BTreeMap<String, u64>> {
        let rows: Vec<(String, i64)> = E::find()
            .filter(visible(Expr::col(organization), scope))
            .select_only()
            .column(column)
            .column_as(Expr::col(Asterisk).count(), "n")
            .group_by(column)
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(self.err(entity))?;
        Ok(rows.into_iter().map(|(k, n)| (k, count(n))).collect())
    }
}

/// The rows of `scope`'s visible organizations, by their organization column: what every
/// read adds (`= $1` for one organization, `IN (…)` with descendants).
pub(crate) fn visible(organization: Expr, scope: &Scope) -> Expr {
    match scope.visible() {
        [one] => organization.eq(one.as_str()),
        many => organization.is_in(many.iter().map(String::as_str)),
    }
}

/// The rows of `scope`'s own organization: what every write by id adds.
pub(crate) fn owned(organization: Expr, scope: &Scope) -> Expr {
    organization.eq(scope.organization())
}

/// Rows per statement of the bulk inserts.
pub(crate) const BULK_ROWS: usize = 1000;

/// Converts a row count to `u64` (counts are never negative).
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
