//! Schema types: synced from code at build time (removed types are deleted), registered and
//! deleted one by one, stored as JSON that round-trips, and used to validate documents on publish
//! (drafts save whatever they hold).

use std::collections::HashMap;

use aphex_core::Error;
use aphex_core::model::{DocumentStatus, SchemaKind, SchemaType};
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, FieldType, SchemaTypeDef};
use aphex_core::service::{CreateDocument, WriteOptions};
use serde_json::json;
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::{self, reference};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(schema_types:
        build_syncs_the_fixture_types,
        smaller_sets_keep_types_unless_the_sync_is_exact,
        register_adds_and_replaces_one_type,
        delete_removes_one_type,
        stored_schema_round_trips,
        a_js_studios_properties_are_kept_in_storage,
        publish_validates_and_lists_every_failing_field,
        documents_of_unknown_or_object_types_are_refused,
    )
}

fn names(types: &[SchemaType]) -> Vec<&str> {
    types.iter().map(|t| t.name.as_str()).collect()
}

fn def(name: &str) -> SchemaTypeDef {
    fixtures::schema_types()
        .into_iter()
        .find(|d| d.name == name)
        .expect("fixture type")
}

/// Building the CMS stores the fixture types: the lists and the kind filters are exact and ordered
/// by name; each row holds the definition.
pub async fn build_syncs_the_fixture_types(db: &TestDb) {
    let cms = db.cms().await;
    let types = cms.schema_types();
    let all = types.list().await.expect("list");
    assert_eq!(names(&all), vec!["author", "post", "seo"]);
    assert_eq!(
        names(&types.document_types().await.expect("document types")),
        vec!["author", "post"]
    );
    assert_eq!(
        names(&types.object_types().await.expect("object types")),
        vec!["seo"]
    );
    for stored in &all {
        let expected = def(&stored.name);
        assert_eq!(stored.title, expected.title);
        assert_eq!(stored.kind, expected.kind);
        assert_eq!(stored.description, expected.description);
        assert_eq!(stored.schema, expected.to_json());
        assert_eq!(stored.created_at, stored.updated_at);
        assert!(!stored.id.is_nil());
    }
    let post = types.get("post").await.expect("get").expect("post exists");
    assert_eq!(post.kind, SchemaKind::Document);
    assert_eq!(Some(&post), all.iter().find(|t| t.name == "post"));
    assert_eq!(types.get("nope").await.expect("get"), None);
    assert_eq!(
        db.adapter
            .list_schema_types(Some(SchemaKind::Object))
            .await
            .expect("port list")
            .len(),
        1
    );
}

/// Building with a smaller set keeps the other stored types (the additive default, safe while
/// two versions of an app run side by side); an exact sync deletes the types no longer defined
/// (listed in the report), keeps the ids and creation times of the others, and the registry
/// follows: documents of a removed type can no longer be created.
pub async fn smaller_sets_keep_types_unless_the_sync_is_exact(db: &TestDb) {
    let cms = db.cms().await;
    let before: HashMap<String, SchemaType> = cms
        .schema_types()
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();

    // Building again with the same set changes no ids.
    let again = db.cms().await;
    for stored in again.schema_types().list().await.expect("list") {
        assert_eq!(
            stored.id, before[&stored.name].id,
            "{} keeps its id",
            stored.name
        );
        assert_eq!(stored.created_at, before[&stored.name].created_at);
    }

    // Building with a smaller set keeps the rest by default (rolling deploys)...
    let additive = db
        .cms_with(vec![def("author")], crate::fixtures::keep(25))
        .await;
    let kept = additive.schema_types().list().await.expect("list");
    assert_eq!(names(&kept), vec!["author", "post", "seo"]);
    // ...and with `SchemaSync::Exact` deletes them.
    let smaller = aphex_core::Cms::builder()
        .database(db.adapter.clone())
        .schema_type(def("author"))
        .schema_sync(aphex_core::service::SchemaSync::Exact)
        .build()
        .await
        .expect("exact sync");
    let left = smaller.schema_types().list().await.expect("list");
    assert_eq!(names(&left), vec!["author"]);
    assert_eq!(left[0].id, before["author"].id);
    assert_eq!(left[0].created_at, before["author"].created_at);
    assert!(left[0].updated_at >= before["author"].updated_at);
    let err = smaller
        .documents()
        .create(CreateDocument::new("post", json!({"title": "x"})))
        .await
        .expect_err("post is gone");
    assert!(
        matches!(&err, Error::Validation(e) if e.fields().len() == 1 && e.fields()[0].path == "type"),
        "{err:?}"
    );

    // The report of a sync lists what it wrote and what it deleted; an unchanged type
    // (`author`) is not written, so its `updatedAt` stays when it last changed.
    let report = smaller
        .schema_types()
        .sync(fixtures::schema_types())
        .await
        .expect("sync back");
    assert_eq!(report.upserted, ["post", "seo"]);
    assert!(report.deleted.is_empty());
    let restored = smaller.schema_types().list().await.expect("list");
    assert_eq!(names(&restored), vec!["author", "post", "seo"]);
    assert_eq!(restored[0].id, before["author"].id);
    assert_eq!(restored[0].updated_at, left[0].updated_at);
    let report = smaller
        .schema_types()
        .sync(vec![def("author")])
        .await
        .expect("sync down");
    assert!(report.upserted.is_empty(), "{report:?}");
    assert_eq!(report.deleted, ["post", "seo"]);
    assert_eq!(
        names(&smaller.schema_types().list().await.expect("list")),
        vec!["author"]
    );
    assert_eq!(smaller.schema_types().get("seo").await.expect("get"), None);
}

