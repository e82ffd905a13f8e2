//! The document lifecycle and revision compare-and-swap.

use aphex_core::Error;
use aphex_core::model::DocumentStatus;
use aphex_core::query::Perspective;
use aphex_core::service::{CreateDocument, WriteOptions, publish_hash};
use serde_json::json;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(documents:
        lifecycle,
        two_writers_on_one_revision_exactly_one_wins,
        stale_publish_is_refused,
        no_expected_revision_last_write_wins,
        reserved_json_keys_round_trip,
    )
}

/// Create → read → edit → publish → edit again → unpublish → delete, checking every field the
/// lifecycle touches.
pub async fn lifecycle(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let created = docs
        .create(CreateDocument::new("post", json!({"title": "Hello", "views": 1})).created_by("u1"))
        .await
        .expect("create");
    assert_eq!(created.status, DocumentStatus::Draft);
    assert_eq!(created.revision, 1);
    assert_eq!(created.doc_type, "post");
    assert_eq!(
        created.draft_data,
        Some(json!({"title": "Hello", "views": 1}))
    );
    assert_eq!(created.published_data, None);
    assert_eq!(created.created_by.as_deref(), Some("u1"));
    assert_eq!(created.updated_by.as_deref(), Some("u1"));
    assert_eq!(created.created_at, created.updated_at);

    let read = docs
        .find_by_id(created.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, created, "a read returns exactly what create returned");
    assert!(
        docs.find_by_id(created.id, Perspective::Published, 0)
            .await
            .expect("read published")
            .is_none(),
        "a draft is invisible in the published perspective"
    );

    let edited = docs
        .update_draft(
            created.id,
            json!({"title": "Hello, world", "views": 2}),
            WriteOptions::default().expect_revision(1).user("u2"),
        )
        .await
        .expect("edit");
    assert_eq!(edited.revision, 2);
    assert_eq!(edited.updated_by.as_deref(), Some("u2"));
    assert_eq!(edited.created_by.as_deref(), Some("u1"));
    assert!(edited.updated_at >= created.updated_at);

    let published = docs
        .publish(
            created.id,
            WriteOptions::default().expect_revision(2).user("u3"),
        )
        .await
        .expect("publish");
    assert_eq!(published.status, DocumentStatus::Published);
    assert_eq!(
        published.revision, 2,
        "publish does not change the revision"
    );
    assert_eq!(published.published_data, edited.draft_data);
    let expected_hash = publish_hash(&json!({"title": "Hello, world", "views": 2}));
    assert_eq!(
        published.published_hash.as_deref(),
        Some(expected_hash.as_str())
    );
    assert!(published.published_at.is_some());
    let live = docs
        .find_by_id(created.id, Perspective::Published, 0)
        .await
        .expect("read published")
        .expect("published is visible");
    assert_eq!(
        live.published_data,
        Some(json!({"title": "Hello, world", "views": 2}))
    );

    let after = docs
        .update_draft(
            created.id,
            json!({"title": "Changed"}),
            WriteOptions::default(),
        )
        .await
        .expect("edit after publish");
    assert_eq!(
        after.status,
        DocumentStatus::Published,
        "still live after a draft edit"
    );
    assert_eq!(after.revision, 3);
    assert_eq!(
        after.published_data, published.published_data,
        "live copy unchanged"
    );
    assert_ne!(
        publish_hash(after.draft_data.as_ref().expect("draft")),
        after.published_hash.clone().expect("hash"),
        "a client can tell the draft differs from what is live"
    );

    let down = docs
        .unpublish(created.id, WriteOptions::default())
        .await
        .expect("unpublish");
    assert_eq!(down.status, DocumentStatus::Unpublished);
    assert_eq!(down.published_data, None);
    assert_eq!(down.published_hash, None);
    assert_eq!(down.draft_data, Some(json!({"title": "Changed"})));
    assert!(matches!(
        docs.unpublish(created.id, WriteOptions::default()).await,
        Err(Error::Validation(_))
    ));

    docs.delete(created.id).await.expect("delete");
    assert!(
        docs.find_by_id(created.id, Perspective::Draft, 0)
            .await
            .expect("read after delete")
            .is_none()
    );
    assert!(matches!(
        docs.delete(created.id).await,
        Err(Error::NotFound {
            entity: "document",
            ..
        })
    ));
}

