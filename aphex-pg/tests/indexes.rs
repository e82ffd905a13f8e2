//! Plans of the exact statements `find_documents` sends, with `EXPLAIN`:
//!
//! - equality on any JSON path is written so PostgreSQL's GIN `jsonb_path_ops` indexes serve it
//!   (`draft_data @> '{"slug": "..."}'`);
//! - a declared field index (`index` / `unique`) serves equality, ranges, `in` and a sort with a
//!   limit (top-N read from the index, no sort of the collection) — under generic plans, the
//!   ones a prepared statement ends up with.

mod common;
#[path = "../../aphex-sea/tests/shared/field_index_plans.rs"]
mod field_index_plans;

use aphex_core::model::{NewDocument, now};
use aphex_core::ports::DocumentStore;
use aphex_core::query::{FindOptions, Perspective, Target, Where};
use aphex_core::{Cms, Scope};
use aphex_pg::PostgresAdapter;
use common::PgTestDb;
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

async fn plan(db: &PostgresAdapter, perspective: Perspective, w: Where) -> String {
    let query = FindOptions::new()
        .filter(w)
        .resolve(Target::Documents(perspective), vec![])
        .expect("valid query");
    db.explain_find_documents(&Scope::default(), &query)
        .await
        .expect("explain")
}

async fn json_equality_and_membership_use_the_gin_indexes() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.migrated_adapter().await;
    // One real insert through the port, then bulk rows of the same shape, so the planner sees a
    // table where an index pays off.
    db.insert_document(
        &Scope::default(),
        &NewDocument {
            id: Uuid::new_v4(),
            doc_type: "post".into(),
            draft_data: json!({"slug": "via-port", "views": -1, "tags": ["t-1"]}),
            created_by: None,
            created_at: now(),
        },
    )
    .await
    .expect("insert");
    db.connection()
        .execute_unprepared(
            "INSERT INTO cms_documents (id, type, status, draft_data, revision, created_at, updated_at) \
             SELECT gen_random_uuid(), 'post', 'draft', \
                    jsonb_build_object('slug', 'post-' || i, 'views', i, 'tags', jsonb_build_array('t' || (i % 50))), \
                    1, now(), now() \
             FROM generate_series(0, 29999) AS i",
        )
        .await
        .expect("bulk insert");
    // As autovacuum would: VACUUM moves the rows inserted after the GIN indexes were built
    // out of their pending lists (which a lookup otherwise reads in full, and the planner
    // prices so), and ANALYZE gathers the statistics.
    db.connection()
        .execute_unprepared("VACUUM ANALYZE cms_documents")
        .await
        .expect("vacuum analyze");

    // Selective equality: the planner picks the GIN index on its own.
    for w in [
        Where::path("slug").equals("post-1234"),
        Where::path("views").equals(77),
    ] {
        let p = plan(&db, Perspective::Draft, w.clone()).await;
        assert!(
            p.contains("cms_documents_draft_data_gin"),
            "{w:?} should use the GIN index:\n{p}"
        );
    }
    // A range is not a containment: no GIN (still correct, see the conformance suite).
    let p = plan(
        &db,
        Perspective::Draft,
        Where::path("views").greater_than(29990),
    )
    .await;
    assert!(!p.contains("_gin"), "{p}");

    // `in` (one containment per value: a BitmapOr), `all` and `contains` on arrays are written so
    // the index CAN serve them; whether the planner prefers it depends on the table's size.
    // Prove it with sequential scans off, on a new connection.
    db.connection()
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{}\" SET enable_seqscan = off",
            pg.name
        ))
        .await
        .expect("alter database");
    let no_seqscan = PostgresAdapter::connect(&pg.url).await.expect("connect");
    for (perspective, w, index) in [
        (
            Perspective::Draft,
            Where::path("slug").in_list(["post-1", "post-2"]),
            "draft_data_gin",
        ),
        (
            Perspective::Draft,
            Where::path("tags").all(["t7"]),
            "draft_data_gin",
        ),
        (
            Perspective::Draft,
            Where::path("tags").contains(7),
            "draft_data_gin",
        ),
        (
            Perspective::Published,
            Where::path("slug").equals("post-9"),
            "published_data_gin",
        ),
    ] {
        let p = plan(&no_seqscan, perspective, w.clone()).await;
        assert!(
            p.contains(index),
            "{w:?} ({perspective:?}) should be served by {index}:\n{p}"
        );
    }
}

/// A plan's lines that sort rows themselves (an `Incremental Sort` over rows read in index order
/// is fine: it only orders ties of the indexed terms).
fn full_sorts(plan: &str) -> usize {
    plan.lines()
        .filter(|l| {
            let l = l.trim_start().trim_start_matches("->").trim_start();
            l.starts_with("Sort  (")
        })
        .count()
}

/// PostgreSQL's `EXPLAIN`: the index's name in an index (or bitmap) scan, a row comparison in
/// its index condition (after the organization's equality) for a keyset seek, and no `Sort`
/// node over the collection.
const READING: field_index_plans::PlanReading = field_index_plans::PlanReading {
    searched: |p, index| p.contains(index),
    ordered: |p, index| p.contains(index) && full_sorts(p) == 0,
    seeked: |p, index| {
        p.contains(index)
            && p.lines()
                .any(|l| l.contains("Index Cond: ((organization_id = $1) AND (ROW("))
            && full_sorts(p) == 0
    },
    sorts_all: |p| full_sorts(p) > 0,
    serving: str::to_owned,
};

async fn declared_field_indexes_serve_queries() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.migrated_adapter().await;
    // A populated table first: schema sync then builds the indexes CONCURRENTLY on it.
    db.connection()
        .execute_unprepared(
            "INSERT INTO cms_documents (id, type, status, draft_data, published_data, revision, created_at, updated_at) \
             SELECT gen_random_uuid(), CASE WHEN i % 10 = 0 THEN 'author' ELSE 'post' END, 'published', d, d, 1, now(), now() \
             FROM generate_series(0, 39999) AS i, LATERAL (SELECT jsonb_build_object( \
                 'title', 'title ' || (i % 997), 'views', i, \
                 'slug', jsonb_build_object('_type', 'slug', 'current', 'post-' || i)) AS d) AS data",
        )
        .await
        .expect("bulk insert");
    Cms::builder()
        .database(PostgresAdapter::connect(&pg.url).await.expect("connect"))
        .schema_types(field_index_plans::types())
        .build()
        .await
        .expect("sync builds the indexes");
    db.connection()
        .execute_unprepared("ANALYZE cms_documents")
        .await
        .expect("analyze");
    // Generic plans: what a prepared statement settles on, where the planner cannot look at
    // the parameter values. The literals the compiler writes (path keys, type) keep the
    // indexes usable there.
    db.connection()
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{}\" SET plan_cache_mode = force_generic_plan",
            pg.name
        ))
        .await
        .expect("alter database");
    let adapter = PostgresAdapter::connect(&pg.url).await.expect("connect");
    let cms = Cms::builder()
        .database(PostgresAdapter::connect(&pg.url).await.expect("connect"))
        .schema_types(field_index_plans::types())
        .build()
        .await
        .expect("cms");
    field_index_plans::check(&cms, &adapter, &READING).await;
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        json_equality_and_membership_use_the_gin_indexes,
        declared_field_indexes_serve_queries,
    ]
    .run()
}
