//! Version snapshots: one per draft save and per publish, listed newest first, restorable with a
//! compare-and-swap draft update, pruned to the configured retention.

use aphex_core::model::{DocumentStatus, VersionEvent};
use aphex_core::query::Perspective;
use aphex_core::service::{CreateDocument, DocumentService, VersionRetention, WriteOptions};
use aphex_core::{Error, Scope};
use serde_json::json;
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(versions:
        every_save_and_publish_adds_a_snapshot,
        list_is_newest_first_with_paging_metadata,
        get_by_number,
        restore_makes_a_snapshot_the_draft_again,
        restore_honours_the_expected_revision,
        restore_of_an_unknown_version_is_not_found,
        retention_keeps_the_newest_and_never_reuses_numbers,
        default_retention_is_25,
        retention_zero_keeps_everything,
        concurrent_saves_get_distinct_numbers,
        deleting_the_document_deletes_its_versions,
    )
}

/// Version numbers of a document, newest first (first page of 1000).
async fn numbers(docs: &DocumentService, id: Uuid) -> Vec<i64> {
    docs.versions(id, crate::fixtures::paging(1000, 0))
        .await
        .expect("versions")
        .docs
        .iter()
        .map(|v| v.version_number)
        .collect()
}

/// Creates a post and saves `saves` more drafts (`{"title": "v<n>"}` for version n).
async fn post_with_versions(docs: &DocumentService, saves: i64) -> Uuid {
    let doc = docs
        .create(CreateDocument::new("post", json!({"title": "v1"})))
        .await
        .expect("create");
    for n in 2..=saves + 1 {
        docs.update_draft(
            doc.id,
            json!({"title": format!("v{n}")}),
            WriteOptions::default(),
        )
        .await
        .expect("save");
    }
    doc.id
}

/// Create is version 1 (`draft`); each draft save adds one; a publish adds a `publish` snapshot
/// holding the published data; each records who and when.
pub async fn every_save_and_publish_adds_a_snapshot(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let doc = docs
        .create(CreateDocument::new("post", json!({"title": "one"})).created_by("u1"))
        .await
        .expect("create");
    let list = docs
        .versions(doc.id, crate::fixtures::paging(10, 0))
        .await
        .expect("versions");
    assert_eq!(list.total_docs, 1);
    let v1 = &list.docs[0];
    assert_eq!(v1.version_number, 1);
    assert_eq!(v1.event_type, VersionEvent::Draft);
    assert_eq!(v1.document_id, doc.id);
    assert_eq!(v1.data, json!({"title": "one"}));
    assert_eq!(v1.created_by.as_deref(), Some("u1"));
    assert_eq!(v1.created_at, doc.created_at);

    let saved = docs
        .update_draft(
            doc.id,
            json!({"title": "two", "views": 2}),
            WriteOptions::default().user("u2"),
        )
        .await
        .expect("save");
    let published = docs
        .publish(doc.id, WriteOptions::default().user("u3"))
        .await
        .expect("publish");
    docs.update_draft(doc.id, json!({"title": "three"}), WriteOptions::default())
        .await
        .expect("save after publish");

    let list = docs
        .versions(doc.id, crate::fixtures::paging(10, 0))
        .await
        .expect("versions");
    assert_eq!(list.total_docs, 4);
    let summary: Vec<_> = list
        .docs
        .iter()
        .map(|v| (v.version_number, v.event_type, v.data.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (4, VersionEvent::Draft, json!({"title": "three"})),
            (
                3,
                VersionEvent::Publish,
                json!({"title": "two", "views": 2})
            ),
            (2, VersionEvent::Draft, json!({"title": "two", "views": 2})),
            (1, VersionEvent::Draft, json!({"title": "one"})),
        ]
    );
    let v2 = &list.docs[2];
    assert_eq!(v2.created_by.as_deref(), Some("u2"));
    assert_eq!(v2.created_at, saved.updated_at);
    let v3 = &list.docs[1];
    assert_eq!(v3.created_by.as_deref(), Some("u3"));
    assert_eq!(Some(&v3.data), published.published_data.as_ref());
    assert_eq!(Some(v3.created_at), published.published_at);
    assert_eq!(list.docs[0].created_by, None);
    let ids: std::collections::HashSet<_> = list.docs.iter().map(|v| v.id).collect();
    assert_eq!(ids.len(), 4, "every snapshot has its own id");
}

