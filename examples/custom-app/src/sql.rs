//! The app on SQLite or PostgreSQL: its own SeaORM connection, handed to the adapter.

use std::sync::Arc;

use aphex::entities::{document, user};
use aphex::ports::AuthStore;
use aphex::query::Perspective;
use aphex::service::CreateDocument;
use aphex::{Cms, DbUuid, SeaAdapter, SeaBackend};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, RelationTrait, Set,
};
use serde_json::json;

use crate::bookmark;
use crate::{AppResult, article_type, check, publish_article};

/// One row of the join of the app's table with two CMS tables.
#[derive(Debug, FromQueryResult)]
struct BookmarkView {
    note: String,
    email: String,
    doc_type: String,
    published_hash: Option<String>,
}

pub async fn run<B: SeaBackend>(adapter: SeaAdapter<B>) -> AppResult<()> {
    // The app ran its own migrator (the CMS migrations composed with its own): check, change
    // nothing. `aphex::connect(url)` does the same for an app that opens by URL.
    aphex::migration::verify(adapter.connection().inner()).await?;
    println!("schema current ({} + the app's bookmarks)", B::NAME);

    let adapter = Arc::new(adapter);
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_types([article_type()])
        .build()
        .await?;
    // Every query of the app goes through this connection: it binds ids and timestamps the way
    // the CMS tables store them on every SQL backend.
    let conn = adapter.connection();

    // 1. One transaction: the app's user row (a SeaORM ActiveModel on the CMS entity), a CMS
    //    document created and published inside it, and the app's bookmark of that document.
    let run = uuid_like();
    let user_id = format!("user-{run}");
    let email = format!("grace-{run}@example.com");
    let now = chrono::Utc::now();
    let txn = conn.begin().await?;
    user::ActiveModel {
        id: Set(user_id.clone()),
        name: Set("Grace Hopper".into()),
        email: Set(email.clone()),
        email_verified: Set(true),
        image: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let cms_tx = cms.join(adapter.join(&txn).await?);
    let article = publish_article(cms_tx.documents()).await?;
    cms_tx.commit().await?;
    bookmark::ActiveModel {
        user_id: Set(user_id.clone()),
        document_id: Set(DbUuid(article.id)),
        note: Set("read later".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let stored = cms
        .documents()
        .find_by_id(article.id, Perspective::Published, 0)
        .await?;
    check(
        stored.is_some_and(|d| d.published_hash == article.published_hash),
        "the app's transaction committed its rows and the CMS document together",
    )?;
    let through_cms = adapter.find_user(&user_id).await?;
    check(
        through_cms.is_some_and(|u| {
            u.email == email && u.created_at.timestamp_millis() == now.timestamp_millis()
        }),
        "the user the app wrote with a SeaORM ActiveModel reads back through the CMS",
    )?;

    // 2. A write of the app that fails takes the CMS's writes of the same transaction with it.
    let before = cms.documents().count(&Default::default()).await?;
    let txn = conn.begin().await?;
    let cms_tx = cms.join(adapter.join(&txn).await?);
    let doomed = cms_tx
        .documents()
        .create(CreateDocument::new("article", json!({"title": "Never"})))
        .await?;
    cms_tx.commit().await?;
    let refused = bookmark::ActiveModel {
        user_id: Set("no-such-user".into()),
        document_id: Set(DbUuid(doomed.id)),
        note: Set("dangling".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    check(
        refused.is_err(),
        "a bookmark of an unknown user is refused by its foreign key to `user`",
    )?;
    txn.rollback().await?;
    let gone = cms
        .documents()
        .find_by_id(doomed.id, Perspective::Draft, 0)
        .await?
        .is_none();
    let after = cms.documents().count(&Default::default()).await?;
    check(
        gone && after == before,
        "rolling the app's transaction back removed the CMS document written in it",
    )?;

    // 3. SeaORM queries joining the app's table with the CMS entities.
    let views = bookmark::Entity::find()
        .select_only()
        .column(bookmark::Column::Note)
        .column_as(user::Column::Email, "email")
        .column_as(document::Column::DocType, "doc_type")
        .column_as(document::Column::PublishedHash, "published_hash")
        .join(JoinType::InnerJoin, bookmark::Relation::User.def())
        .join(JoinType::InnerJoin, bookmark::Relation::Document.def())
        .filter(document::Column::Id.eq(DbUuid(article.id)))
        .filter(user::Column::Email.eq(email.as_str()))
        .into_model::<BookmarkView>()
        .all(conn)
        .await?;
    println!("bookmarks joined with user and cms_documents: {views:?}");
    check(
        views.len() == 1
            && views[0].note == "read later"
            && views[0].email == email
            && views[0].doc_type == "article"
            && views[0].published_hash == article.published_hash,
        "a join of bookmarks with `user` and `cms_documents` finds the bookmark by document id",
    )?;
    let with_documents = bookmark::Entity::find()
        .find_also_related(document::Entity)
        .filter(bookmark::Column::UserId.eq(user_id.as_str()))
        .all(conn)
        .await?;
    check(
        matches!(with_documents.as_slice(),
            [(b, Some(d))] if d.id == DbUuid(article.id) && b.document_id == d.id
                && d.published_data == article.published_data),
        "find_also_related loads the CMS document model of the bookmark",
    )?;
    println!("custom-app on {}: all checks passed", B::NAME);
    Ok(())
}

/// A short unique suffix, so that the app can run again on the same database.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}")
}
