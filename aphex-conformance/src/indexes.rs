//! Indexed and unique fields: schema sync creates and drops the indexes, the database enforces
//! `unique` (a duplicate is `Error::Conflict` naming the field, and nothing is written), and a
//! query on an indexed field returns exactly what the same query on an unindexed field does —
//! for every kind of value a draft can hold there.

use serde_json::{Value, json};

use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, IndexScope, SchemaTypeDef};
use aphex_core::service::{CreateDocument, SchemaSync, VersionRetention, WriteOptions};
use aphex_core::{Cms, Error};

use crate::TestDb;

pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(indexes:
        unique_values_conflict_by_field_name,
        unique_per_organization,
        missing_values_never_conflict,
        unique_in_bulk_and_across_types,
        unique_among_published_copies,
        indexed_queries_match_unindexed_ones,
        sync_creates_and_drops_indexes,
        unique_over_existing_duplicates_is_refused,
    )
}

/// `article` with a unique slug, an indexed title and views, a code unique among published
/// copies; `other` with a unique slug of its own.
fn types() -> Vec<SchemaTypeDef> {
    vec![
        SchemaTypeDef::document("article", "Article")
            .field(FieldDef::string("title").index())
            .field(FieldDef::slug("slug").unique())
            .field(FieldDef::number("views").index_in(IndexScope::Draft))
            .field(FieldDef::string("code").unique_in(IndexScope::Published)),
        SchemaTypeDef::document("other", "Other").field(FieldDef::slug("slug").unique()),
    ]
}

async fn cms(db: &TestDb) -> Cms {
    db.cms_with(types(), VersionRetention::All).await
}

fn slug(s: &str) -> Value {
    json!({"_type": "slug", "current": s})
}

async fn create(cms: &Cms, doc_type: &str, data: Value) -> aphex_core::Result<uuid::Uuid> {
    cms.documents()
        .create(CreateDocument::new(doc_type, data))
        .await
        .map(|d| d.id)
}

fn assert_conflict(result: aphex_core::Result<impl std::fmt::Debug>, key: &str) {
    match result {
        Err(Error::Conflict { constraint, .. }) => assert_eq!(constraint, key),
        other => panic!("expected a conflict on {key}, got {other:?}"),
    }
}

async fn count(cms: &Cms, doc_type: &str) -> u64 {
    cms.documents()
        .count(&FindOptions::new().doc_type(doc_type))
        .await
        .expect("count")
}

