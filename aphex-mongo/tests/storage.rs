//! MongoDB specifics: the stored shape (collections named as the SQL tables, camelCase fields,
//! `_id` = the id as a string, BSON dates), idempotent `ensure_schema`, and the transaction
//! capability reported from `hello`.

mod common;

use std::collections::BTreeMap;

use aphex_core::ports::DatabaseAdapter;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::CreateDocument;
use aphex_core::{Cms, Error};
use common::MongoTestDb;
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde_json::json;

async fn indexes(db: &mongodb::Database) -> BTreeMap<String, Vec<Document>> {
    let mut out = BTreeMap::new();
    let mut names = db.list_collection_names().await.expect("collections");
    names.sort();
    for name in names {
        let mut specs: Vec<Document> = db
            .collection::<Document>(&name)
            .list_indexes()
            .await
            .expect("list indexes")
            .try_collect::<Vec<_>>()
            .await
            .expect("indexes")
            .into_iter()
            .map(|ix| {
                let mut d = doc! { "keys": ix.keys };
                if let Some(o) = ix.options {
                    d.insert("name", o.name.unwrap_or_default());
                    d.insert("unique", o.unique.unwrap_or(false));
                }
                d
            })
            .collect();
        specs.sort_by_key(|d| d.to_string());
        out.insert(name, specs);
    }
    out
}

async fn ensure_schema_is_idempotent_and_creates_the_unique_indexes() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    let first = indexes(adapter.database()).await;
    adapter.ensure_schema().await.expect("second ensure_schema");
    assert_eq!(
        indexes(adapter.database()).await,
        first,
        "the second run changed nothing"
    );
    let mut collections: Vec<&str> = first.keys().map(String::as_str).collect();
    collections.sort_unstable();
    let mut expected = aphex_mongo::COLLECTIONS.to_vec();
    expected.push(aphex_mongo::SCHEMA_COLLECTION);
    expected.sort_unstable();
    assert_eq!(collections, expected);
    for (collection, keys) in [
        ("user", doc! {"email": 1}),
        ("session", doc! {"token": 1}),
        ("cms_schema_types", doc! {"name": 1}),
        ("apikey", doc! {"key": 1}),
    ] {
        assert!(
            first[collection]
                .iter()
                .any(|ix| ix.get_document("keys") == Ok(&keys) && ix.get_bool("unique") == Ok(true)),
            "unique index on {collection} {keys}: {:?}",
            first[collection]
        );
    }
    for keys in [
        doc! {"type": 1, "updatedAt": -1},
        doc! {"type": 1, "status": 1},
    ] {
        assert!(
            first["cms_documents"]
                .iter()
                .any(|ix| ix.get_document("keys") == Ok(&keys)),
            "cms_documents index {keys}"
        );
    }
}

async fn documents_are_stored_with_string_ids_camel_case_fields_and_dates() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    let raw = adapter.database().clone();
    let cms = Cms::builder()
        .database(adapter)
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let created = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "hi", "$key": 1})).created_by("u1"))
        .await
        .expect("create");
    let stored = raw
        .collection::<Document>("cms_documents")
        .find_one(doc! { "_id": created.id.to_string() })
        .await
        .expect("find")
        .expect("stored under the id string");
    assert_eq!(stored.get_str("type"), Ok("note"));
    assert_eq!(stored.get_str("status"), Ok("draft"));
    assert_eq!(stored.get_i64("revision"), Ok(1));
    assert_eq!(stored.get_str("createdBy"), Ok("u1"));
    assert!(matches!(stored.get("createdAt"), Some(Bson::DateTime(_))));
    assert!(matches!(stored.get("publishedData"), Some(Bson::Null)));
    let draft = stored.get_document("draftData").expect("draftData");
    assert_eq!(draft.get_str("text"), Ok("hi"));
    assert_eq!(
        draft.get_i64("%24key"),
        Ok(1),
        "a reserved key is stored escaped"
    );
    let version = raw
        .collection::<Document>("cms_document_versions")
        .find_one(doc! { "documentId": created.id.to_string() })
        .await
        .expect("find version")
        .expect("snapshot");
    assert_eq!(version.get_i64("versionNumber"), Ok(1));
    assert_eq!(version.get_str("eventType"), Ok("draft"));
}

