//! Upgrades keep data, and the CMS migrations coexist with an application's own — on real
//! SQLite files and a real PostgreSQL (`APHEX_TEST_POSTGRES_URL`, a database per test).
//!
//! - **Upgrade from 0.1**: a database migrated as aphex-rs 0.1 did (its 11 migrations, recorded
//!   in `seaql_migrations`) and filled with a row in every table is migrated to head; every row
//!   of every 0.1 table reads back exactly as it was written, and the history continues in
//!   `aphex_migrations`. Keep this test for every later schema change: add the new migration's
//!   expectations here, never change the 0.1 fixture.
//! - **Own history**: the CMS migrator beside an application migrator with its own
//!   `seaql_migrations`; `fresh`/`refresh`/`reset` of the CMS leave the application's tables
//!   and rows alone.
//! - **Composed**: the CMS migrations inside the application's migrator; `verify` accepts it,
//!   and running the CMS migrator on its own is refused with a clear error.

use std::collections::BTreeMap;

use aphex_migration::{Migrator, MigratorTrait, SchemaState};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

/// aphex-rs 0.1's migrator: the first 11 migrations, in sea-orm-migration's default history.
struct Release01;

#[async_trait::async_trait]
impl MigratorTrait for Release01 {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = aphex_migration::migrations();
        all.truncate(11);
        all
    }
}

/// An application table (no foreign key, so that the CMS's `fresh` can drop its tables).
#[derive(DeriveMigrationName)]
struct CreateAppSettings;

#[async_trait::async_trait]
impl MigrationTrait for CreateAppSettings {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE app_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            )
            .await
            .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE app_settings")
            .await
            .map(drop)
    }
}

/// An application migrator with only its own migration (the CMS keeps its own history).
struct AppOnly;

#[async_trait::async_trait]
impl MigratorTrait for AppOnly {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateAppSettings)]
    }
}

/// An application migrator with the CMS migrations composed in front of its own.
struct Composed;

#[async_trait::async_trait]
impl MigratorTrait for Composed {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = aphex_migration::migrations();
        all.push(Box::new(CreateAppSettings));
        all
    }
}

/// The tables of aphex-rs 0.1: the first ten CMS tables (later ones come after them).
const TABLES_01: &[&str] = aphex_migration::CMS_TABLES.split_at(10).0;

/// A row in every 0.1 table, in the storage form 0.1 wrote (`{T}` is the backend's `true`).
const ROWS_01: &str = r#"
INSERT INTO "user" (id, name, email, email_verified, image, created_at, updated_at) VALUES
  ('u1', 'Ada', 'ada@example.com', {T}, 'https://img/ada.png', '2026-11-24T19:13:38.694Z', '2026-11-25T08:00:00.001Z');
INSERT INTO session (id, expires_at, token, created_at, updated_at, ip_address, user_agent, user_id) VALUES
  ('s1', '2026-12-24T19:13:38.694Z', 'tok-1', '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z', '127.0.0.1', 'curl/8', 'u1');
INSERT INTO account (id, account_id, provider_id, user_id, access_token, refresh_token, id_token, access_token_expires_at, refresh_token_expires_at, scope, password, created_at, updated_at) VALUES
  ('a1', 'u1', 'credential', 'u1', NULL, NULL, NULL, NULL, NULL, NULL, 'salt:hash', '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z');
INSERT INTO verification (id, identifier, value, expires_at, created_at, updated_at) VALUES
  ('v1', 'email:ada@example.com', 'code-1', '2026-11-24T20:13:38.694Z', '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z');
INSERT INTO apikey (id, config_id, name, start, reference_id, prefix, key, refill_interval, refill_amount, last_refill_at, enabled, rate_limit_enabled, rate_limit_time_window, rate_limit_max, request_count, remaining, last_request, expires_at, created_at, updated_at, permissions, metadata) VALUES
  ('k1', 'default', 'ci', 'aphex_', 'u1', 'aphex_', 'hashed-key', 86400000, 100, '2026-11-24T19:13:38.694Z', {T}, {T}, 60000, 10, 3, 97, '2026-11-24T19:14:00.000Z', NULL, '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z', '{"documents":["read"]}', '{"team":"web"}');