/// Newest first, with Payload-style paging metadata.
pub async fn list_is_newest_first_with_paging_metadata(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = post_with_versions(docs, 6).await;

    let first = docs
        .versions(id, crate::fixtures::paging(3, 0))
        .await
        .expect("page 1");
    let nums: Vec<_> = first.docs.iter().map(|v| v.version_number).collect();
    assert_eq!(nums, vec![7, 6, 5]);
    assert_eq!(first.docs[0].data, json!({"title": "v7"}));
    assert_eq!(
        (first.total_docs, first.limit, first.offset, first.page),
        (7, 3, 0, 1)
    );
    assert_eq!(first.total_pages, 3);
    assert!(first.has_next_page);
    assert!(!first.has_prev_page);

    let second = docs
        .versions(id, crate::fixtures::paging(3, 3))
        .await
        .expect("page 2");
    let nums: Vec<_> = second.docs.iter().map(|v| v.version_number).collect();
    assert_eq!(nums, vec![4, 3, 2]);
    assert_eq!((second.page, second.offset, second.total_docs), (2, 3, 7));
    assert!(second.has_next_page);
    assert!(second.has_prev_page);

    let last = docs
        .versions(id, crate::fixtures::paging(3, 6))
        .await
        .expect("page 3");
    let nums: Vec<_> = last.docs.iter().map(|v| v.version_number).collect();
    assert_eq!(nums, vec![1]);
    assert_eq!(last.page, 3);
    assert!(!last.has_next_page);
    assert!(last.has_prev_page);

    let beyond = docs
        .versions(id, crate::fixtures::paging(3, 30))
        .await
        .expect("beyond the end");
    assert!(beyond.docs.is_empty());
    assert_eq!(beyond.total_docs, 7);
    assert!(!beyond.has_next_page);

    // Out-of-range pages cannot even be asked for: `Paging` refuses them, naming the number.
    for (limit, offset, path) in [(0, 0, "limit"), (1001, 0, "limit"), (1, u64::MAX, "offset")] {
        assert!(matches!(
            aphex_core::query::Paging::new(limit, offset),
            Err(Error::InvalidQuery { path: p, .. }) if p == path
        ));
    }
    assert!(matches!(
        docs.versions(Uuid::new_v4(), crate::fixtures::paging(10, 0))
            .await,
        Err(Error::NotFound {
            entity: "document",
            ..
        })
    ));
}

/// One snapshot by number; `None` for a number or document that does not exist.
pub async fn get_by_number(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = post_with_versions(docs, 3).await;
    let listed = docs
        .versions(id, crate::fixtures::paging(10, 0))
        .await
        .expect("versions");
    for n in 1..=4 {
        let v = docs.version(id, n).await.expect("version").expect("exists");
        assert_eq!(v.version_number, n);
        assert_eq!(v.data, json!({"title": format!("v{n}")}));
        assert_eq!(
            Some(&v),
            listed.docs.iter().find(|l| l.version_number == n),
            "get and list return the same snapshot"
        );
    }
    assert!(docs.version(id, 5).await.expect("version 5").is_none());
    assert!(docs.version(id, 0).await.expect("version 0").is_none());
    assert!(
        docs.version(Uuid::new_v4(), 1)
            .await
            .expect("unknown document")
            .is_none()
    );
}

