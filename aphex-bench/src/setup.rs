//! Fresh databases for both sides of a backend, schema from our own migrations (SQL) or
//! `ensure_schema` (MongoDB), and the statement logs behind `--show-sql`. Under `--rls`
//! (PostgreSQL) both sides are the adapter, connected as the application's own role: see
//! [`rls_sides`].

use std::sync::{Arc, Mutex};

use futures::FutureExt;
use mongodb::event::EventHandler;
use mongodb::event::command::CommandEvent;
use mongodb::options::ClientOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tempfile::TempDir;

use aphex_core::Scope;
use aphex_core::ports::DatabaseAdapter;
use aphex_core::query::ListQuery;
use aphex_migration::{Migrator, MigratorTrait};
use aphex_mongo::MongoAdapter;
use aphex_pg::{Postgres, PostgresAdapter, PostgresOptions};
use aphex_sea::{SeaAdapter, SeaBackend};
use aphex_sqlite::Sqlite;

use crate::aphex_side::{AphexSide, Settle};
use crate::lists::RawList;
use crate::raw_mongo::RawMongo;
use crate::raw_sql::{RawPool, RawSql};
use crate::target::{BenchResult, Target};
use crate::{Args, Backend};

/// The database names the bench owns on a server (dropped and recreated every run).
pub const DATABASES: [&str; 2] = ["aphex_bench", "aphex_bench_raw"];

/// `--rls`: the application's role both sides connect as. Not a superuser and without
/// `BYPASSRLS` (either bypasses row-level security, so the measurement would measure nothing);
/// it owns both databases and makes their tables (runs the migrations). The bench creates it when
/// missing and (re)sets its password and those attributes every run: it is the bench's own role.
pub const RLS_ROLE: &str = "aphex_bench_app";

/// `--rls`: the password the bench gives [`RLS_ROLE`].
const RLS_PASSWORD: &str = "aphex-bench";

/// What each side sent while its log was open (`--show-sql`).
#[derive(Clone, Default)]
pub struct StatementLogs {
    raw: Arc<Mutex<Option<Vec<String>>>>,
    aphex: Arc<Mutex<Option<Vec<String>>>>,
}

impl StatementLogs {
    fn slot(&self, side: &str) -> &Arc<Mutex<Option<Vec<String>>>> {
        if side == "raw" {
            &self.raw
        } else {
            &self.aphex
        }
    }

    /// Starts recording `side`.
    pub fn start(&self, side: &str) {
        if let Ok(mut slot) = self.slot(side).lock() {
            *slot = Some(Vec::new());
        }
    }

    /// Stops recording `side` and returns what it sent.
    pub fn take(&self, side: &str) -> Vec<String> {
        self.slot(side)
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .unwrap_or_default()
    }

    /// Records a statement of `side`, when its log is open.
    pub fn record(&self, side: &str, statement: impl FnOnce() -> String) {
        if let Ok(mut slot) = self.slot(side).lock()
            && let Some(log) = slot.as_mut()
        {
            log.push(statement());
        }
    }
}

/// Both sides, ready to load.
pub struct Prepared {
    /// The raw driver side.
    pub raw: Arc<dyn Target>,
    /// The adapter side.
    pub aphex: Arc<dyn Target>,
    /// `--show-sql` logs.
    pub logs: StatementLogs,
    /// The adapter on each side's database (the aphex side's, then the raw side's), to load
    /// the corpus in bulk (`DocumentService::create_many`) before the timed phases.
    pub loaders: [Arc<dyn DatabaseAdapter>; 2],
    /// The statements (commands) the adapter sends for a documents query, for the raw side of
    /// the list phases to replay.
    pub lister: Lister,
    /// `--rls`: checks, once the corpus is loaded, that the policies are in force for the
    /// application's role (a query without a scope sees none of the `rls on` side's documents).
    pub rls_check: Option<Settle>,
    /// Keeps the SQLite directory alive for the run.
    pub _dir: Option<TempDir>,
}

/// Builds what the raw side replays for a list query.
pub type Lister = Arc<dyn Fn(&ListQuery) -> BenchResult<RawList> + Send + Sync>;