INSERT INTO cms_user_profiles (user_id, role, preferences, created_at, updated_at) VALUES
  ('u1', 'admin', '{"theme":"dark"}', '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z');
INSERT INTO cms_schema_types (id, name, title, type, description, schema, created_at, updated_at) VALUES
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0001', 'post', 'Post', 'document', 'A post', '{"name":"post","fields":[{"name":"title","type":"string"}]}', '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z');
INSERT INTO cms_documents (id, type, status, draft_data, published_data, published_hash, revision, created_by, updated_by, published_at, created_at, updated_at) VALUES
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0002', 'post', 'published', '{"title":"Draft ü"}', '{"title":"Live"}', 'fhd4nn', 3, 'u1', 'u1', '2026-11-24T19:20:00.000Z', '2026-11-24T19:13:38.694Z', '2026-11-24T19:20:00.000Z'),
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0003', 'post', 'draft', '{"title":"Only a draft","n":1.5}', NULL, NULL, 1, NULL, NULL, NULL, '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z');
INSERT INTO cms_document_versions (id, document_id, version_number, event_type, data, created_by, created_at) VALUES
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0004', '0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0002', 1, 'draft', '{"title":"Live"}', 'u1', '2026-11-24T19:13:38.694Z'),
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0005', '0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0002', 2, 'publish', '{"title":"Live"}', 'u1', '2026-11-24T19:20:00.000Z');
INSERT INTO cms_assets (id, asset_type, filename, original_filename, mime_type, size, url, path, storage_adapter, width, height, metadata, title, description, alt, credit_line, created_by, created_at, updated_at) VALUES
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0006', 'image', 'a.png', 'Ada.png', 'image/png', 1234, '/assets/a.png', 'a.png', 'local', 64, 32, '{"exif":{}}', 'Ada', 'Portrait', 'Ada Lovelace', 'Public domain', 'u1', '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z');
"#;

/// Every row of every table of `tables`, each column cast to text, sorted — what "every row
/// reads back exactly" compares.
async fn snapshot(
    db: &DatabaseConnection,
    tables: &[&str],
) -> BTreeMap<String, Vec<Vec<Option<String>>>> {
    let mut out = BTreeMap::new();
    for table in tables {
        let columns = columns(db, table).await;
        assert!(!columns.is_empty(), "table {table} has columns");
        let select = columns
            .iter()
            .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = query(db, &format!("SELECT {select} FROM \"{table}\"")).await;
        let mut rows: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|row| {
                (0..columns.len())
                    .map(|i| {
                        row.try_get_by_index::<Option<String>>(i)
                            .expect("text column")
                    })
                    .collect()
            })
            .collect();
        rows.sort();
        out.insert((*table).to_owned(), rows);
    }
    out
}

async fn columns(db: &DatabaseConnection, table: &str) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        _ => format!(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
        ),
    };
    query(db, &sql)
        .await
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("column name"))
        .collect()
}

async fn query(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm_migration::sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    query(db, &format!("SELECT count(*) FROM \"{table}\""))
        .await
        .first()
        .map(|r| r.try_get_by_index::<i64>(0).expect("count"))
        .expect("one row")
}