async fn a_standalone_server_declares_no_transactions() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    let hello = adapter
        .database()
        .run_command(doc! { "hello": 1 })
        .await
        .expect("hello");
    let replica_set = hello.contains_key("setName");
    assert_eq!(adapter.capabilities().transactions, replica_set);
    if !replica_set {
        let err = adapter.begin().await.expect_err("begin is refused");
        assert!(
            matches!(err, Error::Unsupported { backend: "mongodb", operation } if operation.contains("transactions")),
            "{err:?}"
        );
        let session = adapter
            .database()
            .client()
            .start_session()
            .await
            .expect("session");
        let err = adapter
            .join(std::sync::Arc::new(tokio::sync::Mutex::new(session)))
            .expect_err("joining an application's transaction is refused");
        assert!(
            matches!(err, Error::Unsupported { backend: "mongodb", operation } if operation.contains("transactions")),
            "{err:?}"
        );
    }
}

/// A CMS on `raw` with one document type, `note`.
async fn note_cms(raw: &mongodb::Database) -> Cms {
    Cms::builder()
        .database(
            aphex_mongo::MongoAdapter::new(raw.clone())
                .await
                .expect("adapter"),
        )
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms")
}

/// Every document of every collection, by collection, in a stable order.
async fn contents(db: &mongodb::Database) -> BTreeMap<String, Vec<Document>> {
    let mut out = BTreeMap::new();
    for name in aphex_mongo::COLLECTIONS {
        let mut docs: Vec<Document> = db
            .collection::<Document>(name)
            .find(doc! {})
            .await
            .expect("find")
            .try_collect::<Vec<_>>()
            .await
            .expect("documents");
        docs.sort_by_key(|d| d.get("_id").map(ToString::to_string));
        out.insert(name.to_owned(), docs);
    }
    out
}

/// A database made by 0.1 (collections and indexes, no schema-version marker, no
/// organizations) is refused by `verify_schema` with the reason, and `ensure_schema` upgrades it
/// in place: every document stays as it was, and every content document lands in the default
/// organization, which now exists.
async fn a_0_1_database_upgrades_in_place_and_a_newer_one_is_refused() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    let raw = adapter.database().clone();
    let cms = note_cms(&raw).await;
    let note = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "kept"})))
        .await
        .expect("create");
    cms.documents()
        .publish(note.id, Default::default())
        .await
        .expect("publish");
    let asset = cms
        .assets()
        .create(aphex_conformance::assets::new_asset(
            "file",
            "a.txt",
            "a.txt",
            "text/plain",
            1,
        ))
        .await
        .expect("asset");
    // As 0.1 left it: no marker, no organizations, no organization on content.
    let marker = raw.collection::<Document>(aphex_mongo::SCHEMA_COLLECTION);
    marker.delete_many(doc! {}).await.expect("no marker");
    raw.collection::<Document>("organization")
        .drop()
        .await
        .expect("no organizations");
    const CONTENT: [&str; 3] = ["cms_documents", "cms_document_versions", "cms_assets"];
    for collection in CONTENT {
        raw.collection::<Document>(collection)
            .update_many(doc! {}, doc! {"$unset": {"organizationId": ""}})
            .await
            .expect("no organization");
    }
    let before = contents(&raw).await;
    assert!(
        before["cms_documents"].len() == 1
            && before["cms_document_versions"].len() == 2
            && before["cms_assets"].len() == 1
            && before["organization"].is_empty()
    );

    let err = adapter.verify_schema().await.expect_err("0.1 is behind");
    assert!(
        matches!(&err, Error::SchemaMismatch { message } if message.contains("schema at none") && message.contains("run the migrations")),
        "{err:?}"
    );
    adapter.ensure_schema().await.expect("upgrade");
    adapter.verify_schema().await.expect("current");
    let mut after = contents(&raw).await;
    for collection in CONTENT {
        for d in after.get_mut(collection).expect("collection") {
            assert_eq!(
                d.remove("organizationId"),
                Some(aphex_core::DEFAULT_ORGANIZATION_ID.into()),
                "{collection}: in the default organization"
            );
        }
    }
    let organizations = after.insert("organization".to_owned(), Vec::new());
    assert_eq!(
        organizations
            .unwrap_or_default()
            .iter()
            .map(|o| (o.get_str("_id"), o.get_str("slug")))
            .collect::<Vec<_>>(),
        [(Ok("default"), Ok("default"))],
        "the default organization exists"
    );
    assert_eq!(after, before, "every document as it was");
    assert_eq!(
        cms.documents()
            .find_by_id(note.id, Default::default(), 0)
            .await
            .expect("read")
            .map(|d| d.organization_id),
        Some(aphex_core::DEFAULT_ORGANIZATION_ID.to_owned()),
        "the app that never mentions organizations reads it as before"
    );
    assert!(
        cms.assets()
            .find_by_id(asset.id)
            .await
            .expect("asset")
            .is_some()
    );

    marker
        .update_one(doc! {"_id": "schema"}, doc! {"$set": {"version": 99}})
        .await
        .expect("a newer aphex-rs");
    for err in [
        adapter.verify_schema().await.expect_err("newer: refused"),
        adapter
            .ensure_schema()
            .await
            .expect_err("newer: not downgraded"),
    ] {
        assert!(
            matches!(&err, Error::SchemaMismatch { message } if message.contains("newer")),
            "{err:?}"
        );
    }
}

