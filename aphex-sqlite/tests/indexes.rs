//! Declared field indexes (`index` / `unique`) serve the exact statements `find_documents`
//! sends on SQLite — equality, ranges, `in`, and a sort with a limit read from the index
//! instead of sorting the collection — checked with `EXPLAIN QUERY PLAN`
//! (`SqliteAdapter::explain_find_documents`).

#[path = "../../aphex-sea/tests/shared/field_index_plans.rs"]
mod field_index_plans;

use aphex_core::Cms;
use aphex_migration::{Migrator, MigratorTrait};
use aphex_sqlite::SqliteAdapter;
use sea_orm::ConnectionTrait;
use std::sync::Arc;

/// 40 000 documents (36 000 posts), written in one statement.
const FILL: &str = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39999) \
    INSERT INTO cms_documents (id, type, status, draft_data, published_data, revision, created_at, updated_at) \
    SELECT printf('00000000-0000-4000-8000-%012d', i), CASE WHEN i % 10 = 0 THEN 'author' ELSE 'post' END, \
           'published', d, d, 1, '2026-12-06T00:00:00.000Z', '2026-12-06T00:00:00.000Z' \
    FROM (SELECT i, json_object('title', 'title ' || (i % 997), 'views', i, \
                 'slug', json_object('_type', 'slug', 'current', 'post-' || i)) AS d FROM n)";

/// SQLite's `EXPLAIN QUERY PLAN`: `SEARCH … USING INDEX` for a condition, an index read
/// without any `USE TEMP B-TREE` (not even for the `id` tie-break) for a sort, and a range on
/// the index's sortable value (after the organization and the type) for a keyset seek.
const READING: field_index_plans::PlanReading = field_index_plans::PlanReading {
    searched: |p, index| p.contains(&format!("SEARCH cms_documents USING INDEX {index}")),
    ordered: |p, index| {
        p.contains(&format!("USING INDEX {index}")) && !p.contains("USE TEMP B-TREE")
    },
    seeked: |p, index| {
        p.contains(&format!(
            "SEARCH cms_documents USING INDEX {index} (organization_id=? AND type=? AND <expr><?)"
        )) && !p.contains("USE TEMP B-TREE FOR ORDER BY")
    },
    sorts_all: |p| p.contains("USE TEMP B-TREE FOR ORDER BY"),
    serving: |name| name.replace("cms_ux_", "cms_uo_"),
};

#[tokio::test]
async fn declared_field_indexes_serve_queries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("plans.db").display()
    );
    let adapter = Arc::new(SqliteAdapter::connect(&url).await.expect("connect"));
    Migrator::up(adapter.connection(), None)
        .await
        .expect("migrate");
    adapter
        .connection()
        .execute_unprepared(FILL)
        .await
        .expect("fill");
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_types(field_index_plans::types())
        .build()
        .await
        .expect("sync builds the indexes on the populated table");
    // Statistics as `PRAGMA optimize` gathers them when a connection opens (the adapter runs
    // it, sampling: with them, the planner once preferred sorting every post to reading an
    // index that gave the order all but the `id` tie-break), then a fresh pool that reads them.
    adapter
        .connection()
        .execute_unprepared("PRAGMA analysis_limit = 400; ANALYZE")
        .await
        .expect("analyze");
    let adapter = SqliteAdapter::connect(&url).await.expect("reconnect");
    field_index_plans::check(&cms, &adapter, &READING).await;
}
