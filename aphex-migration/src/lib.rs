//! The aphex-rs schema as sea-orm-migration migrations: content tables, the Better Auth tables
//! (exactly as Better Auth 1.7 creates them), user profiles and indexes. Runs on PostgreSQL
//! (enum types, `jsonb`, `timestamptz`, GIN indexes) and SQLite (features `postgres`,
//! `sqlite`).
//!
//! Two ways to run them beside an application's own migrations (`docs/integration.md`):
//!
//! - **On their own**: [`Migrator`] records its history in its own table,
//!   [`HISTORY_TABLE`] (`aphex_migrations`), so an application's `seaql_migrations` is never
//!   touched, and its `fresh` drops only the CMS's own tables.
//!   `aphex-migration up` / `aphex::connect_and_migrate` run it.
//! - **Composed** into the application's migrator: put [`migrations()`] first in its
//!   `MigratorTrait::migrations()`; they are then recorded in the application's history.
//!
//! [`verify`] tells whether a database has every CMS migration, wherever it is recorded.
//!
//! ```text
//! DATABASE_URL=sqlite://./app.db?mode=rwc cargo run -p aphex-migration -- up
//! ```

pub use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

mod columns;
mod m20261124_000001_create_enum_types;
mod m20261124_000002_create_user;
mod m20261124_000003_create_session;
mod m20261124_000004_create_account;
mod m20261124_000005_create_verification;
mod m20261124_000006_create_apikey;
mod m20261124_000007_create_cms_user_profiles;
mod m20261124_000008_create_cms_schema_types;
mod m20261124_000009_create_cms_documents;
mod m20261124_000010_create_cms_document_versions;
mod m20261124_000011_create_cms_assets;
mod m20261206_000012_add_document_version_count;
mod m20261206_000013_compress_json_with_lz4;
mod m20261207_000014_create_organizations;
mod m20261208_000015_create_document_references;
mod m20261209_000016_create_events;
mod m20261209_000017_create_jobs;
mod m20261209_000018_create_webhooks;

pub use m20261207_000014_create_organizations::DEFAULT_ORGANIZATION_ID;

/// Where [`Migrator`] records the CMS migrations it has applied.
pub const HISTORY_TABLE: &str = "aphex_migrations";

/// sea-orm-migration's default history table (where 0.1 recorded the CMS migrations, and where
/// an application that composes [`migrations()`] records them).
const DEFAULT_HISTORY_TABLE: &str = "seaql_migrations";

/// The CMS's own tables, in creation order.
pub const CMS_TABLES: [&str; 20] = [
    "user",
    "session",
    "account",
    "verification",
    "apikey",
    "cms_user_profiles",
    "cms_schema_types",
    "cms_documents",
    "cms_document_versions",
    "cms_assets",
    "organization",
    "organization_role",
    "member",
    "invitation",
    // SQLite only: the mirror of the reference columns that indexes them.
    "cms_document_references",
    "cms_event_streams",
    "cms_events",
    "cms_outbox",
    "cms_jobs",
    "cms_webhooks",
];

/// The CMS migrations, in order, to put at the start of an application's own migrator.
pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261124_000001_create_enum_types::Migration),
        Box::new(m20261124_000002_create_user::Migration),
        Box::new(m20261124_000003_create_session::Migration),
        Box::new(m20261124_000004_create_account::Migration),
        Box::new(m20261124_000005_create_verification::Migration),
        Box::new(m20261124_000006_create_apikey::Migration),
        Box::new(m20261124_000007_create_cms_user_profiles::Migration),
        Box::new(m20261124_000008_create_cms_schema_types::Migration),
        Box::new(m20261124_000009_create_cms_documents::Migration),
        Box::new(m20261124_000010_create_cms_document_versions::Migration),
        Box::new(m20261124_000011_create_cms_assets::Migration),
        Box::new(m20261206_000012_add_document_version_count::Migration),
        Box::new(m20261206_000013_compress_json_with_lz4::Migration),
        Box::new(m20261207_000014_create_organizations::Migration),
        Box::new(m20261208_000015_create_document_references::Migration),
        Box::new(m20261209_000016_create_events::Migration),
        Box::new(m20261209_000017_create_jobs::Migration),
        Box::new(m20261209_000018_create_webhooks::Migration),
    ]
}

/// The names of the CMS migrations, in order.
pub fn migration_names() -> Vec<String> {
    migrations().iter().map(|m| m.name().to_owned()).collect()
}