/// Two writers holding revision 1 race; exactly one write lands, the other gets
/// `RevisionConflict { current: 2 }`, and the stored draft is the winner's.
pub async fn two_writers_on_one_revision_exactly_one_wins(db: &TestDb) {
    let cms = db.cms().await;
    let doc = cms
        .documents()
        .create(CreateDocument::new("post", json!({"title": "v1"})))
        .await
        .expect("create");
    for round in 0..5 {
        let rev = doc.revision + round;
        let a = cms.documents().clone();
        let b = cms.documents().clone();
        let (ra, rb) = tokio::join!(
            tokio::spawn(async move {
                a.update_draft(
                    doc.id,
                    json!({"title": "A"}),
                    WriteOptions::default().expect_revision(rev),
                )
                .await
            }),
            tokio::spawn(async move {
                b.update_draft(
                    doc.id,
                    json!({"title": "B"}),
                    WriteOptions::default().expect_revision(rev),
                )
                .await
            }),
        );
        let results = [ra.expect("task a"), rb.expect("task b")];
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one writer wins: {results:?}"
        );
        let loser = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .expect("one loses");
        assert!(
            matches!(loser, Error::RevisionConflict { current } if *current == rev + 1),
            "round {round}: the loser learns the current revision: {loser:?}"
        );
        let stored = cms
            .documents()
            .find_by_id(doc.id, Perspective::Draft, 0)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(stored.revision, rev + 1);
        assert_eq!(
            stored.draft_data, winners[0].draft_data,
            "the winner's data is stored"
        );
    }
}

/// Publishing with a stale revision is refused and changes nothing.
pub async fn stale_publish_is_refused(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let doc = docs
        .create(CreateDocument::new("post", json!({"title": "v1"})))
        .await
        .expect("create");
    docs.update_draft(doc.id, json!({"title": "v2"}), WriteOptions::default())
        .await
        .expect("edit");
    let err = docs
        .publish(doc.id, WriteOptions::default().expect_revision(1))
        .await
        .expect_err("stale publish");
    assert!(
        matches!(err, Error::RevisionConflict { current: 2 }),
        "{err:?}"
    );
    let stored = docs
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.status, DocumentStatus::Draft);
    assert_eq!(stored.published_data, None);
    let err = docs
        .update_draft(
            doc.id,
            json!({"title": "v3"}),
            WriteOptions::default().expect_revision(1),
        )
        .await
        .expect_err("stale draft update");
    assert!(
        matches!(err, Error::RevisionConflict { current: 2 }),
        "{err:?}"
    );
}

/// Without an expected revision every write lands, in order, and the revision counts them.
pub async fn no_expected_revision_last_write_wins(db: &TestDb) {
    let cms = db.cms().await;
    let doc = cms
        .documents()
        .create(CreateDocument::new("post", json!({"title": "start"})))
        .await
        .expect("create");
    let writers = (0..10).map(|i| {
        let docs = cms.documents().clone();
        tokio::spawn(async move {
            docs.update_draft(
                doc.id,
                json!({"title": format!("w{i}")}),
                WriteOptions::default(),
            )
            .await
        })
    });
    let results = futures::future::join_all(writers).await;
    let mut revisions: Vec<i64> = results
        .into_iter()
        .map(|r| r.expect("task").expect("unguarded write succeeds").revision)
        .collect();
    revisions.sort_unstable();
    assert_eq!(revisions, (2..=11).collect::<Vec<_>>(), "no update is lost");
    let stored = cms
        .documents()
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.revision, 11);
}

/// Keys that some databases reserve (`$`-prefixed, dotted, `%`) are data like any other: they
/// round-trip unchanged through drafts, publish, versions and asset metadata, and never act as
/// operators.
pub async fn reserved_json_keys_round_trip(db: &TestDb) {
    let cms = db.cms().await;
    let data = json!({
        "title": "$where",
        "$gt": {"$where": "1 == 1", "$in": [1, {"$ne": null}]},
        "a.b": {"c.d": [{"e.f": "dots"}], "%2E": "escaped-looking"},
        "50%": "percent",
        "mid$dle": true,
        "": "empty key"
    });
    let doc = cms
        .documents()
        .create(CreateDocument::new("post", data.clone()))
        .await
        .expect("create");
    assert_eq!(doc.draft_data.as_ref(), Some(&data));
    let read = cms
        .documents()
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.draft_data.as_ref(), Some(&data));
    let published = cms
        .documents()
        .publish(doc.id, WriteOptions::default())
        .await
        .expect("publish");
    assert_eq!(published.published_data.as_ref(), Some(&data));
    assert_eq!(
        published.published_hash.as_deref(),
        Some(publish_hash(&data).as_str())
    );
    let versions = cms
        .documents()
        .versions(doc.id, crate::fixtures::paging(10, 0))
        .await
        .expect("versions");
    assert!(
        versions.docs.iter().all(|v| v.data == data),
        "snapshots keep the keys"
    );
    // Matched literally: the value "$where" is a string, `$gt` is a field name.
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &aphex_core::query::FindOptions::new()
                .filter(aphex_core::query::Where::path("title").equals("$where")),
        ))
        .await
        .expect("query");
    assert_eq!(found.total_docs, 1);
    let asset = cms
        .assets()
        .create({
            let mut asset = crate::fixtures::text_file("a.txt");
            asset.metadata = Some(data.clone());
            asset
        })
        .await
        .expect("asset");
    let asset = cms
        .assets()
        .find_by_id(asset.id)
        .await
        .expect("read asset")
        .expect("exists");
    assert_eq!(asset.metadata, Some(data));
}
