//! Declared field indexes (`index` / `unique`) serve the exact statements `find_documents`
//! sends on SQLite — equality, ranges, `in`, and a sort with a limit read from the index
//! instead of sorting the collection — checked with `EXPLAIN QUERY PLAN`
//! (`SqliteAdapter::explain_find_documents`).

use aphex_core::Cms;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, SchemaRegistry, SchemaTypeDef};
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
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_types(types)
        .build()
        .await
        .expect("sync builds the indexes on the populated table");
    // Statistics, as `PRAGMA optimize` gathers them when a connection opens (the adapter runs
    // it), then a fresh pool that reads them.
    adapter
        .connection()
        .execute_unprepared("ANALYZE")
        .await
        .expect("analyze");
    let adapter = Arc::new(SqliteAdapter::connect(&url).await.expect("reconnect"));
    let plan = |opts: FindOptions| {
        let query = cms
            .documents()
            .list_query(&opts.doc_type("post"))
            .expect("query");
        let adapter = adapter.clone();
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
    ] {
        let p = plan(opts).await;
        assert!(
            p.contains(&format!("SEARCH cms_documents USING INDEX {index}")),
            "{what} should search {index}:\n{p}"
        );
    }
    for (sort, index) in [
        ("-views", &views),
        ("views", &views),
        ("title", &name("title", Perspective::Draft)),
    ] {
        let p = plan(FindOptions::new().sort(sort).limit(20)).await;
        assert!(
            p.contains(&format!("USING INDEX {index}")),
            "sort {sort} should read {index}:\n{p}"
        );
        assert!(
            !p.contains("USE TEMP B-TREE FOR ORDER BY"),
            "sort {sort} with a limit is read from the index, not a sort of the collection:\n{p}"
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
        p.contains(&published),
        "published copies have their own index:\n{p}"
    );
    // A keyset page deep in the order seeks in the index (a row-value range on its terms).
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
        p.contains(&format!(
            "SEARCH cms_documents USING INDEX {views} (type=? AND <expr><?)"
        )),
        "a keyset page seeks with the index:\n{p}"
    );
    assert!(!p.contains("USE TEMP B-TREE FOR ORDER BY"), "{p}");
    // An unindexed sort sorts the collection (the check above can fail).
    let p = plan(FindOptions::new().sort("-label").limit(20)).await;
    assert!(p.contains("USE TEMP B-TREE FOR ORDER BY"), "{p}");
}