/// The CMS migrations on their own, with their history in [`HISTORY_TABLE`].
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        migrations()
    }

    fn migration_table_name() -> DynIden {
        Alias::new(HISTORY_TABLE).into_iden()
    }

    /// Creates [`HISTORY_TABLE`]. A database migrated by aphex-rs 0.1 recorded the CMS
    /// migrations in `seaql_migrations`: when that table holds nothing else, its rows move to
    /// [`HISTORY_TABLE`] (so `up` continues where 0.1 stopped). When it also holds an
    /// application's migrations, the application's migrator runs the CMS migrations (they are
    /// composed into it), and running this one is refused.
    async fn install<C>(db: &C) -> Result<(), DbErr>
    where
        C: sea_orm_migration::sea_orm::ConnectionTrait,
    {
        let names = migration_names();
        let default_history = recorded(db, DEFAULT_HISTORY_TABLE).await?;
        let composed = default_history.iter().any(|n| names.contains(n));
        let others = default_history.iter().any(|n| !names.contains(n));
        if composed && others {
            return Err(DbErr::Migration(format!(
                "the CMS migrations of this database are recorded in `{DEFAULT_HISTORY_TABLE}` \
                 together with the application's own: the application's migrator runs them \
                 (it includes `aphex_migration::migrations()`), run that instead"
            )));
        }
        let fresh_history = !table_exists(db, HISTORY_TABLE).await?;
        let backend = db.get_database_backend();
        let create = Table::create()
            .table(Alias::new(HISTORY_TABLE))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("version"))
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(Alias::new("applied_at"))
                    .big_integer()
                    .not_null(),
            )
            .to_owned();
        db.execute(&create).await?;
        if fresh_history && composed {
            let from = quoted(backend, DEFAULT_HISTORY_TABLE);
            let to = quoted(backend, HISTORY_TABLE);
            db.execute_unprepared(&format!(
                "INSERT INTO {to} (version, applied_at) SELECT version, applied_at FROM {from}"
            ))
            .await?;
            db.execute_unprepared(&format!("DELETE FROM {from}"))
                .await?;
        }
        Ok(())
    }

    /// Drops **only the CMS's own tables** (and on PostgreSQL its enum types) and their history,
    /// then applies every migration. Other tables are left as they are; a table of the
    /// application with a foreign key to a CMS table makes it fail rather than dropping that
    /// key (drop or migrate it first).
    async fn fresh<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let manager = SchemaManager::new(db.into_database_executor());
        for table in CMS_TABLES.iter().rev().chain([&HISTORY_TABLE]) {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(*table))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        m20261124_000001_create_enum_types::Migration
            .down(&manager)
            .await?;
        match manager.get_connection() {
            SchemaManagerConnection::Connection(c) => Self::up(*c, None).await,
            SchemaManagerConnection::Transaction(t) => Self::up(*t, None).await,
            SchemaManagerConnection::OwnedTransaction(t) => Self::up(t, None).await,
        }
    }
}

/// Where a database's CMS schema stands against this version's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaState {
    /// Every CMS migration is applied.
    Current,
    /// Some are missing: the schema is at `applied` (the last one applied, `None` for none),
    /// this version expects `expected` (its last migration).
    Behind {
        /// The newest CMS migration applied.
        applied: Option<String>,
        /// The newest CMS migration of this version.
        expected: String,
    },
}

impl std::fmt::Display for SchemaState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaState::Current => f.write_str("the CMS schema is current"),
            SchemaState::Behind { applied, expected } => write!(
                f,
                "schema at {}, this version expects {expected}: run the migrations",
                applied
                    .as_deref()
                    .unwrap_or("none (no CMS migration applied)")
            ),
        }
    }
}

/// Reads, without changing anything, whether every CMS migration is applied — recorded in
/// [`HISTORY_TABLE`], or in `seaql_migrations` when the application composes them.
///
/// # Errors
/// A database error while reading the history.
pub async fn state<C: sea_orm_migration::sea_orm::ConnectionTrait>(
    db: &C,
) -> Result<SchemaState, DbErr> {
    let names = migration_names();
    let mut applied = recorded(db, HISTORY_TABLE).await?;
    applied.extend(recorded(db, DEFAULT_HISTORY_TABLE).await?);
    let newest = names.iter().rev().find(|n| applied.contains(n)).cloned();
    if names.iter().all(|n| applied.contains(n)) {
        return Ok(SchemaState::Current);
    }
    Ok(SchemaState::Behind {
        applied: newest,
        expected: names.last().cloned().unwrap_or_default(),
    })
}

/// `Ok` when every CMS migration is applied.
///
/// # Errors
/// `DbErr::Migration` saying where the schema is and what this version expects ("schema at X,
/// this version expects Y: run the migrations"); database errors.
pub async fn verify<C: sea_orm_migration::sea_orm::ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    match state(db).await? {
        SchemaState::Current => Ok(()),
        behind => Err(DbErr::Migration(behind.to_string())),
    }
}

fn quoted(backend: DbBackend, table: &str) -> String {
    match backend {
        DbBackend::MySql => format!("`{table}`"),
        _ => format!("\"{table}\""),
    }
}

async fn table_exists<C: sea_orm_migration::sea_orm::ConnectionTrait>(
    db: &C,
    table: &str,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
        _ => {
            "SELECT table_name FROM information_schema.tables \
              WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let found = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await?;
    Ok(found.is_some())
}

/// The migration names recorded in `table`, empty when it does not exist.
async fn recorded<C: sea_orm_migration::sea_orm::ConnectionTrait>(
    db: &C,
    table: &str,
) -> Result<Vec<String>, DbErr> {
    if !table_exists(db, table).await? {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT version FROM {}", quoted(backend, table)),
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()
        .map_err(|e| DbErr::Migration(format!("unreadable `{table}`: {e}")))
}