/// `register` adds a type (usable at once) or replaces the one with the same name (same id).
pub async fn register_adds_and_replaces_one_type(db: &TestDb) {
    let cms = db.cms().await;
    let types = cms.schema_types();
    let category =
        SchemaTypeDef::document("category", "Category").field(FieldDef::string("name").required());
    let stored = types.register(category.clone()).await.expect("register");
    assert_eq!(stored.name, "category");
    assert_eq!(stored.kind, SchemaKind::Document);
    assert_eq!(stored.schema, category.to_json());
    assert_eq!(
        names(&types.list().await.expect("list")),
        vec!["author", "category", "post", "seo"]
    );
    assert_eq!(
        types.get("category").await.expect("get"),
        Some(stored.clone())
    );
    let doc = cms
        .documents()
        .create(CreateDocument::new("category", json!({})))
        .await
        .expect("documents of a registered type can be created");
    let err = cms
        .documents()
        .publish(doc.id, WriteOptions::default())
        .await
        .expect_err("name is required");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");

    let replaced = SchemaTypeDef::document("category", "Categories")
        .description("Groups of posts")
        .field(FieldDef::string("name"));
    let updated = types.register(replaced.clone()).await.expect("replace");
    assert_eq!(updated.id, stored.id, "replacing keeps the id");
    assert_eq!(updated.created_at, stored.created_at);
    assert_eq!(updated.title, "Categories");
    assert_eq!(updated.description.as_deref(), Some("Groups of posts"));
    assert_eq!(updated.schema, replaced.to_json());
    assert_eq!(types.get("category").await.expect("get"), Some(updated));
    cms.documents()
        .publish(doc.id, WriteOptions::default())
        .await
        .expect("the replaced definition is what validation uses");

    let broken = SchemaTypeDef::document("broken", "Broken").field(FieldDef::named("x", "nope"));
    let err = types
        .register(broken)
        .await
        .expect_err("unknown object type");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(
        types.get("broken").await.expect("get"),
        None,
        "nothing stored"
    );
}

/// `delete` removes one type; deleting it again is `NotFound`; a type other types still use
/// cannot be deleted.
pub async fn delete_removes_one_type(db: &TestDb) {
    let cms = db.cms().await;
    let types = cms.schema_types();
    types
        .register(SchemaTypeDef::document("category", "Category"))
        .await
        .expect("register");
    types.delete("category").await.expect("delete");
    assert_eq!(types.get("category").await.expect("get"), None);
    assert_eq!(
        names(&types.list().await.expect("list")),
        vec!["author", "post", "seo"]
    );
    let err = cms
        .documents()
        .create(CreateDocument::new("category", json!({})))
        .await
        .expect_err("deleted type");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    let err = types.delete("category").await.expect_err("second delete");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");

    let err = types.delete("seo").await.expect_err("post uses seo");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(
        types.get("seo").await.expect("get").is_some(),
        "still stored"
    );
}