async fn upgrade_from_0_1_keeps_every_row(db: DatabaseConnection) {
    Release01::up(&db, None).await.expect("migrate as 0.1 did");
    let t = match db.get_database_backend() {
        DbBackend::Sqlite => "1",
        _ => "true",
    };
    db.execute_unprepared(&ROWS_01.replace("{T}", t))
        .await
        .expect("fill every 0.1 table");
    let before = snapshot(&db, TABLES_01).await;
    assert!(
        before.values().all(|rows| !rows.is_empty()),
        "the fixture fills every table: {before:?}"
    );
    assert_eq!(
        aphex_migration::state(&db).await.expect("state"),
        SchemaState::Behind {
            applied: Some("m20261124_000011_create_cms_assets".to_owned()),
            expected: aphex_migration::migration_names()
                .last()
                .cloned()
                .expect("migrations"),
        },
        "a 0.1 database is behind this version's schema"
    );

    Migrator::up(&db, None).await.expect("migrate to head");

    let after = snapshot(&db, TABLES_01).await;
    for (table, rows) in &before {
        // Later migrations may add columns: compare the 0.1 columns, in their 0.1 order.
        let after_rows = &after[table];
        let width = rows[0].len();
        let after_rows: Vec<Vec<Option<String>>> =
            after_rows.iter().map(|r| r[..width].to_vec()).collect();
        assert_eq!(&after_rows, rows, "{table}: every row as it was at 0.1");
    }
    // m20261206_000012: each document counts the snapshots it had (the number of its newest).
    let counts = query(
        &db,
        "SELECT CAST(id AS TEXT), version_count FROM cms_documents ORDER BY 1",
    )
    .await;
    let counts: Vec<(String, i64)> = counts
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).expect("id"),
                r.try_get_by_index(1).expect("version_count"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0002".to_owned(), 2),
            ("0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0003".to_owned(), 0),
        ],
        "version_count backfilled from the snapshots"
    );
    // m20261207_000014: every content row is in the default organization, which exists; no
    // session has an active organization.
    let default = aphex_migration::DEFAULT_ORGANIZATION_ID;
    for table in ["cms_documents", "cms_document_versions", "cms_assets"] {
        let orgs = query(
            &db,
            &format!("SELECT organization_id, count(*) FROM {table} GROUP BY organization_id"),
        )
        .await;
        let orgs: Vec<(String, i64)> = orgs
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).expect("organization_id"),
                    r.try_get_by_index(1).expect("count"),
                )
            })
            .collect();
        assert_eq!(
            orgs,
            vec![(default.to_owned(), before[table].len() as i64)],
            "{table}: every row in the default organization"
        );
    }
    let organizations = query(&db, "SELECT id, slug, parent_id FROM organization").await;
    let organizations: Vec<(String, String, Option<String>)> = organizations
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).expect("id"),
                r.try_get_by_index(1).expect("slug"),
                r.try_get_by_index(2).expect("parent_id"),
            )
        })
        .collect();
    assert_eq!(
        organizations,
        vec![(default.to_owned(), default.to_owned(), None)],
        "the default organization exists"
    );
    assert_eq!(
        count(&db, "session").await,
        query(
            &db,
            "SELECT id FROM session WHERE active_organization_id IS NULL"
        )
        .await
        .len() as i64,
        "no session has an active organization"
    );
    assert_eq!(
        count(&db, aphex_migration::HISTORY_TABLE).await,
        aphex_migration::migrations().len() as i64,
        "the history continues in aphex_migrations"
    );
    assert_eq!(count(&db, "seaql_migrations").await, 0, "moved, not copied");
    aphex_migration::verify(&db).await.expect("current");
    // A second `up` changes nothing.
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(snapshot(&db, TABLES_01).await, after);
}

/// Documents written at the schema before the reference index (migration 14), referring to
/// documents and an asset in every spelling an id may have, nested in arrays and images.
const ROWS_14: &str = r#"
INSERT INTO cms_documents (id, type, status, draft_data, published_data, published_hash, revision, created_by, updated_by, published_at, created_at, updated_at) VALUES
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0101', 'post', 'published',
   '{"author":{"_type":"reference","_ref":"0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0a01"},"related":[{"_type":"reference","_ref":"0B9A4A4E-6A8E-4D43-9D55-3C6A2B7E0A02","_key":"k"}],"cover":{"_type":"image","asset":{"_type":"reference","_ref":"0b9a4a4e6a8e4d439d553c6a2b7e0a03"}}}',
   '{"author":{"_type":"reference","_ref":"0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0a01"}}', 'h', 2, NULL, NULL, '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'),
  ('0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0102', 'post', 'draft',
   '{"title":"no references","n":{"_type":"reference","_ref":"not-an-id"}}', NULL, NULL, 1, NULL, NULL, NULL, '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z');
