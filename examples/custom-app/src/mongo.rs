//! The app on MongoDB: its own `mongodb::Client`, handed to the adapter. There is no migrator:
//! the app calls `ensure_schema` (the CMS's collections and indexes) and creates its own index.
//! On a replica set its writes and the CMS's share one transaction; on a standalone server
//! (no multi-document transactions) it writes one after the other.

use std::sync::Arc;

use aphex::Cms;
use aphex::mongodb::MongoAdapter;
use aphex::mongodb::mongodb::bson::{DateTime, Document, doc};
use aphex::mongodb::mongodb::{Client, IndexModel};
use aphex::ports::{AuthStore, DatabaseAdapter};
use aphex::query::Perspective;
use futures::TryStreamExt;
use tokio::sync::Mutex;

use crate::{AppResult, article_type, check, publish_article};

pub async fn run(url: &str) -> AppResult<()> {
    let client = Client::with_uri_str(url).await?;
    let db = client
        .default_database()
        .unwrap_or_else(|| client.database("custom_app"));
    let adapter = Arc::new(MongoAdapter::new(db.clone()).await?);
    adapter.ensure_schema().await?;
    let bookmarks = db.collection::<Document>("bookmarks");
    bookmarks
        .create_index(IndexModel::builder().keys(doc! {"userId": 1}).build())
        .await?;
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_types([article_type()])
        .build()
        .await?;

    let run = format!("{:x}", DateTime::now().timestamp_millis());
    let user_id = format!("user-{run}");
    let email = format!("grace-{run}@example.com");
    // The user in Better Auth's form (string `_id`, camelCase fields, BSON dates).
    let user = doc! {
        "_id": &user_id, "name": "Grace Hopper", "email": &email, "emailVerified": true,
        "image": null, "createdAt": DateTime::now(), "updatedAt": DateTime::now(),
    };
    let users = db.collection::<Document>("user");

    let article = if adapter.capabilities().transactions {
        // One transaction: the app's user, the CMS document, the app's bookmark.
        let mut session = client.start_session().await?;
        session.start_transaction().await?;
        let session = Arc::new(Mutex::new(session));
        users
            .insert_one(user)
            .session(&mut *session.lock().await)
            .await?;
        let cms_tx = cms.join(adapter.join(session.clone())?);
        let article = publish_article(cms_tx.documents()).await?;
        cms_tx.commit().await?;
        let mut guard = session.lock().await;
        bookmarks
            .insert_one(bookmark(&user_id, &article.id.to_string()))
            .session(&mut *guard)
            .await?;
        guard.commit_transaction().await?;
        article
    } else {
        let refused = adapter.join(Arc::new(Mutex::new(client.start_session().await?)));
        check(
            matches!(refused, Err(aphex::Error::Unsupported { .. })),
            "a standalone server refuses to join a transaction, by name (Unsupported)",
        )?;
        users.insert_one(user).await?;
        let article = publish_article(cms.documents()).await?;
        bookmarks
            .insert_one(bookmark(&user_id, &article.id.to_string()))
            .await?;
        article
    };
    check(
        adapter
            .find_user(&user_id)
            .await?
            .is_some_and(|u| u.email == email),
        "the user the app wrote with the driver reads back through the CMS",
    )?;
    check(
        cms.documents()
            .find_by_id(article.id, Perspective::Published, 0)
            .await?
            .is_some(),
        "the CMS document is published",
    )?;

    // The join of the app's collection with two CMS collections.
    let joined: Vec<Document> = bookmarks
        .aggregate([
            doc! {"$match": {"userId": &user_id}},
            doc! {"$lookup": {"from": "user", "localField": "userId", "foreignField": "_id", "as": "user"}},
            doc! {"$lookup": {"from": "cms_documents", "localField": "documentId", "foreignField": "_id", "as": "document"}},
        ])
        .await?
        .try_collect()
        .await?;
    println!("bookmarks joined with user and cms_documents: {joined:?}");
    let first = |d: &Document, key: &str| {
        d.get_array(key)
            .ok()
            .and_then(|a| a.first())
            .and_then(|v| v.as_document())
            .cloned()
    };
    let ok = matches!(joined.as_slice(), [b]
        if first(b, "user").is_some_and(|u| u.get_str("email") == Ok(email.as_str()))
            && first(b, "document").is_some_and(|d| d.get_str("type") == Ok("article")
                && d.get_str("publishedHash").ok() == article.published_hash.as_deref()));
    check(
        ok,
        "a $lookup of bookmarks with `user` and `cms_documents` finds the bookmark's user and document",
    )?;
    println!("custom-app on mongodb: all checks passed");
    Ok(())
}

fn bookmark(user_id: &str, document_id: &str) -> Document {
    doc! {"userId": user_id, "documentId": document_id, "note": "read later", "createdAt": DateTime::now()}
}
