//! The plan checks of declared field indexes, shared by `aphex-sqlite` and `aphex-pg` (included
//! with `#[path]`): the same queries on the same schema, each backend saying in its own plan
//! language whether an index searched, gave the order, or seeked a keyset page.

use aphex_core::Cms;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, SchemaRegistry, SchemaTypeDef};
use aphex_sea::{SeaAdapter, SeaBackend};

/// `post` indexes its title, makes its slug unique and indexes its views; `author` is another
/// type in the same table.
pub fn types() -> Vec<SchemaTypeDef> {
    vec![
        SchemaTypeDef::document("author", "Author"),
        SchemaTypeDef::document("post", "Post")
            .field(FieldDef::string("title").index())
            .field(FieldDef::slug("slug").unique())
            .field(FieldDef::number("views").index()),
    ]
}

/// How one backend's plan text tells what an index did.
pub struct PlanReading {
    /// `index` found the rows of a condition.
    pub searched: fn(&str, &str) -> bool,
    /// `index` gave the sort's order (top-N without sorting the collection).
    pub ordered: fn(&str, &str) -> bool,
    /// A keyset page started reading `index` at its position.
    pub seeked: fn(&str, &str) -> bool,
    /// The plan sorts every matching row.
    pub sorts_all: fn(&str) -> bool,
    /// The index that serves the queries of a declared index of this name (SQLite serves a
    /// unique field's from its ordered companion).
    pub serving: fn(&str) -> String,
}

/// Runs every check against `adapter` (whose plans are read) for queries built by `cms` (over
/// the same, populated database, with [`types`] synced).
pub async fn check<B: SeaBackend>(cms: &Cms, adapter: &SeaAdapter<B>, reading: &PlanReading) {
    let registry = SchemaRegistry::new(types()).expect("registry");
    let name = |field: &str, perspective: Perspective| {
        registry
            .indexes_of("post")
            .find(|i| i.field() == field && i.perspective() == perspective)
            .map(|i| (reading.serving)(&i.name))
            .expect("declared")
    };
    let plan = |opts: FindOptions| {
        let query = cms
            .documents()
            .list_query(&opts.doc_type("post"))
            .expect("query");
        let scope = cms.scope().clone();
        async move {
            adapter
                .explain_find_documents(&scope, &query)
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
        (
            "published",
            FindOptions::new()
                .perspective(Perspective::Published)
                .filter(Where::path("slug.current").equals("post-9")),
            &name("slug.current", Perspective::Published),
        ),
    ] {
        let p = plan(opts).await;
        assert!(
            (reading.searched)(&p, index),
            "{what} should use {index}:\n{p}"
        );
    }
    for (sort, index) in [
        ("-views", &views),
        ("views", &views),
        ("-slug.current", &slug),
        ("title", &name("title", Perspective::Draft)),
    ] {
        let p = plan(FindOptions::new().sort(sort).limit(20)).await;
        assert!(
            (reading.ordered)(&p, index),
            "sort {sort} with a limit is top-N from {index}, not a sort of the collection:\n{p}"
        );
    }
    // A keyset page deep in the order seeks in the index: page 1000 reads what page 1 reads.
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
        (reading.seeked)(&p, &views),
        "a keyset page seeks with the index:\n{p}"
    );
    // An unindexed sort still sorts everything (the checks above can fail).
    let p = plan(FindOptions::new().sort("-label").limit(20)).await;
    assert!((reading.sorts_all)(&p), "{p}");
}
