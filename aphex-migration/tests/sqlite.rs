//! Migrations on real SQLite files: `up` is idempotent, `down` to the start leaves no table,
//! `fresh` rebuilds, and the Better Auth tables are exactly what Better Auth 1.7.5 creates
//! (`tests/reference/sqlite-snake.schema.sql`, dumped from a live Better Auth migration).

use std::collections::BTreeSet;

use aphex_migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

const BETTER_AUTH_TABLES: [&str; 5] = ["user", "session", "account", "verification", "apikey"];
/// The organization plugin's tables (`tests/reference/organization/`).
const ORGANIZATION_TABLES: [&str; 4] =
    ["organization", "organization_role", "member", "invitation"];

async fn open(dir: &tempfile::TempDir, name: &str) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    Database::connect(url).await.expect("open sqlite file")
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    let result = db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql.to_owned()))
        .await
        .expect(sql);
    result
        .iter()
        .map(|row| {
            (0..)
                .map_while(|i| {
                    let text: Result<Option<String>, _> = row.try_get_by_index(i);
                    match text {
                        Ok(v) => Some(v.unwrap_or_else(|| "NULL".into())),
                        Err(_) => row
                            .try_get_by_index::<Option<i64>>(i)
                            .ok()
                            .map(|v| v.map_or("NULL".into(), |n| n.to_string())),
                    }
                })
                .collect()
        })
        .collect()
}

async fn tables(db: &DatabaseConnection) -> BTreeSet<String> {
    rows(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

const ALL_TABLES: [&str; 21] = [
    "account",
    "apikey",
    "cms_assets",
    "cms_document_references",
    "cms_document_versions",
    "cms_documents",
    "cms_event_streams",
    "cms_events",
    "cms_jobs",
    "cms_outbox",
    "cms_schema_types",
    "aphex_migrations",
    "cms_user_profiles",
    "cms_webhooks",
    "invitation",
    "member",
    "organization",
    "organization_role",
    "session",
    "user",
    "verification",
];

#[tokio::test]
async fn up_twice_is_a_noop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(&dir, "app.db").await;
    Migrator::up(&db, None).await.expect("first up");
    let first = tables(&db).await;
    assert_eq!(first, ALL_TABLES.iter().map(|s| s.to_string()).collect());
    let applied = rows(&db, "SELECT version FROM aphex_migrations ORDER BY version").await;
    Migrator::up(&db, None).await.expect("second up");
    assert_eq!(tables(&db).await, first);
    assert_eq!(
        rows(&db, "SELECT version FROM aphex_migrations ORDER BY version").await,
        applied,
        "the second up applied nothing"
    );
    assert_eq!(applied.len(), Migrator::migrations().len());
}

#[tokio::test]
async fn down_to_the_start_leaves_no_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(&dir, "app.db").await;
    Migrator::up(&db, None).await.expect("up");
    Migrator::down(&db, None).await.expect("down all");
    assert_eq!(
        tables(&db).await,
        BTreeSet::from(["aphex_migrations".to_string()]),
        "only the migration bookkeeping table is left"
    );
    assert!(
        rows(&db, "SELECT version FROM aphex_migrations")
            .await
            .is_empty()
    );
    // And back up again from the start.
    Migrator::up(&db, None).await.expect("up after down");
    assert_eq!(tables(&db).await.len(), ALL_TABLES.len());
}

/// `fresh` drops and rebuilds the CMS's own tables only: a table of the application stays.
#[tokio::test]
async fn fresh_rebuilds_an_empty_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(&dir, "app.db").await;
    Migrator::up(&db, None).await.expect("up");
    db.execute_unprepared("CREATE TABLE app_notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO app_notes (body) VALUES ('kept')")
        .await
        .expect("an application table");
    db.execute_unprepared(
        "INSERT INTO \"user\" (id, name, email, email_verified, created_at, updated_at) \
         VALUES ('u1', 'U', 'u@example.com', 0, '2026-11-24T19:13:38.694Z', '2026-11-24T19:13:38.694Z')",
    )
    .await
    .expect("insert");
    Migrator::fresh(&db).await.expect("fresh");
    assert_eq!(tables(&db).await.len(), ALL_TABLES.len() + 1);
    assert_eq!(
        rows(&db, "SELECT count(*) FROM \"user\"").await,
        vec![vec!["0".to_string()]]
    );
    assert_eq!(
        rows(&db, "SELECT body FROM app_notes").await,
        vec![vec!["kept".to_string()]],
        "fresh leaves the application's tables alone"
    );
}

