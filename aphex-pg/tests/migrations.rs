//! Migrations on a real PostgreSQL database: `up` twice is a no-op, `down` to the start leaves no
//! table and no enum type, `fresh` rebuilds, and the Better Auth tables are exactly what Better
//! Auth 1.7.5 creates (`tests/reference/postgres-snake.*`, dumped from a live migration).

mod common;

use std::collections::BTreeSet;

use aphex_migration::{Migrator, MigratorTrait};
use common::PgTestDb;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

const BETTER_AUTH_TABLES: &str = "('user', 'session', 'account', 'verification', 'apikey', \
     'organization', 'organization_role', 'member', 'invitation')";

/// Every row of `sql` as text columns (the query must cast each column to text).
async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .expect(sql)
        .iter()
        .map(|row| {
            (0..)
                .map_while(|i| row.try_get_by_index::<Option<String>>(i).ok())
                .map(Option::unwrap_or_default)
                .collect()
        })
        .collect()
}

async fn tables(db: &DatabaseConnection) -> BTreeSet<String> {
    rows(
        db,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

async fn enum_types(db: &DatabaseConnection) -> BTreeSet<String> {
    rows(
        db,
        "SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = 'public' AND t.typtype = 'e'",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn up_twice_is_a_noop_and_down_leaves_nothing() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.connect().await;
    Migrator::up(&db, None).await.expect("up");
    let all = set(&[
        "account",
        "apikey",
        "cms_assets",
        "cms_document_versions",
        "cms_documents",
        "cms_event_streams",
        "cms_events",
        "cms_jobs",
        "cms_outbox",
        "cms_schema_types",
        "cms_user_profiles",
        "cms_webhooks",
        "aphex_migrations",
        "invitation",
        "member",
        "organization",
        "organization_role",
        "session",
        "user",
        "verification",
    ]);
    assert_eq!(tables(&db).await, all);
    assert_eq!(
        enum_types(&db).await,
        set(&["document_status", "schema_type", "user_role"])
    );
    let applied = rows(
        &db,
        "SELECT version::text FROM aphex_migrations ORDER BY version",
    )
    .await;
    Migrator::up(&db, None).await.expect("second up");
    assert_eq!(tables(&db).await, all);
    assert_eq!(
        rows(
            &db,
            "SELECT version::text FROM aphex_migrations ORDER BY version"
        )
        .await,
        applied,
        "the second up applied nothing"
    );

    Migrator::down(&db, None).await.expect("down to the start");
    assert_eq!(tables(&db).await, set(&["aphex_migrations"]));
    assert!(enum_types(&db).await.is_empty(), "no enum type is left");

    Migrator::fresh(&db).await.expect("fresh");
    assert_eq!(tables(&db).await, all);
    assert_eq!(enum_types(&db).await.len(), 3);
}

async fn fresh_drops_data_and_rebuilds() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.connect().await;
    Migrator::up(&db, None).await.expect("up");
    db.execute_unprepared(
        "INSERT INTO \"user\" (id, name, email, email_verified) VALUES ('u1', 'U', 'u@x.io', false)",
    )
    .await
    .expect("insert");
    Migrator::fresh(&db).await.expect("fresh");
    assert_eq!(
        rows(&db, "SELECT count(*)::text FROM \"user\"").await,
        vec![vec!["0".to_string()]]
    );
}

async fn content_tables_use_postgres_types_and_indexes() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.connect().await;
    Migrator::up(&db, None).await.expect("up");
    let types = rows(
        &db,
        "SELECT column_name::text, udt_name::text FROM information_schema.columns \
         WHERE table_name = 'cms_documents' ORDER BY ordinal_position",
    )
    .await;
    let types: Vec<(String, String)> = types
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for (column, udt) in [
        ("id", "uuid"),
        ("status", "document_status"),
        ("draft_data", "jsonb"),
        ("published_data", "jsonb"),
        ("revision", "int8"),
        ("created_at", "timestamptz"),
    ] {
        assert!(
            types.contains(&(column.to_string(), udt.to_string())),
            "cms_documents.{column} is {udt}: {types:?}"
        );
    }
    let indexes: BTreeSet<String> = rows(
        &db,
        "SELECT indexdef::text FROM pg_indexes WHERE tablename = 'cms_documents'",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    for expected in [
        "CREATE INDEX cms_documents_type_status_idx ON public.cms_documents USING btree (type, status)",
        "CREATE INDEX cms_documents_type_updated_at_idx ON public.cms_documents USING btree (type, updated_at)",
        "CREATE INDEX cms_documents_draft_data_gin ON public.cms_documents USING gin (draft_data jsonb_path_ops)",
        "CREATE INDEX cms_documents_published_data_gin ON public.cms_documents USING gin (published_data jsonb_path_ops)",
    ] {
        assert!(
            indexes.contains(expected),
            "missing {expected}: {indexes:?}"
        );
    }
    // The JSON columns compress with LZ4 where the server has it (m20261206_000013).
    let lz4 = !rows(
        &db,
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
    )
    .await
    .is_empty();
    let methods = rows(
        &db,
        "SELECT c.relname || '.' || a.attname::text || '=' || coalesce(nullif(a.attcompression::text, ''), '-') \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         WHERE (c.relname, a.attname) IN (('cms_documents', 'draft_data'), \
               ('cms_documents', 'published_data'), ('cms_document_versions', 'data')) ORDER BY 1",
    )
    .await;
    let want = if lz4 { "l" } else { "-" };
    assert_eq!(
        methods,
        [
            "cms_document_versions.data",
            "cms_documents.draft_data",
            "cms_documents.published_data"
        ]
        .map(|c| vec![format!("{c}={want}")])
        .to_vec(),
    );
    if lz4 {
        let big: String = "x".repeat(20_000);
        db.execute_unprepared(&format!(
            "INSERT INTO cms_documents (id, type, draft_data, created_at, updated_at) \
             VALUES (gen_random_uuid(), 'post', jsonb_build_object('body', '{big}'), now(), now())"
        ))
        .await
        .expect("a large document");
        assert_eq!(
            rows(
                &db,
                "SELECT pg_column_compression(draft_data) FROM cms_documents"
            )
            .await,
            vec![vec!["lz4".to_string()]],
            "a large draft is stored LZ4-compressed"
        );
    }
}

/// The three listings of a `postgres-snake.columns.txt` (psql tables): columns, constraints,
/// indexes, each as rows of trimmed cells.
fn listings(text: &str) -> Vec<Vec<Vec<String>>> {
    text.split("\n\n")
        .map(|block| {
            block
                .lines()
                .skip(2) // header and separator
                .filter(|l| l.contains('|'))
                .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
                .collect()
        })
        .filter(|rows: &Vec<Vec<String>>| !rows.is_empty())
        .collect()
}

/// The reference listings: the core tables without the organization plugin
/// (`reference/postgres-snake.columns.txt`, its `session` left out) and the plugin's tables with
/// the `session` it extends (`reference/organization/postgres-snake.columns.txt`), sorted.
fn reference_listings() -> Vec<Vec<Vec<String>>> {
    let core = listings(include_str!("reference/postgres-snake.columns.txt"));
    let organization = listings(include_str!(
        "reference/organization/postgres-snake.columns.txt"
    ));
    assert_eq!(core.len(), 3, "columns, constraints, indexes");
    assert_eq!(organization.len(), 3, "columns, constraints, indexes");
    assert_eq!(core[0].len(), 56, "the core reference lists 56 columns");
    assert_eq!(organization[0].len(), 34, "the plugin's reference lists 34");
    core.into_iter()
        .zip(organization)
        .map(|(core, organization)| {
            let mut rows: Vec<Vec<String>> = core
                .into_iter()
                .filter(|row| row[0] != "session")
                .chain(organization)
                .collect();
            rows.sort();
            rows
        })
        .collect()
}

/// Ours beside Better Auth's: `organization.parent_id`, its foreign key and index (a nullable
/// column, which Better Auth's schema check tolerates).
fn is_extra(row: &[String]) -> bool {
    row[0] == "organization" && row.iter().any(|cell| cell.contains("parent_id"))
}

async fn better_auth_tables_are_exactly_what_better_auth_creates() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.connect().await;
    Migrator::up(&db, None).await.expect("up");
    let reference = reference_listings();
    let ours = |mut rows: Vec<Vec<String>>| {
        let extra: Vec<Vec<String>> = rows.iter().filter(|r| is_extra(r)).cloned().collect();
        rows.retain(|r| !is_extra(r));
        rows.sort();
        (rows, extra)
    };

    let (columns, extra_columns) = ours(
        rows(
            &db,
            &format!(
                "SELECT table_name::text, ordinal_position::text, column_name::text, \
                 data_type::text, is_nullable::text, coalesce(column_default::text, '') \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name IN {BETTER_AUTH_TABLES}"
            ),
        )
        .await,
    );
    assert_eq!(
        columns, reference[0],
        "columns: name, position, type, nullability, default"
    );
    assert_eq!(
        extra_columns,
        [["organization", "7", "parent_id", "text", "YES", ""]],
        "our one extra column, nullable"
    );

    let (constraints, extra_constraints) = ours(
        rows(
            &db,
            &format!(
                "SELECT c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid) \
                 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
                 WHERE t.relname IN {BETTER_AUTH_TABLES}"
            ),
        )
        .await,
    );
    assert_eq!(constraints, reference[1], "constraints");
    assert_eq!(
        extra_constraints,
        [[
            "organization",
            "organization_parent_id_fkey",
            "FOREIGN KEY (parent_id) REFERENCES organization(id) ON DELETE SET NULL"
        ]]
    );

    let (indexes, extra_indexes) = ours(
        rows(
            &db,
            &format!(
                "SELECT tablename::text, indexname::text, indexdef::text FROM pg_indexes \
                 WHERE schemaname = 'public' AND tablename IN {BETTER_AUTH_TABLES}"
            ),
        )
        .await,
    );
    assert_eq!(indexes, reference[2], "indexes");
    assert_eq!(
        extra_indexes,
        [[
            "organization",
            "organization_parent_id_idx",
            "CREATE INDEX organization_parent_id_idx ON public.organization USING btree (parent_id)"
        ]]
    );
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        up_twice_is_a_noop_and_down_leaves_nothing,
        fresh_drops_data_and_rebuilds,
        content_tables_use_postgres_types_and_indexes,
        better_auth_tables_are_exactly_what_better_auth_creates
    ]
    .run()
}
