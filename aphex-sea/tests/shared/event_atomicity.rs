//! A write and its event land together or not at all, on both SQL backends (included with
//! `#[path]` by `aphex-sqlite` and `aphex-pg`): with a trigger that refuses every insert into
//! `cms_events`, every kind of write fails and leaves the database as it was — the document,
//! its snapshots, the asset, the outbox — including PostgreSQL's one-statement writes. Without
//! the trigger, the same writes go through with their events.

use std::sync::Arc;

use aphex_core::Cms;
use aphex_core::model::AssetPatch;
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{CreateDocument, WriteOptions};
use aphex_sea::entity::{document_version, event, outbox};
use aphex_sea::{SeaAdapter, SeaBackend};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::json;

/// Rows of the tables a write touches, as one comparable value.
async fn counts<B: SeaBackend>(adapter: &SeaAdapter<B>) -> [u64; 3] {
    let conn = adapter.connection();
    [
        document_version::Entity::find()
            .count(conn)
            .await
            .expect("count"),
        event::Entity::find().count(conn).await.expect("count"),
        outbox::Entity::find().count(conn).await.expect("count"),
    ]
}

/// `adapter` is on a migrated, empty database; `refuse` makes every insert into `cms_events`
/// fail, `allow` undoes it.
pub async fn a_write_whose_event_fails_is_not_written<B: SeaBackend>(
    adapter: SeaAdapter<B>,
    refuse: &[&str],
    allow: &[&str],
) {
    let adapter = Arc::new(adapter);
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let docs = cms.documents();
    let note = |text: &str| CreateDocument::new("note", json!({ "text": text }));
    let draft = docs.create(note("draft")).await.expect("create");
    let live = docs.create(note("live")).await.expect("create");
    let live = docs
        .publish(live.id, WriteOptions::default())
        .await
        .expect("publish");
    let asset = cms
        .assets()
        .create(aphex_conformance::fixtures::text_file("a.txt"))
        .await
        .expect("asset");
    let before = counts(&adapter).await;

    for sql in refuse {
        adapter
            .connection()
            .execute_unprepared(sql)
            .await
            .expect("refuse events");
    }
    let any = WriteOptions::default;
    let refused = [
        ("create", docs.create(note("new")).await.err()),
        (
            "save",
            docs.update_draft(draft.id, json!({"text": "x"}), any())
                .await
                .err(),
        ),
        ("publish", docs.publish(draft.id, any()).await.err()),
        ("unpublish", docs.unpublish(live.id, any()).await.err()),
        ("restore", docs.restore(draft.id, 1, any()).await.err()),
        ("delete", docs.delete(draft.id).await.err()),
        (
            "asset create",
            cms.assets()
                .create(aphex_conformance::fixtures::text_file("b.txt"))
                .await
                .err(),
        ),
        (
            "asset update",
            cms.assets()
                .update(
                    asset.id,
                    &AssetPatch {
                        title: Some(Some("T".into())),
                        ..Default::default()
                    },
                )
                .await
                .err(),
        ),
        ("asset delete", cms.assets().delete(asset.id).await.err()),
    ];
    for (write, error) in &refused {
        assert!(error.is_some(), "{write} went through without its event");
    }
    assert_eq!(
        counts(&adapter).await,
        before,
        "no snapshot, event or outbox entry stayed"
    );
    let found = docs
        .find_by_id(draft.id, Perspective::Draft, 0)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(
        (found.revision, found.draft_data.clone()),
        (draft.revision, draft.draft_data.clone())
    );
    assert_eq!(found.status, draft.status);
    let found = docs
        .find_by_id(live.id, Perspective::Draft, 0)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(found.status, live.status, "still published");
    assert_eq!(docs.count(&Default::default()).await.expect("count"), 2);
    let kept = cms
        .assets()
        .find_by_id(asset.id)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(kept.title, asset.title);
    assert_eq!(
        cms.assets()
            .count(&Default::default(), &Default::default())
            .await
            .expect("count"),
        1
    );

    for sql in allow {
        adapter
            .connection()
            .execute_unprepared(sql)
            .await
            .expect("allow events");
    }
    docs.update_draft(draft.id, json!({"text": "y"}), any())
        .await
        .expect("save");
    let events = cms
        .events()
        .for_document(draft.id, 0, 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 2, "created, then the save that went through");
}