/// The stored `schema` JSON parses back into exactly the definition, for every kind of field and
/// rule.
pub async fn stored_schema_round_trips(db: &TestDb) {
    let cms = db.cms().await;
    let types = cms.schema_types();
    let kitchen = SchemaTypeDef::document("kitchen", "Kitchen sink")
        .description("Every field kind — with ünïcödé")
        .field(
            FieldDef::string("title")
                .title("Title")
                .description("Shown in lists")
                .required()
                .min(1.0)
                .max(120.0),
        )
        .field(
            FieldDef::string("code")
                .length(6)
                .regex(r"^[A-Z]{3}-\d{2}$"),
        )
        .field(FieldDef::text("body"))
        .field(FieldDef::number("price").min(0.5).max(99.99))
        .field(FieldDef::number("count").integer())
        .field(FieldDef::boolean("active"))
        .field(FieldDef::date("day"))
        .field(FieldDef::datetime("at"))
        .field(FieldDef::url("site"))
        .field(FieldDef::string("contact").email())
        .field(FieldDef::string("link").uri())
        .field(FieldDef::slug("slug").required())
        .field(FieldDef::block("intro"))
        .field(FieldDef::image("cover"))
        .field(FieldDef::file("attachment"))
        .field(FieldDef::reference("author", ["author"]))
        .field(FieldDef::reference("anything", ["author", "post"]))
        .field(FieldDef::array("tags", [FieldType::String]).max(10.0))
        .field(FieldDef::array(
            "content",
            [
                FieldType::Block,
                FieldType::Image,
                FieldType::Named("seo".into()),
                FieldType::Object {
                    fields: vec![FieldDef::string("caption")],
                },
            ],
        ))
        .field(FieldDef::object(
            "address",
            [
                FieldDef::string("street").required(),
                FieldDef::object("geo", [FieldDef::number("lat"), FieldDef::number("lng")]),
            ],
        ))
        .field(FieldDef::named("seo", "seo"));
    types.register(kitchen.clone()).await.expect("register");
    for name in ["author", "post", "seo", "kitchen"] {
        let stored = types.get(name).await.expect("get").expect("exists");
        let expected = if name == "kitchen" {
            kitchen.clone()
        } else {
            def(name)
        };
        let parsed = SchemaTypeDef::from_json(&stored.schema).expect("stored schema parses");
        assert_eq!(parsed, expected, "{name} round-trips");
        assert_eq!(stored.schema, expected.to_json());
        assert_eq!(stored.description, expected.description);
    }
}

/// An invalid draft saves; publishing it is refused with EVERY failing field at its exact path,
/// and changes nothing; once fixed, it publishes.
pub async fn publish_validates_and_lists_every_failing_field(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let author = docs
        .create(CreateDocument::new("author", json!({"name": "Ada"})))
        .await
        .expect("create author");
    let invalid = json!({
        "views": -1.5,
        "tags": ["ok", 3],
        "author": "not-a-ref",
        "related": [reference(author.id), 42],
        "seo": {"metaTitle": "x".repeat(61)},
        "unknownKey": "ignored",
    });
    let doc = docs
        .create(CreateDocument::new("post", invalid.clone()))
        .await
        .expect("an invalid draft saves");
    let doc = docs
        .update_draft(doc.id, invalid.clone(), WriteOptions::default())
        .await
        .expect("and saves again");

    let err = docs
        .publish(doc.id, WriteOptions::default())
        .await
        .expect_err("publish is refused");
    let Error::Validation(errors) = &err else {
        panic!("expected a validation error, got {err:?}");
    };
    let paths: Vec<&str> = errors.fields().iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "title",
            "views",
            "views",
            "tags[1]",
            "author",
            "related[1]",
            "seo.metaTitle"
        ],
        "every failing value, in field order: {errors}"
    );
    let expect_message = |i: usize, needle: &str| {
        let message = &errors.fields()[i].message;
        assert!(
            message.contains(needle),
            "{}: {message:?} should mention {needle:?}",
            errors.fields()[i].path
        );
    };
    expect_message(0, "required");
    expect_message(1, "at least 0");
    expect_message(2, "integer");
    expect_message(3, "string");
    expect_message(4, "reference");
    expect_message(5, "reference");
    expect_message(6, "60");

    let stored = docs
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored, doc, "a refused publish changes nothing");
    assert_eq!(stored.status, DocumentStatus::Draft);
    assert_eq!(stored.published_data, None);
    assert_eq!(stored.published_hash, None);
    assert_eq!(stored.published_at, None);
    assert_eq!(
        docs.versions(doc.id, crate::fixtures::paging(10, 0))
            .await
            .expect("versions")
            .total_docs,
        2,
        "no publish snapshot"
    );
    assert!(
        docs.find_by_id(doc.id, Perspective::Published, 0)
            .await
            .expect("read published")
            .is_none()
    );

    // Other kinds of failure: a wrong slug, a bad reference id, a non-object seo.
    docs.update_draft(
        doc.id,
        json!({
            "title": "",
            "slug": "plain-string",
            "author": {"_type": "reference", "_ref": "ABC"},
            "seo": "nope",
        }),
        WriteOptions::default(),
    )
    .await
    .expect("still saves");
    let err = docs
        .publish(doc.id, WriteOptions::default())
        .await
        .expect_err("refused again");
    let Error::Validation(errors) = &err else {
        panic!("expected a validation error, got {err:?}");
    };
    let paths: Vec<&str> = errors.fields().iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["title", "slug", "author._ref", "seo"]);

    let valid = json!({
        "title": "Fixed",
        "slug": {"_type": "slug", "current": "fixed"},
        "views": 2,
        "tags": ["ok"],
        "author": reference(author.id),
        "related": [reference(doc.id)],
        "seo": {"metaTitle": "x".repeat(60)},
        "publishedAt": "2026-01-02T03:04:05.678Z",
    });
    let fixed = docs
        .update_draft(doc.id, valid.clone(), WriteOptions::default())
        .await
        .expect("fix");
    let published = docs
        .publish(
            doc.id,
            WriteOptions::default().expect_revision(fixed.revision),
        )
        .await
        .expect("a valid draft publishes");
    assert_eq!(published.status, DocumentStatus::Published);
    assert_eq!(published.published_data, Some(valid));
}

