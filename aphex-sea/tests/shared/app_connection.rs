//! The application's side of a SQL backend, shared by `aphex-sqlite` and `aphex-pg` (included
//! with `#[path]`, run on each): SeaORM `ActiveModel` writes on the CMS entities read back through
//! the CMS and the other way round, over the connection the adapter hands the application; and
//! CMS writes joined to the application's own transaction commit and roll back with it.

use std::sync::Arc;

use aphex_core::Cms;
use aphex_core::model::Role;
use aphex_core::ports::AuthStore;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::CreateDocument;
use aphex_sea::entity::{document, enums::DocumentStatus, user};
use aphex_sea::{DbUuid, SeaAdapter, SeaBackend};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

async fn cms<B: SeaBackend>(adapter: &Arc<SeaAdapter<B>>) -> Cms {
    Cms::builder()
        .database(adapter.clone())
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms")
}

/// Millisecond precision: what every backend stores.
fn millis(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).expect("in range")
}

/// `adapter` is on a migrated, empty database.
pub async fn entities_agree_with_the_cms_both_ways<B: SeaBackend>(adapter: SeaAdapter<B>) {
    let adapter = Arc::new(adapter);
    let cms = cms(&adapter).await;
    let conn = adapter.connection();
    let now = millis(chrono::Utc::now());

    // ActiveModel → CMS.
    user::ActiveModel {
        id: Set("u-entity".into()),
        name: Set("Entity".into()),
        email: Set("entity@example.com".into()),
        email_verified: Set(false),
        image: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .expect("user through an ActiveModel");
    let user = adapter
        .find_user_by_email("entity@example.com")
        .await
        .expect("read")
        .expect("the CMS finds the user");
    assert_eq!((user.id.as_str(), user.created_at), ("u-entity", now));

    let id = uuid::Uuid::new_v4();
    document::ActiveModel {
        id: Set(DbUuid(id)),
        doc_type: Set("note".into()),
        status: Set(DocumentStatus::Draft),
        draft_data: Set(Some(json!({"text": "from SeaORM"}))),
        published_data: Set(None),
        published_hash: Set(None),
        revision: Set(1),
        created_by: Set(Some("u-entity".into())),
        updated_by: Set(None),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version_count: Set(0),
        organization_id: Set(aphex_core::DEFAULT_ORGANIZATION_ID.into()),
    }
    .insert(conn)
    .await
    .expect("document through an ActiveModel");
    let read = cms
        .documents()
        .find_by_id(id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("the CMS finds the document by id");
    assert_eq!(read.draft_data, Some(json!({"text": "from SeaORM"})));
    assert_eq!((read.created_at, read.revision), (now, 1));
    let found = cms
        .documents()
        .find(
            &FindOptions::new()
                .doc_type("note")
                .filter(Where::path("text").equals("from SeaORM")),
        )
        .await
        .expect("find");
    assert_eq!(found.docs.iter().map(|d| d.id).collect::<Vec<_>>(), [id]);

    // CMS → entities: by id, and by a timestamp (compared as stored: the encodings must match).
    let created = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "from the CMS"})))
        .await
        .expect("create");
    let model = document::Entity::find_by_id(DbUuid(created.id))
        .one(conn)
        .await
        .expect("query")
        .expect("SeaORM finds the CMS document by id");
    assert_eq!(model.draft_data, Some(json!({"text": "from the CMS"})));
    assert_eq!((model.created_at, model.revision), (created.created_at, 1));
    let by_time = document::Entity::find()
        .filter(document::Column::CreatedAt.eq(created.created_at))
        .filter(document::Column::Id.is_in([DbUuid(created.id), DbUuid(id)]))
        .all(conn)
        .await
        .expect("query by timestamp");
    assert_eq!(
        by_time.iter().map(|m| m.id).collect::<Vec<_>>(),
        [DbUuid(created.id)]
    );
}

/// CMS writes inside a transaction the application opened: they land with its commit, and a
/// failed CMS call rolled back to the join leaves the application's transaction usable.
pub async fn cms_writes_join_the_applications_transaction<B: SeaBackend>(adapter: SeaAdapter<B>) {
    let adapter = Arc::new(adapter);
    let cms = cms(&adapter).await;
    let conn = adapter.connection();
    let now = millis(chrono::Utc::now());
    let app_user = |id: &str| user::ActiveModel {
        id: Set(id.into()),
        name: Set(id.into()),
        email: Set(format!("{id}@example.com")),
        email_verified: Set(false),
        image: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let note = |text: &str| CreateDocument::new("note", json!({ "text": text }));
    let exists = |id| {
        let cms = &cms;
        async move {
            cms.documents()
                .find_by_id(id, Perspective::Draft, 0)
                .await
                .expect("read")
                .is_some()
        }
    };

    // Committed together.
    let txn = conn.begin().await.expect("begin");
    app_user("a").insert(&txn).await.expect("app row");
    let cms_tx = cms.join(adapter.join(&txn).await.expect("join"));
    let kept = cms_tx
        .documents()
        .create(note("kept"))
        .await
        .expect("create");
    cms_tx
        .commit()
        .await
        .expect("release into the app's transaction");
    assert!(!exists(kept.id).await, "not visible before the app commits");
    txn.commit().await.expect("commit");
    assert!(exists(kept.id).await);
    let versions = cms
        .documents()
        .versions(kept.id, Default::default())
        .await
        .expect("versions");
    assert_eq!(
        versions.total_docs, 1,
        "its version snapshot landed with it"
    );

    // A CMS call that fails (a profile of an unknown user: a foreign-key violation inside the
    // transaction) is rolled back to the join; the app's transaction goes on.
    let txn = conn.begin().await.expect("begin");
    app_user("b").insert(&txn).await.expect("app row");
    let cms_tx = cms.join(adapter.join(&txn).await.expect("join"));
    let dropped = cms_tx
        .documents()
        .create(note("dropped"))
        .await
        .expect("create");
    let refused = cms_tx
        .profiles()
        .create("no-such-user", Role::Editor, None)
        .await;
    assert!(refused.is_err(), "{refused:?}");
    cms_tx.rollback().await.expect("roll back to the join");
    app_user("c")
        .insert(&txn)
        .await
        .expect("the app's transaction is still usable");
    txn.commit().await.expect("commit");
    assert!(
        !exists(dropped.id).await,
        "the rolled-back CMS write is gone"
    );
    for id in ["b", "c"] {
        assert!(
            adapter.find_user(id).await.expect("read").is_some(),
            "app row {id}"
        );
    }

    // The app rolls back: the CMS's writes of the transaction go with it.
    let txn = conn.begin().await.expect("begin");
    let cms_tx = cms.join(adapter.join(&txn).await.expect("join"));
    let undone = cms_tx
        .documents()
        .create(note("undone"))
        .await
        .expect("create");
    cms_tx.commit().await.expect("release");
    txn.rollback().await.expect("rollback");
    assert!(!exists(undone.id).await);
    assert_eq!(
        cms.documents()
            .count(&FindOptions::new().doc_type("note"))
            .await
            .expect("count"),
        1
    );
}