/// Restore makes the snapshot's data the draft again through a compare-and-swap update: the
/// revision goes up by one and a new draft snapshot is written; the published copy is untouched.
pub async fn restore_makes_a_snapshot_the_draft_again(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = post_with_versions(docs, 2).await; // v1, v2, v3; revision 3
    let published = docs
        .publish(id, WriteOptions::default())
        .await
        .expect("publish"); // v4 (publish)
    assert_eq!(published.revision, 3);

    let restored = docs
        .restore(id, 1, WriteOptions::default().expect_revision(3).user("u9"))
        .await
        .expect("restore");
    assert_eq!(restored.draft_data, Some(json!({"title": "v1"})));
    assert_eq!(restored.revision, 4);
    assert_eq!(restored.updated_by.as_deref(), Some("u9"));
    assert_eq!(restored.status, DocumentStatus::Published);
    assert_eq!(restored.published_data, Some(json!({"title": "v3"})));
    assert_eq!(restored.published_hash, published.published_hash);

    let stored = docs
        .find_by_id(id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored, restored);

    let latest = docs
        .versions(id, crate::fixtures::paging(1, 0))
        .await
        .expect("versions");
    assert_eq!(latest.total_docs, 5);
    let v5 = &latest.docs[0];
    assert_eq!(v5.version_number, 5);
    assert_eq!(v5.event_type, VersionEvent::Draft);
    assert_eq!(v5.data, json!({"title": "v1"}));
    assert_eq!(v5.created_by.as_deref(), Some("u9"));

    // Restoring the publish snapshot works too, without a guard.
    let again = docs
        .restore(id, 4, WriteOptions::default())
        .await
        .expect("restore publish snapshot");
    assert_eq!(again.draft_data, Some(json!({"title": "v3"})));
    assert_eq!(again.revision, 5);
}

/// A stale expected revision is a `RevisionConflict` with the current revision, and nothing is
/// written (no draft change, no snapshot).
pub async fn restore_honours_the_expected_revision(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = post_with_versions(docs, 2).await; // revision 3
    let err = docs
        .restore(id, 1, WriteOptions::default().expect_revision(2))
        .await
        .expect_err("stale restore");
    assert!(
        matches!(err, Error::RevisionConflict { current: 3 }),
        "{err:?}"
    );
    let stored = docs
        .find_by_id(id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.revision, 3);
    assert_eq!(stored.draft_data, Some(json!({"title": "v3"})));
    assert_eq!(
        numbers(docs, id).await,
        vec![3, 2, 1],
        "no snapshot written"
    );

    let ok = docs
        .restore(id, 1, WriteOptions::default().expect_revision(3))
        .await
        .expect("fresh restore");
    assert_eq!(ok.revision, 4);
    assert_eq!(numbers(docs, id).await, vec![4, 3, 2, 1]);
}

/// Restoring a version or document that does not exist is `NotFound`, and writes nothing.
pub async fn restore_of_an_unknown_version_is_not_found(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = post_with_versions(docs, 1).await;
    let err = docs
        .restore(id, 3, WriteOptions::default())
        .await
        .expect_err("unknown version");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = docs
        .restore(Uuid::new_v4(), 1, WriteOptions::default())
        .await
        .expect_err("unknown document");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let stored = docs
        .find_by_id(id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.revision, 2);
    assert_eq!(numbers(docs, id).await, vec![2, 1]);
}

/// With retention 3, after 10 snapshots exactly the newest 3 remain (8, 9, 10), and numbering
/// continues from the newest: pruned numbers are never reused. Other documents are not affected.
pub async fn retention_keeps_the_newest_and_never_reuses_numbers(db: &TestDb) {
    let cms = db
        .cms_with(fixtures::schema_types(), fixtures::keep(3))
        .await;
    let docs = cms.documents();
    let other = post_with_versions(docs, 1).await;
    let id = post_with_versions(docs, 9).await;
    let list = docs
        .versions(id, crate::fixtures::paging(100, 0))
        .await
        .expect("versions");
    assert_eq!(list.total_docs, 3);
    let kept: Vec<_> = list
        .docs
        .iter()
        .map(|v| (v.version_number, v.data.clone()))
        .collect();
    assert_eq!(
        kept,
        vec![
            (10, json!({"title": "v10"})),
            (9, json!({"title": "v9"})),
            (8, json!({"title": "v8"})),
        ]
    );
    assert!(docs.version(id, 7).await.expect("v7").is_none());
    let page = db
        .adapter
        .list_versions(&Scope::default(), id, crate::fixtures::paging(100, 0))
        .await
        .expect("port");
    assert_eq!(page.total, 3, "pruned rows are gone from the store");

    docs.publish(id, WriteOptions::default())
        .await
        .expect("publish");
    docs.update_draft(id, json!({"title": "v12"}), WriteOptions::default())
        .await
        .expect("save");
    assert_eq!(numbers(docs, id).await, vec![12, 11, 10]);
    assert_eq!(numbers(docs, other).await, vec![2, 1]);
}

