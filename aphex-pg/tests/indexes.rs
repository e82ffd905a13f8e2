//! Plans of the exact statements `find_documents` sends, with `EXPLAIN`:
//!
//! - equality on any JSON path is written so PostgreSQL's GIN `jsonb_path_ops` indexes serve it
//!   (`draft_data @> '{"slug": "..."}'`);
//! - a declared field index (`index` / `unique`) serves equality, ranges, `in` and a sort with a
//!   limit (top-N read from the index, no sort of the collection) — under generic plans, the
//!   ones a prepared statement ends up with.

mod common;

use aphex_core::Cms;
use aphex_core::model::{NewDocument, now};
use aphex_core::ports::DocumentStore;
use aphex_core::query::{FindOptions, Perspective, Target, Where};
use aphex_core::schema::{FieldDef, SchemaRegistry, SchemaTypeDef};
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
    db.explain_find_documents(&query).await.expect("explain")
}

async fn json_equality_and_membership_use_the_gin_indexes() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = pg.migrated_adapter().await;
    // One real insert through the port, then bulk rows of the same shape, so the planner sees a
    // table where an index pays off.
    db.insert_document(&NewDocument {
        id: Uuid::new_v4(),
        doc_type: "post".into(),
        draft_data: json!({"slug": "via-port", "views": -1, "tags": ["t-1"]}),
        created_by: None,
        created_at: now(),
    })
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
    db.connection()
        .execute_unprepared("ANALYZE cms_documents")
        .await
        .expect("analyze");

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
fn full_sorts(plan: &str) -> Vec<&str> {
    plan.lines()
        .filter(|l| {
            let l = l.trim_start().trim_start_matches("->").trim_start();
            l.starts_with("Sort  (")
        })
        .collect()
}

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
    let types = vec![
        SchemaTypeDef::document("author", "Author"),
        SchemaTypeDef::document("post", "Post")
            .field(FieldDef::string("title").index())
            .field(FieldDef::slug("slug").unique())
            .field(FieldDef::number("views").index()),
    ];
    let registry = SchemaRegistry::new(types.clone()).expect("registry");
    let name = |field: &str, perspective: Perspective| {
        registry
            .indexes_of("post")
            .find(|i| i.field() == field && i.perspective() == perspective)
            .map(|i| i.name.clone())
            .expect("declared")
    };
    Cms::builder()
        .database(PostgresAdapter::connect(&pg.url).await.expect("connect"))
        .schema_types(types.clone())
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
        .schema_types(types)
        .build()
        .await
        .expect("cms");
    let plan = |opts: FindOptions| {
        let query = cms
            .documents()
            .list_query(&opts.doc_type("post"))
            .expect("query");
        let adapter = &adapter;
        async move {
            adapter
                .explain_find_documents(&query)
                .await
                .expect("explain")
        }
    };

    let slug = name("slug.current", Perspective::Draft);
    let views = name("views", Perspective::Draft);
    for (what, opts, index) in [
        (
            "equality",
            FindOptions::new().filter(Where::path("slug.current").equals("post-1234")),
            &slug,
        ),
        (
            "in",
            FindOptions::new().filter(Where::path("slug.current").in_list(["post-1", "post-77"])),
            &slug,
        ),
        (
            "range",
            FindOptions::new().filter(Where::path("views").greater_than(39990)),
            &views,
        ),
        (
            "range and sort",
            FindOptions::new()
                .filter(Where::path("views").less_than(100))
                .sort("-views")
                .limit(20),
            &views,
        ),
    ] {
        let p = plan(opts).await;
        assert!(
            p.contains(index.as_str()),
            "{what} should use {index}:\n{p}"
        );
    }
    for (sort, index) in [
        ("-views", &views),
        ("views", &views),
        ("title", &name("title", Perspective::Draft)),
    ] {
        let p = plan(FindOptions::new().sort(sort).limit(20)).await;
        assert!(
            p.contains(index.as_str()),
            "sort {sort} should read {index}:\n{p}"
        );
        assert!(
            full_sorts(&p).is_empty(),
            "sort {sort} with a limit is top-N from the index, not a sort of the collection:\n{p}"
        );
    }
    let published = name("slug.current", Perspective::Published);
    let p = plan(
        FindOptions::new()
            .perspective(Perspective::Published)
            .filter(Where::path("slug.current").equals("post-9")),
    )
    .await;
    assert!(
        p.contains(published.as_str()),
        "published copies have their own index:\n{p}"
    );
    // A keyset page deep in the order seeks in the index: a row comparison on the indexed
    // terms is an index condition, so page 1000 reads what page 1 reads.
    let first = cms
        .documents()
        .find(
            &FindOptions::new()
                .doc_type("post")
                .sort("-views")
                .limit(20)
                .count(false),
        )
        .await
        .expect("first page");
    let cursor = first.next_cursor.expect("more pages");
    let p = plan(FindOptions::new().sort("-views").limit(20).after(cursor)).await;
    assert!(
        p.contains(views.as_str()) && p.contains("Index Cond: (ROW("),
        "a keyset page seeks with the index:\n{p}"
    );
    assert!(full_sorts(&p).is_empty(), "{p}");
    // An unindexed sort still sorts (the test would notice a plan that never sorts).
    let p = plan(FindOptions::new().sort("-label").limit(20)).await;
    assert!(!full_sorts(&p).is_empty(), "{p}");
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        json_equality_and_membership_use_the_gin_indexes,
        declared_field_indexes_serve_queries,
    ]
    .run()
}