/// A database at schema version 2 (before the reference index): `ensure_schema` gives every
/// document its `draftReferences` and `publishedReferences` from its stored data, leaves every
/// other field as it was, and "used by" finds the referrers.
async fn a_version_2_database_gets_its_reference_index() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    let raw = adapter.database().clone();
    let cms = note_cms(&raw).await;
    let create = |data: serde_json::Value| {
        let cms = cms.clone();
        async move {
            cms.documents()
                .create(CreateDocument::new("note", data))
                .await
                .expect("create")
                .id
        }
    };
    let target = create(json!({"text": "target"})).await;
    let asset = uuid::Uuid::new_v4();
    let referrer = create(json!({
        "text": "refers",
        "see": [{"_type": "reference", "_ref": target.to_string().to_uppercase(), "_key": "a"}],
        "cover": {"_type": "image", "asset": {"_type": "reference", "_ref": asset.to_string()}},
    }))
    .await;
    cms.documents()
        .publish(referrer, Default::default())
        .await
        .expect("publish");
    // As version 2 left it: no reference index.
    let documents = raw.collection::<Document>("cms_documents");
    documents
        .update_many(
            doc! {},
            doc! {"$unset": {"draftReferences": "", "publishedReferences": ""}},
        )
        .await
        .expect("no index");
    raw.collection::<Document>(aphex_mongo::SCHEMA_COLLECTION)
        .update_one(doc! {"_id": "schema"}, doc! {"$set": {"version": 2}})
        .await
        .expect("version 2");
    let before = contents(&raw).await;
    adapter
        .verify_schema()
        .await
        .expect_err("version 2 is behind");

    adapter.ensure_schema().await.expect("upgrade");
    adapter.verify_schema().await.expect("current");
    let mut after = contents(&raw).await;
    let ids = |d: &mut Document, field: &str| -> Vec<String> {
        d.remove(field)
            .and_then(|b| b.as_array().cloned())
            .unwrap_or_else(|| panic!("{field} set on {d}"))
            .iter()
            .map(|b| b.as_str().expect("an id string").to_owned())
            .collect()
    };
    let mut indexed = BTreeMap::new();
    for d in after.get_mut("cms_documents").expect("documents") {
        let id = d.get_str("_id").expect("id").to_owned();
        indexed.insert(
            id,
            (ids(d, "draftReferences"), ids(d, "publishedReferences")),
        );
    }
    let mut both = vec![target.to_string(), asset.to_string()];
    both.sort();
    assert_eq!(
        indexed,
        BTreeMap::from([
            (target.to_string(), (vec![], vec![])),
            (referrer.to_string(), (both.clone(), both)),
        ])
    );
    assert_eq!(after, before, "every other field as it was");
    let used_by = cms
        .documents()
        .used_by(target, &aphex_core::query::FindOptions::new())
        .await
        .expect("used by");
    assert_eq!(
        used_by.docs.iter().map(|d| d.id).collect::<Vec<_>>(),
        [referrer]
    );
}