/// `url` with its database (path) replaced by `name`.
fn with_database(url: &str, name: &str) -> BenchResult<String> {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").ok_or("the URL has no `://`")? + 3;
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// `url` with its user (and password) replaced by `user:password`.
fn with_user(url: &str, user: &str, password: &str) -> BenchResult<String> {
    let scheme_end = url.find("://").ok_or("the URL has no `://`")? + 3;
    let authority_end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    Ok(format!(
        "{}{user}:{password}@{host}{}",
        &url[..scheme_end],
        &url[authority_end..]
    ))
}

/// Opens a SeaORM pool of backend `B`, migrated, with a statement log when asked.
async fn sea_pool<B: SeaBackend>(
    url: &str,
    options: &B::Options,
    logs: Option<(StatementLogs, &'static str)>,
) -> BenchResult<DatabaseConnection> {
    let mut conn = B::open(url, options).await?;
    Migrator::up(&conn, None).await?;
    if let Some((logs, side)) = logs {
        conn.set_metric_callback(move |info| logs.record(side, || info.statement.sql.clone()));
    }
    Ok(conn)
}

/// `ANALYZE` (and for SQLite a WAL checkpoint) on `conn`.
fn sql_settle(conn: DatabaseConnection, statements: &'static [&'static str]) -> Settle {
    Box::new(move || {
        let conn = conn.clone();
        async move {
            for stmt in statements {
                conn.execute_unprepared(stmt).await?;
            }
            Ok(())
        }
        .boxed()
    })
}

const SQLITE_SETTLE: &[&str] = &["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"];
const POSTGRES_SETTLE: &[&str] = &["ANALYZE"];

/// Both sides of a SQL backend: the adapter on `urls[0]`, the raw pool (opened by the same
/// `SeaBackend::open`, so with the same settings) on `urls[1]`.
async fn sea_sides<B: SeaBackend>(
    urls: [&str; 2],
    settle: &'static [&'static str],
    raw_pool: fn(&DatabaseConnection) -> RawPool,
    logs: StatementLogs,
    show_sql: bool,
    dir: Option<TempDir>,
) -> BenchResult<Prepared> {
    let options = B::Options::default();
    let aphex = sea_pool::<B>(urls[0], &options, show_sql.then(|| (logs.clone(), "aphex"))).await?;
    let raw = sea_pool::<B>(urls[1], &options, None).await?;
    let typed = Arc::new(SeaAdapter::<B>::new(aphex.clone())?);
    let adapter: Arc<dyn DatabaseAdapter> = typed.clone();
    let lister: Lister = Arc::new(move |q| {
        Ok(RawList::Sql(
            typed.find_documents_statements(&Scope::default(), q)?,
        ))
    });
    let aphex_side = AphexSide::new(adapter.clone(), Some(sql_settle(aphex, settle))).await?;
    let raw_side = RawSql::new(raw_pool(&raw), settle, logs.clone());
    Ok(Prepared {
        raw: Arc::new(raw_side),
        aphex: Arc::new(aphex_side),
        logs,
        loaders: [adapter, Arc::new(SeaAdapter::<B>::new(raw)?)],
        lister,
        rls_check: None,
        _dir: dir,
    })
}