"#;

/// A list of ids as a reference column holds it (`{a,b}` on PostgreSQL, `["a","b"]` on
/// SQLite), as plain strings.
fn id_list(text: &str) -> Vec<String> {
    text.trim_matches(|c| matches!(c, '{' | '}' | '[' | ']'))
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The reference columns of every document: `(id, draft ids, published ids)`.
async fn reference_columns(db: &DatabaseConnection) -> Vec<(String, Vec<String>, Vec<String>)> {
    query(
        db,
        "SELECT CAST(id AS TEXT), CAST(draft_references AS TEXT), CAST(published_references AS TEXT) FROM cms_documents ORDER BY 1",
    )
    .await
    .iter()
    .map(|r| {
        let text = |i| r.try_get_by_index::<String>(i).expect("column");
        (text(0), id_list(&text(1)), id_list(&text(2)))
    })
    .collect()
}

/// m20261208_000015: documents written before the reference index are indexed by the migration
/// (every id spelling normalised, references in arrays and images found, a `_ref` that is no id
/// ignored); on SQLite the triggers' mirror table holds the same, and keeps following writes.
async fn upgrade_indexes_existing_references(db: DatabaseConnection) {
    Migrator::up(&db, Some(14)).await.expect("migrate to 14");
    db.execute_unprepared(ROWS_14)
        .await
        .expect("fill documents");
    Migrator::up(&db, None).await.expect("migrate to head");
    let (a1, a2, asset) = (
        "0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0a01".to_owned(),
        "0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0a02".to_owned(),
        "0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0a03".to_owned(),
    );
    let expected = vec![
        (
            "0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0101".to_owned(),
            vec![a1.clone(), a2.clone(), asset.clone()],
            vec![a1.clone()],
        ),
        (
            "0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0102".to_owned(),
            vec![],
            vec![],
        ),
    ];
    assert_eq!(reference_columns(&db).await, expected);
    if db.get_database_backend() == DbBackend::Sqlite {
        let mirror = || async {
            query(
                &db,
                "SELECT source_id, perspective, target_id FROM cms_document_references ORDER BY 1, 2, 3",
            )
            .await
            .iter()
            .map(|r| {
                let text = |i| r.try_get_by_index::<String>(i).expect("column");
                (text(0), text(1), text(2))
            })
            .collect::<Vec<_>>()
        };
        let source = "0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0101".to_owned();
        let row = |p: &str, t: &str| (source.clone(), p.to_owned(), t.to_owned());
        assert_eq!(
            mirror().await,
            vec![
                row("draft", &a1),
                row("draft", &a2),
                row("draft", &asset),
                row("published", &a1),
            ],
            "the mirror table holds the columns"
        );
        db.execute_unprepared(&format!(
            "UPDATE cms_documents SET draft_references = '[\"{a2}\"]' WHERE id = '{source}'"
        ))
        .await
        .expect("a later write");
        db.execute_unprepared(
            "DELETE FROM cms_documents WHERE id = '0b9a4a4e-6a8e-4d43-9d55-3c6a2b7e0102'",
        )
        .await
        .expect("a delete");
        assert_eq!(
            mirror().await,
            vec![row("draft", &a2), row("published", &a1)],
            "the triggers follow writes"
        );
    }
}

async fn own_history_beside_the_apps_migrations(db: DatabaseConnection) {
    let before = aphex_migration::state(&db).await.expect("state");
    let SchemaState::Behind {
        applied: None,
        expected,
    } = &before
    else {
        panic!("an empty database is behind: {before:?}");
    };
    assert_eq!(
        before.to_string(),
        format!(
            "schema at none (no CMS migration applied), this version expects {expected}: run the migrations"
        )
    );
    Migrator::up(&db, None).await.expect("CMS up");
    AppOnly::up(&db, None)
        .await
        .expect("app up (its own seaql_migrations)");
    assert_eq!(count(&db, "seaql_migrations").await, 1);
    aphex_migration::verify(&db).await.expect("current");
    // Both migrators see only their own history: a second `up` of either is a no-op.
    Migrator::up(&db, None).await.expect("CMS up again");
    AppOnly::up(&db, None).await.expect("app up again");
    db.execute_unprepared("INSERT INTO app_settings (name, value) VALUES ('site', 'kept')")
        .await
        .expect("an app row");

    for (what, result) in [
        ("refresh", Migrator::refresh(&db).await),
        ("reset", Migrator::reset(&db).await),
        ("fresh", Migrator::fresh(&db).await),
    ] {
        result.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            snapshot(&db, &["app_settings"]).await["app_settings"],
            vec![vec![Some("site".to_owned()), Some("kept".to_owned())]],
            "{what} of the CMS leaves the application's table alone"
        );
        assert_eq!(
            count(&db, "seaql_migrations").await,
            1,
            "{what}: app history kept"
        );
    }
    // `fresh` ended with every CMS migration applied again.
    aphex_migration::verify(&db)
        .await
        .expect("current after fresh");
}