#[tokio::test]
async fn enum_columns_refuse_unknown_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(&dir, "app.db").await;
    Migrator::up(&db, None).await.expect("up");
    let bad = db
        .execute_unprepared(
            "INSERT INTO cms_documents (id, type, status, revision, created_at, updated_at) \
             VALUES ('00000000-0000-4000-8000-000000000001', 'post', 'archived', 1, 'x', 'x')",
        )
        .await;
    assert!(
        bad.is_err(),
        "status is constrained to the document_status values"
    );
}

/// Columns, types, nullability, defaults, primary keys, foreign keys and indexes of one table.
async fn describe(db: &DatabaseConnection, table: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows(db, &format!("PRAGMA table_info(\"{table}\")")).await {
        // cid, name, type, notnull, dflt_value, pk
        out.push(format!(
            "column {} {} notnull={} default={} pk={}",
            r[1],
            r[2].to_lowercase(),
            r[3],
            r[4],
            r[5]
        ));
    }
    for r in rows(db, &format!("PRAGMA foreign_key_list(\"{table}\")")).await {
        // id, seq, table, from, to, on_update, on_delete, match
        out.push(format!(
            "foreign key {} -> {}({}) on delete {}",
            r[3],
            r[2],
            r[4],
            r[6].to_lowercase()
        ));
    }
    let mut indexes = Vec::new();
    for r in rows(db, &format!("PRAGMA index_list(\"{table}\")")).await {
        // seq, name, unique, origin, partial
        let name = &r[1];
        let cols: Vec<String> = rows(db, &format!("PRAGMA index_info(\"{name}\")"))
            .await
            .into_iter()
            .map(|c| c[2].clone())
            .collect();
        // Auto-index names depend on declaration order; compare them by content.
        let label = if name.starts_with("sqlite_autoindex_") {
            String::from("(auto)")
        } else {
            name.clone()
        };
        indexes.push(format!(
            "index {label} unique={} origin={} on ({})",
            r[2],
            r[3],
            cols.join(", ")
        ));
    }
    indexes.sort();
    out.extend(indexes);
    out
}

/// A SQLite database made of a reference schema's statements.
async fn reference_db(dir: &tempfile::TempDir, name: &str, sql: &str) -> DatabaseConnection {
    let db = open(dir, name).await;
    for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        db.execute_unprepared(stmt)
            .await
            .expect("reference statement");
    }
    db
}

#[tokio::test]
async fn better_auth_tables_are_exactly_what_better_auth_creates() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The core tables (without the organization plugin) and the plugin's tables with the
    // `session` it extends.
    let core = reference_db(
        &dir,
        "core.db",
        include_str!("reference/sqlite-snake.schema.sql"),
    )
    .await;
    let organization = reference_db(
        &dir,
        "organization.db",
        include_str!("reference/organization/sqlite-snake.schema.sql"),
    )
    .await;
    let ours = open(&dir, "ours.db").await;
    Migrator::up(&ours, None).await.expect("up");
    let tables = BETTER_AUTH_TABLES
        .iter()
        .map(|t| {
            (
                *t,
                if *t == "session" {
                    &organization
                } else {
                    &core
                },
            )
        })
        .chain(ORGANIZATION_TABLES.iter().map(|t| (*t, &organization)));
    for (table, reference) in tables {
        let expected = describe(reference, table).await;
        assert!(!expected.is_empty(), "reference has table {table}");
        let (ours, extra): (Vec<String>, Vec<String>) = describe(&ours, table)
            .await
            .into_iter()
            .partition(|line| !(table == "organization" && line.contains("parent_id")));
        assert_eq!(ours, expected, "table `{table}` differs from Better Auth's");
        if table == "organization" {
            // Our one extra column: nullable (Better Auth's schema check tolerates it).
            assert_eq!(
                extra,
                [
                    "column parent_id text notnull=0 default=NULL pk=0",
                    "foreign key parent_id -> organization(id) on delete set null",
                    "index organization_parent_id_idx unique=0 origin=c on (parent_id)",
                ],
                "organization.parent_id"
            );
        }
    }
}
