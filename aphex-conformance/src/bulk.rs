//! Bulk creation (`DocumentService::create_many`): the same checks and the same stored result
//! as one `create` per input, all checked before anything is written.

use aphex_core::Error;
use aphex_core::model::{DocumentStatus, VersionEvent};
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::service::{CreateDocument, MAX_BULK_DOCUMENTS};
use serde_json::json;
use uuid::Uuid;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(bulk:
        create_many_stores_each_document_with_its_first_version,
        a_bad_input_is_named_and_nothing_is_written,
        an_id_taken_or_given_twice_is_refused,
        more_than_the_maximum_is_refused,
    )
}

fn post(n: usize) -> CreateDocument {
    CreateDocument::new("post", json!({"title": format!("Post {n}"), "views": n}))
        .created_by("importer")
}

/// 2 500 posts (more than one multi-row statement holds): every one is there, as `create`
/// would have stored it, with exactly one version snapshot.
pub async fn create_many_stores_each_document_with_its_first_version(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let given = Uuid::new_v4();
    let mut inputs: Vec<CreateDocument> = (0..2_500).map(post).collect();
    inputs[7] = post(7).id(given);
    let ids = docs.create_many(inputs).await.expect("create_many");
    assert_eq!(ids.len(), 2_500);
    assert_eq!(ids[7], given, "ids in input order, a given id kept");
    assert_eq!(
        docs.count(&FindOptions::new().doc_type("post"))
            .await
            .expect("count"),
        2_500
    );
    for (n, id) in [
        (0, ids[0]),
        (7, ids[7]),
        (1_999, ids[1_999]),
        (2_499, ids[2_499]),
    ] {
        let doc = docs
            .find_by_id(id, Perspective::Draft, 0)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            doc.draft_data,
            Some(json!({"title": format!("Post {n}"), "views": n}))
        );
        assert_eq!((doc.status, doc.revision), (DocumentStatus::Draft, 1));
        assert_eq!(doc.created_by.as_deref(), Some("importer"));
        assert_eq!(doc.updated_by.as_deref(), Some("importer"));
        let versions = docs
            .versions(id, Default::default())
            .await
            .expect("versions");
        assert_eq!(versions.total_docs, 1);
        let first = &versions.docs[0];
        assert_eq!(
            (first.version_number, first.event_type),
            (1, VersionEvent::Draft)
        );
        assert_eq!(Some(&first.data), doc.draft_data.as_ref());
        assert_eq!(first.created_by.as_deref(), Some("importer"));
    }
    // Queryable like any other document, and the next save is version 2.
    let found = docs
        .find(
            &FindOptions::new()
                .doc_type("post")
                .filter(Where::path("views").equals(1_234)),
        )
        .await
        .expect("find");
    assert_eq!(
        found.docs.iter().map(|d| d.id).collect::<Vec<_>>(),
        [ids[1_234]]
    );
    let saved = docs
        .update_draft(ids[0], json!({"title": "Edited"}), Default::default())
        .await
        .expect("save");
    assert_eq!(saved.revision, 2);
    let versions = docs
        .versions(ids[0], Default::default())
        .await
        .expect("versions");
    assert_eq!(versions.docs[0].version_number, 2);
    assert!(
        docs.create_many(Vec::new())
            .await
            .expect("nothing")
            .is_empty()
    );
}

/// An unknown type, a value no backend stores, or non-object data at one input: the error
/// names that input, and none of the inputs is stored.
pub async fn a_bad_input_is_named_and_nothing_is_written(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    for (bad, path) in [
        (
            CreateDocument::new("no-such-type", json!({})),
            "documents[3].type",
        ),
        (
            CreateDocument::new("post", json!({"title": "a\u{0}b"})),
            "documents[3].data.title",
        ),
        (
            CreateDocument::new("post", json!([1, 2])),
            "documents[3].data",
        ),
    ] {
        let mut inputs: Vec<CreateDocument> = (0..5).map(post).collect();
        inputs[3] = bad;
        let err = docs.create_many(inputs).await.expect_err("refused");
        assert!(
            matches!(&err, Error::Validation(e) if e.fields().iter().any(|f| f.path == path)),
            "{path}: {err:?}"
        );
        assert_eq!(
            docs.count(&FindOptions::new()).await.expect("count"),
            0,
            "{path}: nothing written"
        );
    }
}

/// An id that exists is a conflict (on a backend with transactions nothing of the call stays);
/// an id given twice in one call is refused before anything is written.
pub async fn an_id_taken_or_given_twice_is_refused(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let taken = docs.create(post(0)).await.expect("create").id;

    let twice = Uuid::new_v4();
    let err = docs
        .create_many(vec![post(1).id(twice), post(2), post(3).id(twice)])
        .await
        .expect_err("an id twice");
    assert!(
        matches!(&err, Error::Validation(e) if e.fields()[0].path == "documents[2].id"),
        "{err:?}"
    );
    assert_eq!(docs.count(&FindOptions::new()).await.expect("count"), 1);

    let err = docs
        .create_many(vec![post(4), post(5).id(taken), post(6)])
        .await
        .expect_err("a taken id");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    if db.adapter.capabilities().transactions {
        assert_eq!(
            docs.count(&FindOptions::new()).await.expect("count"),
            1,
            "all or nothing"
        );
    }
    let versions = docs
        .versions(taken, Default::default())
        .await
        .expect("versions");
    assert_eq!(versions.total_docs, 1, "the existing document is untouched");
}

pub async fn more_than_the_maximum_is_refused(db: &TestDb) {
    let cms = db.cms().await;
    let inputs: Vec<CreateDocument> = (0..=MAX_BULK_DOCUMENTS).map(post).collect();
    let err = cms
        .documents()
        .create_many(inputs)
        .await
        .expect_err("too many");
    assert!(
        matches!(&err, Error::Validation(e) if e.fields()[0].path == "documents"),
        "{err:?}"
    );
    assert_eq!(
        cms.documents()
            .count(&FindOptions::new())
            .await
            .expect("count"),
        0
    );
}