async fn composed_into_the_apps_migrator(db: DatabaseConnection) {
    Composed::up(&db, None)
        .await
        .expect("the app's migrator runs everything");
    aphex_migration::verify(&db)
        .await
        .expect("composed migrations count as applied");
    let refused = Migrator::up(&db, None)
        .await
        .expect_err("the CMS migrator alone is refused");
    assert!(
        refused
            .to_string()
            .contains("the application's migrator runs them"),
        "{refused}"
    );
    assert_eq!(
        count(&db, "seaql_migrations").await,
        aphex_migration::migrations().len() as i64 + 1
    );
}

/// A fresh database on `backend`: a SQLite file, or a new PostgreSQL database (dropped after).
async fn on<F, Fut>(backend: &str, test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());
            test(Database::connect(url).await.expect("open sqlite")).await;
        }
        _ => {
            let Some(admin_url) = aphex_conformance::require_backend("APHEX_TEST_POSTGRES_URL")
            else {
                return aphex_conformance::skip("APHEX_TEST_POSTGRES_URL is not set");
            };
            let name = format!(
                "aphex_upgrade_{}",
                std::process::id() as u64 * 1000 + rand_suffix()
            );
            let admin = Database::connect(&admin_url).await.expect("connect");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let db = Database::connect(aphex_conformance::with_database(&admin_url, &name))
                .await
                .expect("connect to the test database");
            test(db.clone()).await;
            db.close().await.expect("close");
            admin
                .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await
                .expect("drop database");
        }
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn main() -> std::process::ExitCode {
    let mut suite = aphex_conformance::Suite::new();
    for backend in ["sqlite", "postgres"] {
        suite = suite
            .test(
                format!("{backend}::upgrade_from_0_1_keeps_every_row"),
                move || on(backend, upgrade_from_0_1_keeps_every_row),
            )
            .test(
                format!("{backend}::upgrade_indexes_existing_references"),
                move || on(backend, upgrade_indexes_existing_references),
            )
            .test(
                format!("{backend}::own_history_beside_the_apps_migrations"),
                move || on(backend, own_history_beside_the_apps_migrations),
            )
            .test(
                format!("{backend}::composed_into_the_apps_migrator"),
                move || on(backend, composed_into_the_apps_migrator),
            );
    }
    suite.run()
}