/// A second article with a taken slug is refused at create, at a draft save and at a restore,
/// naming the field; nothing of the refused write is stored.
pub async fn unique_values_conflict_by_field_name(db: &TestDb) {
    let cms = cms(db).await;
    let docs = cms.documents();
    create(&cms, "article", json!({"slug": slug("hello")}))
        .await
        .expect("first");
    assert_conflict(
        create(&cms, "article", json!({"slug": slug("hello")})).await,
        "article.slug.current",
    );
    assert_eq!(
        count(&cms, "article").await,
        1,
        "the refused create left nothing"
    );

    let second = create(&cms, "article", json!({"slug": slug("world")}))
        .await
        .expect("another slug");
    assert_conflict(
        docs.update_draft(second, json!({"slug": slug("hello")}), WriteOptions::new())
            .await,
        "article.slug.current",
    );
    let kept = docs
        .find_by_id(second, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(kept.draft_data, Some(json!({"slug": slug("world")})));
    assert_eq!(kept.revision, 1, "the refused save moved nothing");
    let versions = docs
        .versions(second, crate::fixtures::paging(10, 0))
        .await
        .expect("versions");
    assert_eq!(versions.total_docs, 1, "and took no snapshot");

    // Saving its own value again is no conflict; a case variant is another value.
    docs.update_draft(second, json!({"slug": slug("world")}), WriteOptions::new())
        .await
        .expect("same value, same document");
    docs.update_draft(second, json!({"slug": slug("Hello")}), WriteOptions::new())
        .await
        .expect("another value");
    // A restore that would bring a taken value back is refused too.
    let taken = create(&cms, "article", json!({"slug": slug("world")}))
        .await
        .expect("world is free again");
    assert_conflict(
        docs.restore(second, 1, WriteOptions::new()).await,
        "article.slug.current",
    );
    assert_ne!(taken, second);
}

/// A unique field is unique within an organization: another organization may use the same
/// value (and a taken value there says nothing here), the same organization may not.
pub async fn unique_per_organization(db: &TestDb) {
    let cms = cms(db).await;
    let mut orgs = Vec::new();
    for slug in ["uniq-a", "uniq-b"] {
        let org = cms
            .organizations()
            .create(aphex_core::service::CreateOrganization::new(slug, slug))
            .await
            .expect("organization");
        orgs.push(cms.org(&org.id).await.expect("scope"));
    }
    for org in [&cms, &orgs[0], &orgs[1]] {
        create(org, "article", json!({"slug": slug("shared")}))
            .await
            .expect("the same slug in each organization");
    }
    assert_conflict(
        create(&orgs[1], "article", json!({"slug": slug("shared")})).await,
        "article.slug.current",
    );
    assert_eq!(count(&orgs[1], "article").await, 1);
}

/// Documents without a value at a unique path — missing, `null`, or a value of another JSON
/// kind — never conflict with each other.
pub async fn missing_values_never_conflict(db: &TestDb) {
    let cms = cms(db).await;
    for data in [
        json!({}),
        json!({}),
        json!({"slug": null}),
        json!({"slug": null}),
        json!({"slug": {"current": null}}),
        json!({"slug": {"current": null}}),
        json!({"slug": {"current": 7}}),
        json!({"slug": {"current": 7}}),
        json!({"slug": {"current": true}}),
        json!({"slug": {"current": true}}),
        json!({"slug": {"current": {"nested": "x"}}}),
        json!({"slug": {"current": {"nested": "x"}}}),
        json!({"slug": "not an object"}),
        json!({"slug": "not an object"}),
    ] {
        create(&cms, "article", data.clone())
            .await
            .unwrap_or_else(|e| panic!("{data} does not hold a unique string: {e:?}"));
    }
    assert_eq!(count(&cms, "article").await, 14);
}

/// A bulk create with a taken value (or the same value twice) is refused as a whole; the same
/// value in another type is no conflict (each type has its own index).
pub async fn unique_in_bulk_and_across_types(db: &TestDb) {
    let cms = cms(db).await;
    let docs = cms.documents();
    create(&cms, "article", json!({"slug": slug("a")}))
        .await
        .expect("a");
    let batch = |slugs: &[&str]| -> Vec<CreateDocument> {
        slugs
            .iter()
            .map(|s| CreateDocument::new("article", json!({"slug": slug(s)})))
            .collect()
    };
    assert_conflict(
        docs.create_many(batch(&["b", "a"])).await,
        "article.slug.current",
    );
    assert_conflict(
        docs.create_many(batch(&["c", "c"])).await,
        "article.slug.current",
    );
    if db.adapter.capabilities().transactions {
        assert_eq!(
            count(&cms, "article").await,
            1,
            "all or nothing with transactions"
        );
    }
    docs.create_many(batch(&["d", "e"]))
        .await
        .expect("free values");
    create(&cms, "other", json!({"slug": slug("a")}))
        .await
        .expect("another type has its own values");
    assert_conflict(
        create(&cms, "other", json!({"slug": slug("a")})).await,
        "other.slug.current",
    );
}

/// `unique_in(Published)`: drafts may share a value; publishing a second document with it is
/// refused (it stays unpublished), and unpublishing the first frees the value.
pub async fn unique_among_published_copies(db: &TestDb) {
    let cms = cms(db).await;
    let docs = cms.documents();
    let first = create(&cms, "article", json!({"code": "X1"}))
        .await
        .expect("first");
    let second = create(&cms, "article", json!({"code": "X1"}))
        .await
        .expect("drafts may share a value");
    docs.publish(first, WriteOptions::new())
        .await
        .expect("publish the first");
    assert_conflict(
        docs.publish(second, WriteOptions::new()).await,
        "article.code",
    );
    let refused = docs
        .find_by_id(second, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(refused.published_data, None, "the second stays unpublished");
    docs.unpublish(first, WriteOptions::new())
        .await
        .expect("unpublish");
    docs.publish(second, WriteOptions::new())
        .await
        .expect("the value is free");
}

/// The same documents, once in a type that indexes `title`, `slug.current` and `views` and
/// once in a type that indexes nothing: every query returns the same documents in the same
/// order — whatever the documents hold at those paths (numbers, strings, booleans, null,
/// missing, objects, arrays).
pub async fn indexed_queries_match_unindexed_ones(db: &TestDb) {
    let indexed = SchemaTypeDef::document("indexed", "Indexed")
        .field(FieldDef::string("title").index())
        .field(FieldDef::slug("slug").index())
        .field(FieldDef::number("views").index());
    let plain = SchemaTypeDef::document("plain", "Plain")
        .field(FieldDef::string("title"))
        .field(FieldDef::slug("slug"))
        .field(FieldDef::number("views"));
    let cms = db
        .cms_with(vec![indexed, plain], VersionRetention::All)
        .await;
    let values = [
        json!(1),
        json!(2.5),
        json!(-3),
        json!(10),
        json!("b"),
        json!("B"),
        json!("a"),
        json!("10"),
        json!(""),
        json!(true),
        json!(false),
        json!(null),
        json!({"x": 1}),
        json!([1, "b"]),
    ];
    let mut n = 0;
    for (i, v) in values.iter().enumerate() {
        for (j, w) in values.iter().enumerate().step_by(3) {
            n += 1;
            let mut data = json!({"label": format!("d{n:03}"), "title": v, "views": w,
                                  "slug": {"current": values[(i + j) % values.len()].clone()}});
            if n % 7 == 0 {
                data.as_object_mut().map(|m| m.remove("views"));
            }
            if n % 11 == 0 {
                data.as_object_mut().map(|m| m.remove("slug"));
            }
            for doc_type in ["indexed", "plain"] {
                create(&cms, doc_type, data.clone()).await.expect("create");
            }
        }
    }
    let queries = [
        json!({"title": "b"}),
        json!({"title": 10}),
        json!({"title": {"in": ["a", "b", 1, 2.5, true, null]}}),
        json!({"title": {"not_in": ["a", 1]}}),
        json!({"title": {"greater_than": "B"}}),
        json!({"title": {"less_than_equal": 2.5}}),
        json!({"title": {"not_equals": "a"}}),
        json!({"views": {"greater_than_equal": 2}}),
        json!({"views": {"less_than": "b"}}),
        json!({"views": {"exists": false}}),
        json!({"slug.current": "a"}),
        json!({"slug.current": {"in": ["a", "B", 10]}}),
        json!({"and": [{"title": {"greater_than": 0}}, {"views": {"less_than": 10}}]}),
        json!({"or": [{"title": "a"}, {"slug.current": {"greater_than": "a"}}]}),
    ];
    let sorts: [&[&str]; 5] = [
        &["title"],
        &["-title"],
        &["views", "-title"],
        &["-slug.current", "label"],
        &[],
    ];
    for q in &queries {
        for sort in sorts {
            for limit in [5, 1000] {
                let results = |doc_type: &'static str| {
                    let cms = cms.clone();
                    let q = q.clone();
                    async move {
                        let opts = sort
                            .iter()
                            .fold(FindOptions::new(), |o, k| o.sort(*k))
                            .sort("label")
                            .doc_type(doc_type)
                            .filter(Where::from_json(&q).expect("where"))
                            .limit(limit);
                        let page = cms.documents().find(&opts).await.expect("find");
                        let labels: Vec<String> = page
                            .docs
                            .iter()
                            .map(|d| {
                                d.data(Perspective::Draft).expect("draft")["label"].to_string()
                            })
                            .collect();
                        let count = cms.documents().count(&opts).await.expect("count");
                        (labels, page.total_docs, count)
                    }
                };
                assert_eq!(
                    results("indexed").await,
                    results("plain").await,
                    "where {q}, sort {sort:?}, limit {limit}"
                );
            }
        }
    }
}

/// Sync creates an index per declaration and perspective, drops it when the declaration goes
/// away, keeps the indexes of a type the code no longer defines under an additive sync and
/// drops them under an exact one.
pub async fn sync_creates_and_drops_indexes(db: &TestDb) {
    let registry = aphex_core::schema::SchemaRegistry::new(types()).expect("registry");
    let mut wanted: Vec<String> = registry
        .field_indexes()
        .iter()
        .map(|i| i.name.clone())
        .collect();
    wanted.sort();
    // title (both), slug (both), views (draft), code (published); other.slug (both).
    assert_eq!(wanted.len(), 8, "{wanted:?}");
    let listed = || async {
        let mut names = db.adapter.list_field_indexes().await.expect("list");
        names.sort();
        names
    };
    assert!(listed().await.is_empty(), "a fresh database has none");

    let cms = db.cms_with(types(), VersionRetention::All).await;
    assert_eq!(listed().await, wanted);
    // Syncing the same definitions again changes nothing.
    let again = cms
        .schema_types()
        .sync_with(types(), SchemaSync::Additive)
        .await
        .expect("sync again");
    assert!(
        again.indexes_created.is_empty() && again.indexes_dropped.is_empty(),
        "{again:?}"
    );

    // `views` loses its index, `title` becomes unique in drafts only.
    let changed = vec![
        SchemaTypeDef::document("article", "Article")
            .field(FieldDef::string("title").unique_in(IndexScope::Draft))
            .field(FieldDef::slug("slug").unique())
            .field(FieldDef::number("views"))
            .field(FieldDef::string("code").unique_in(IndexScope::Published)),
    ];
    let report = cms
        .schema_types()
        .sync_with(changed.clone(), SchemaSync::Additive)
        .await
        .expect("sync");
    let now = listed().await;
    let expected: Vec<String> = {
        let mut names: Vec<String> = aphex_core::schema::SchemaRegistry::new(changed.clone())
            .expect("registry")
            .field_indexes()
            .iter()
            .map(|i| i.name.clone())
            .chain(registry.indexes_of("other").map(|i| i.name.clone()))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        now, expected,
        "other's indexes are kept by an additive sync"
    );
    assert_eq!(
        report.indexes_created.len(),
        1,
        "title unique (draft): {report:?}"
    );
    assert_eq!(
        report.indexes_dropped.len(),
        3,
        "title x2, views: {report:?}"
    );
    // Unique on title now holds among drafts.
    create(&cms, "article", json!({"title": "same"}))
        .await
        .expect("first");
    assert_conflict(
        create(&cms, "article", json!({"title": "same"})).await,
        "article.title",
    );

    let report = cms
        .schema_types()
        .sync_with(changed, SchemaSync::Exact)
        .await
        .expect("exact sync");
    assert_eq!(report.deleted, vec!["other".to_owned()]);
    assert_eq!(report.indexes_dropped.len(), 2, "other.slug x2: {report:?}");
    create(&cms, "article", json!({"views": 1}))
        .await
        .expect("still works");
}

/// Declaring `unique` on a field whose stored documents already share a value fails the sync
/// with a conflict naming the field, and leaves no index behind.
pub async fn unique_over_existing_duplicates_is_refused(db: &TestDb) {
    let loose = vec![SchemaTypeDef::document("article", "Article").field(FieldDef::slug("slug"))];
    let cms = db.cms_with(loose, VersionRetention::All).await;
    for _ in 0..2 {
        create(&cms, "article", json!({"slug": slug("twice")}))
            .await
            .expect("no uniqueness yet");
    }
    let strict =
        vec![SchemaTypeDef::document("article", "Article").field(FieldDef::slug("slug").unique())];
    assert_conflict(
        cms.schema_types()
            .sync_with(strict.clone(), SchemaSync::Additive)
            .await,
        "article.slug.current",
    );
    assert!(
        db.adapter
            .list_field_indexes()
            .await
            .expect("list")
            .is_empty(),
        "no index left behind"
    );
    // The old definition still applies: the service keeps working.
    create(&cms, "article", json!({"slug": slug("twice")}))
        .await
        .expect("still no uniqueness");
}