async fn non_mongodb_urls_are_refused() {
    let err = aphex_mongo::MongoAdapter::connect("postgres://x/y", "db")
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Validation(e) if e.fields()[0].path == "url"),
        "{err:?}"
    );
}

/// Without the `dns-srv` feature an Atlas URL is refused by name, before any network access.
async fn srv_urls_need_the_dns_srv_feature() {
    let result =
        aphex_mongo::MongoAdapter::connect_url("mongodb+srv://cluster0.example.invalid/cms").await;
    if cfg!(feature = "dns-srv") {
        // With the feature the driver looks the name up (and fails: `.invalid` never resolves).
        assert!(!matches!(result, Err(Error::Unsupported { .. })));
        return;
    }
    let err = result.expect_err("refused");
    assert!(
        matches!(&err, Error::Unsupported { operation, .. } if operation.contains("mongodb-srv")),
        "{err:?}"
    );
}

/// What a server without transactions promises (`docs/events.md`): a write's event is
/// appended after it, so a write whose append fails stays written and the call says so — the
/// event is missing; the next write's event follows.
async fn without_transactions_a_failed_append_leaves_the_write_and_says_so() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    assert!(
        !adapter.capabilities().transactions,
        "the test server is a standalone"
    );
    let raw = adapter.database().clone();
    let cms = note_cms(&raw).await;
    let docs = cms.documents();
    let id = docs
        .create(CreateDocument::new("note", json!({"text": "one"})))
        .await
        .expect("create")
        .id;
    // An event numbered 2 in the document's stream: the next append collides with it.
    let stream = format!("document:{id}");
    raw.collection::<Document>("cms_events")
        .insert_one(doc! {
            "_id": uuid::Uuid::new_v4().to_string(), "organizationId": "default", "stream": &stream,
            "streamSeq": 2i64, "kind": "document.draft_saved", "subjectId": id.to_string(),
            "actor": Bson::Null, "data": {}, "createdAt": mongodb::bson::DateTime::now(),
        })
        .await
        .expect("plant");
    let saved = docs
        .update_draft(id, json!({"text": "two"}), Default::default())
        .await;
    assert!(matches!(saved, Err(Error::Conflict { .. })), "{saved:?}");
    let found = docs
        .find_by_id(id, aphex_core::query::Perspective::Draft, 0)
        .await
        .expect("find")
        .expect("there");
    assert_eq!(
        (found.revision, found.draft_data),
        (2, Some(json!({"text": "two"}))),
        "the write stayed"
    );
    docs.update_draft(id, json!({"text": "three"}), Default::default())
        .await
        .expect("the next write");
    let events = cms.events().for_document(id, 0, 10).await.expect("events");
    let listed: Vec<(i64, Option<i64>)> = events
        .iter()
        .map(|e| (e.sequence, e.data["revision"].as_i64()))
        .collect();
    assert_eq!(
        listed,
        [(1, Some(1)), (2, None), (3, Some(3))],
        "revision 2 has no event (number 2 is the planted one); the next write's follows"
    );
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        without_transactions_a_failed_append_leaves_the_write_and_says_so,
        a_version_2_database_gets_its_reference_index,
        ensure_schema_is_idempotent_and_creates_the_unique_indexes,
        documents_are_stored_with_string_ids_camel_case_fields_and_dates,
        a_standalone_server_declares_no_transactions,
        a_0_1_database_upgrades_in_place_and_a_newer_one_is_refused,
        non_mongodb_urls_are_refused,
        srv_urls_need_the_dns_srv_feature
    ]
    .run()
}