/// A MongoDB client for `url`, logging commands to `side` when asked.
async fn mongo_client(
    url: &str,
    logs: Option<(StatementLogs, &'static str)>,
) -> BenchResult<mongodb::Client> {
    let mut options = ClientOptions::parse(url).await?;
    if let Some((logs, side)) = logs {
        options.command_event_handler = Some(EventHandler::callback(move |ev| {
            if let CommandEvent::Started(started) = ev {
                logs.record(side, || started.command.to_string());
            }
        }));
    }
    Ok(mongodb::Client::with_options(options)?)
}

/// Creates both sides' databases and connects both sides.
pub async fn prepare(args: &Args) -> BenchResult<Prepared> {
    let logs = StatementLogs::default();
    let log = |side: &'static str| args.show_sql.then(|| (logs.clone(), side));
    match args.backend {
        Backend::Sqlite => {
            let (dir, path) = match &args.dir {
                Some(path) => (None, path.clone()),
                None => {
                    let dir = tempfile::tempdir()?;
                    let path = dir.path().to_path_buf();
                    (Some(dir), path)
                }
            };
            let url = |name: &str| {
                let file = path.join(format!("{name}.db"));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
                format!("sqlite://{}?mode=rwc", file.display())
            };
            sea_sides::<Sqlite>(
                [&url(DATABASES[0]), &url(DATABASES[1])],
                SQLITE_SETTLE,
                |c| RawPool::Sqlite(c.get_sqlite_connection_pool().clone()),
                logs,
                args.show_sql,
                dir,
            )
            .await
        }
        Backend::Postgres => {
            let url = args
                .url
                .as_deref()
                .ok_or("--url (or APHEX_BENCH_URL) names the PostgreSQL server")?;
            let admin = Postgres::open(url, &PostgresOptions::default()).await?;
            let owner = if args.rls {
                create_app_role(&admin).await?;
                format!(" OWNER {RLS_ROLE}")
            } else {
                String::new()
            };
            for name in DATABASES {
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}{owner}"))
                    .await?;
            }
            admin.close().await?;
            if args.rls {
                return rls_sides(url, logs, args.show_sql).await;
            }
            sea_sides::<Postgres>(
                [
                    &with_database(url, DATABASES[0])?,
                    &with_database(url, DATABASES[1])?,
                ],
                POSTGRES_SETTLE,
                |c| RawPool::Postgres(c.get_postgres_connection_pool().clone()),
                logs,
                args.show_sql,
                None,
            )
            .await
        }
        Backend::Mongodb => {
            let url = args
                .url
                .as_deref()
                .ok_or("--url (or APHEX_BENCH_URL) names the MongoDB server")?;
            let aphex_client = mongo_client(url, log("aphex")).await?;
            let raw_client = mongo_client(url, log("raw")).await?;
            let mut dbs = Vec::new();
            for (client, name) in [(&aphex_client, DATABASES[0]), (&raw_client, DATABASES[1])] {
                let db = client.database(name);
                db.drop().await?;
                MongoAdapter::new(db.clone()).await?.ensure_schema().await?;
                dbs.push(db);
            }
            let typed = Arc::new(MongoAdapter::new(dbs[0].clone()).await?);
            let aphex: Arc<dyn DatabaseAdapter> = typed.clone();
            let lister: Lister = Arc::new(move |q| {
                Ok(RawList::Mongo(Box::new(
                    typed.find_documents_command(&Scope::default(), q)?,
                )))
            });
            let aphex_side = AphexSide::new(aphex.clone(), None).await?;
            let raw_side = RawMongo::new(dbs[1].clone());
            Ok(Prepared {
                raw: Arc::new(raw_side),
                aphex: Arc::new(aphex_side),
                logs,
                loaders: [aphex, Arc::new(MongoAdapter::new(dbs[1].clone()).await?)],
                lister,
                rls_check: None,
                _dir: None,
            })
        }
    }
}