/// Creating a document of an unknown type or of an object type is a validation error at `type`,
/// and nothing is stored.
pub async fn documents_of_unknown_or_object_types_are_refused(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    for doc_type in ["nope", "seo", "Post", ""] {
        let err = docs
            .create(CreateDocument::new(doc_type, json!({"title": "x"})).id(Uuid::new_v4()))
            .await
            .expect_err(doc_type);
        let Error::Validation(errors) = &err else {
            panic!("{doc_type:?}: expected a validation error, got {err:?}");
        };
        let paths: Vec<&str> = errors.fields().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec!["type"], "{doc_type:?}");
    }
    assert_eq!(
        docs.count(&crate::fixtures::counting(None, None, Perspective::Draft))
            .await
            .expect("count"),
        0
    );
    assert!(
        docs.counts_by_type()
            .await
            .expect("counts by type")
            .is_empty()
    );
}

/// A definition written by a JavaScript studio — with `icon`, `hidden`, `initialValue`,
/// `options` and member `styles` that aphex-rs does not interpret — syncs, is stored and read
/// back with every property, and its fields still validate.
pub async fn a_js_studios_properties_are_kept_in_storage(db: &TestDb) {
    let stored = json!({
        "name": "page", "title": "Page", "type": "document", "description": null,
        "icon": "DocumentIcon", "__experimental_actions": ["create", "update"],
        "fields": [
            {"name": "title", "type": "string", "hidden": false, "initialValue": "Untitled",
             "validation": {"required": true}},
            {"name": "layout", "type": "string",
             "options": {"list": [{"title": "Wide", "value": "wide"}], "layout": "radio"}},
            {"name": "body", "type": "array",
             "of": [{"type": "block", "styles": [{"title": "H1", "value": "h1"}]},
                    {"type": "image", "options": {"hotspot": true}}]}
        ]
    });
    let def = SchemaTypeDef::from_json(&stored).expect("parses");
    let cms = aphex_core::Cms::builder()
        .database(db.adapter.clone())
        .schema_type(def)
        .build()
        .await
        .expect("sync");
    let row = cms
        .schema_types()
        .get("page")
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(row.schema, stored, "every property is stored as it was");
    let again = SchemaTypeDef::from_json(&row.schema).expect("parses back");
    assert_eq!(again.to_json(), stored);
    let page = cms
        .documents()
        .create(CreateDocument::new("page", json!({"layout": "wide"})))
        .await
        .expect("create");
    let err = cms
        .documents()
        .publish(page.id, WriteOptions::default())
        .await
        .expect_err("title is required");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}