/// Without configuration 25 snapshots are kept.
pub async fn default_retention_is_25(db: &TestDb) {
    assert_eq!(aphex_core::service::DEFAULT_VERSION_RETENTION.get(), 25);
    let cms = aphex_core::Cms::builder()
        .database(db.adapter.clone())
        .schema_types(fixtures::schema_types())
        .build()
        .await
        .expect("build with defaults");
    let docs = cms.documents();
    let id = post_with_versions(docs, 29).await;
    assert_eq!(numbers(docs, id).await, (6..=30).rev().collect::<Vec<_>>());
}

/// Retention 0 keeps every snapshot.
pub async fn retention_zero_keeps_everything(db: &TestDb) {
    let cms = db
        .cms_with(fixtures::schema_types(), VersionRetention::All)
        .await;
    let docs = cms.documents();
    let id = post_with_versions(docs, 29).await;
    assert_eq!(numbers(docs, id).await, (1..=30).rev().collect::<Vec<_>>());
}

/// Concurrent saves of one document each get their own version number, with no gaps.
pub async fn concurrent_saves_get_distinct_numbers(db: &TestDb) {
    let cms = db
        .cms_with(fixtures::schema_types(), VersionRetention::All)
        .await;
    let id = post_with_versions(cms.documents(), 0).await;
    let writers = (0..10).map(|i| {
        let docs = cms.documents().clone();
        tokio::spawn(async move {
            docs.update_draft(
                id,
                json!({"title": format!("w{i}")}),
                WriteOptions::default(),
            )
            .await
        })
    });
    for result in futures::future::join_all(writers).await {
        result.expect("task").expect("save");
    }
    let list = cms
        .documents()
        .versions(id, crate::fixtures::paging(100, 0))
        .await
        .expect("versions");
    let nums: Vec<_> = list.docs.iter().map(|v| v.version_number).collect();
    assert_eq!(nums, (1..=11).rev().collect::<Vec<_>>());
    let doc = cms
        .documents()
        .find_by_id(id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    let draft = doc.draft_data.as_ref().expect("draft");
    if db.adapter.capabilities().transactions {
        // Document write and snapshot commit together, so snapshots are in write order.
        assert_eq!(
            &list.docs[0].data, draft,
            "the newest snapshot is the stored draft"
        );
    } else {
        // Without transactions the snapshot follows its write as a separate step (a declared
        // capability): every save is still snapshotted and the stored draft is one of them.
        let mut titles: Vec<&str> = list.docs[..10]
            .iter()
            .map(|v| v.data["title"].as_str().unwrap_or(""))
            .collect();
        titles.sort_unstable();
        let mut expected: Vec<String> = (0..10).map(|i| format!("w{i}")).collect();
        expected.sort_unstable();
        assert_eq!(titles, expected, "one snapshot per save");
        assert!(
            list.docs.iter().any(|v| &v.data == draft),
            "the draft was snapshotted"
        );
    }
}

/// Deleting a document deletes its snapshots: the service says NotFound, the port has nothing.
pub async fn deleting_the_document_deletes_its_versions(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let keep = post_with_versions(docs, 2).await;
    let id = post_with_versions(docs, 4).await;
    docs.publish(id, WriteOptions::default())
        .await
        .expect("publish");
    docs.delete(id).await.expect("delete");

    assert!(matches!(
        docs.versions(id, crate::fixtures::paging(10, 0)).await,
        Err(Error::NotFound {
            entity: "document",
            ..
        })
    ));
    let page = db
        .adapter
        .list_versions(&Scope::default(), id, crate::fixtures::paging(100, 0))
        .await
        .expect("port list");
    assert_eq!(page.total, 0);
    assert!(page.rows.is_empty());
    for n in 1..=6 {
        assert!(
            db.adapter
                .find_version(&Scope::default(), id, n)
                .await
                .expect("port")
                .is_none(),
            "version {n} is gone"
        );
    }
    assert_eq!(numbers(docs, keep).await, vec![3, 2, 1], "others untouched");
}