/// `--rls`: creates [`RLS_ROLE`] when missing, and makes sure it can log in with the bench's
/// password and bypasses no row-level security.
async fn create_app_role(admin: &DatabaseConnection) -> BenchResult<()> {
    admin
        .execute_unprepared(&format!(
            "DO $$ BEGIN CREATE ROLE {RLS_ROLE}; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .await?;
    admin
        .execute_unprepared(&format!(
            "ALTER ROLE {RLS_ROLE} WITH LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{RLS_PASSWORD}'"
        ))
        .await?;
    Ok(())
}

/// `--rls` on PostgreSQL: both sides run the adapter, connected as [`RLS_ROLE`], which owns
/// both databases and ran the migrations in each (so it owns the tables, as an application's
/// role does). The measured side (`rls on`, database `aphex_bench`) has the policies enabled
/// (`enable_row_level_security`, run as that owner) and its adapter sets the scope of every call
/// (`row_level_security(true)`); the baseline (`rls off`, `aphex_bench_raw`) is a plain database
/// and adapter. Same pool settings on both.
async fn rls_sides(url: &str, logs: StatementLogs, show_sql: bool) -> BenchResult<Prepared> {
    let options = PostgresOptions::default();
    let mut pools = Vec::with_capacity(2);
    for (name, side) in [(DATABASES[0], "aphex"), (DATABASES[1], "raw")] {
        let db_url = with_database(url, name)?;
        // The database's owner may create in `public` (PostgreSQL 15 on; older servers let
        // everyone): granted all the same, as an operator would.
        let admin = Postgres::open(&db_url, &options.clone().max_connections(1)).await?;
        admin
            .execute_unprepared(&format!(
                "GRANT CREATE, USAGE ON SCHEMA public TO {RLS_ROLE}"
            ))
            .await?;
        admin.close().await?;
        let app_url = with_user(&db_url, RLS_ROLE, RLS_PASSWORD)?;
        let log = show_sql.then(|| (logs.clone(), side));
        pools.push(sea_pool::<Postgres>(&app_url, &options, log).await?);
    }
    let [on_pool, off_pool]: [DatabaseConnection; 2] = pools
        .try_into()
        .map_err(|_| "two PostgreSQL pools expected")?;
    check_app_role(&on_pool).await?;
    let on = Arc::new(PostgresAdapter::new(on_pool.clone())?.row_level_security(true)?);
    on.enable_row_level_security().await?;
    let off = Arc::new(PostgresAdapter::new(off_pool.clone())?);
    // Only a raw side replays list statements; both sides here run their adapter.
    let planner = off.clone();
    let lister: Lister = Arc::new(move |q| {
        Ok(RawList::Sql(
            planner.find_documents_statements(&Scope::default(), q)?,
        ))
    });
    let on_db: Arc<dyn DatabaseAdapter> = on;
    let off_db: Arc<dyn DatabaseAdapter> = off;
    let on_side = AphexSide::new(
        on_db.clone(),
        Some(sql_settle(on_pool.clone(), POSTGRES_SETTLE)),
    )
    .await?
    .labelled("rls on");
    let off_side = AphexSide::new(
        off_db.clone(),
        Some(sql_settle(off_pool.clone(), POSTGRES_SETTLE)),
    )
    .await?
    .labelled("rls off");
    Ok(Prepared {
        raw: Arc::new(off_side),
        aphex: Arc::new(on_side),
        logs,
        loaders: [on_db, off_db],
        lister,
        rls_check: Some(rls_check(on_pool, off_pool)),
        _dir: None,
    })
}

/// Fails unless `conn` is [`RLS_ROLE`], neither a superuser nor `BYPASSRLS`.
async fn check_app_role(conn: &DatabaseConnection) -> BenchResult<()> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT current_user::text, rolsuper OR rolbypassrls FROM pg_roles \
             WHERE rolname = current_user",
        ))
        .await?
        .ok_or("the connection's role is not in pg_roles")?;
    let user: String = row.try_get_by_index(0)?;
    let bypasses: bool = row.try_get_by_index(1)?;
    if user != RLS_ROLE || bypasses {
        return Err(format!(
            "--rls must connect as {RLS_ROLE}, bound by row-level security; got {user} \
             (superuser or BYPASSRLS: {bypasses})"
        )
        .into());
    }
    Ok(())
}

/// After the load: as the application's role, outside any transaction and so without a scope,
/// the `rls on` database shows no documents (the policies are in force), the `rls off` one all.
fn rls_check(on: DatabaseConnection, off: DatabaseConnection) -> Settle {
    Box::new(move || {
        let (on, off) = (on.clone(), off.clone());
        async move {
            let count = |conn: DatabaseConnection| async move {
                let row = conn
                    .query_one_raw(sea_orm::Statement::from_string(
                        conn.get_database_backend(),
                        "SELECT count(*) FROM cms_documents",
                    ))
                    .await?
                    .ok_or("no count")?;
                Ok::<i64, crate::target::BoxError>(row.try_get_by_index(0)?)
            };
            let (hidden, visible) = (count(on).await?, count(off).await?);
            if hidden != 0 || visible == 0 {
                return Err(format!(
                    "row-level security is not in force: without a scope, {RLS_ROLE} sees \
                     {hidden} documents on the rls-on database ({visible} on the rls-off one)"
                )
                .into());
            }
            eprintln!(
                "rls check: without a scope, {RLS_ROLE} sees 0 documents on the rls-on database \
                 ({visible} on the rls-off one)"
            );
            Ok(())
        }
        .boxed()
    })
}

#[cfg(test)]
mod tests {
    use super::{with_database, with_user};

    #[test]
    fn database_in_url_is_replaced() {
        let cases = [
            ("postgres://u@h:5/postgres", "postgres://u@h:5/x"),
            ("postgres://u@h:5", "postgres://u@h:5/x"),
            (
                "mongodb://h:1/?directConnection=true",
                "mongodb://h:1/x?directConnection=true",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(with_database(url, "x").ok().as_deref(), Some(want));
        }
    }

    #[test]
    fn user_in_url_is_replaced() {
        let cases = [
            ("postgres://postgres@h:5/db", "postgres://u:p@h:5/db"),
            ("postgres://a:b@c@h:5/db?x=1", "postgres://u:p@h:5/db?x=1"),
            ("postgres://h:5", "postgres://u:p@h:5"),
            (
                "postgres://h?sslmode=disable",
                "postgres://u:p@h?sslmode=disable",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(with_user(url, "u", "p").ok().as_deref(), Some(want));
        }
    }
}
