//! `SqliteAdapter::connect`: files and `sqlite::memory:`, and the per-connection settings.

use aphex_core::Cms;
use aphex_core::ports::DatabaseAdapter;
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::CreateDocument;
use aphex_migration::{Migrator, MigratorTrait};
use aphex_sqlite::SqliteAdapter;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

async fn pragma(db: &SqliteAdapter, name: &str) -> String {
    let row = db
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .expect("pragma")
        .expect("a row");
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .expect("pragma value")
}

#[tokio::test]
async fn in_memory_database_works_end_to_end() {
    let db = SqliteAdapter::connect("sqlite::memory:")
        .await
        .expect("connect");
    Migrator::up(db.connection(), None).await.expect("migrate");
    db.health().await.expect("healthy");
    let cms = Cms::builder()
        .database(db)
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let doc = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "in memory"})))
        .await
        .expect("create");
    let read = cms
        .documents()
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(read.draft_data, Some(json!({"text": "in memory"})));
}

#[tokio::test]
async fn file_connections_use_wal_foreign_keys_and_a_busy_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());
    let db = SqliteAdapter::connect(&url).await.expect("connect");
    // Several rounds so that more than one pooled connection is checked.
    for _ in 0..4 {
        assert_eq!(pragma(&db, "journal_mode").await, "wal");
        assert_eq!(pragma(&db, "foreign_keys").await, "1");
        assert_eq!(pragma(&db, "busy_timeout").await, "10000");
        assert_eq!(
            pragma(&db, "synchronous").await,
            "2",
            "FULL: acknowledged commits are durable"
        );
    }
    assert!(
        dir.path().join("app.db").exists(),
        "the file is created on first connect"
    );
}

#[tokio::test]
async fn a_url_of_another_backend_is_refused() {
    let err = SqliteAdapter::connect("postgres://nobody@127.0.0.1:1/none")
        .await
        .expect_err("not a sqlite url");
    assert!(
        matches!(&err, aphex_core::Error::Validation(e) if e.fields()[0].path == "url"),
        "{err:?}"
    );
}

/// A writer that cannot get the write lock within the busy timeout (another process — here
/// another pool — holds it) fails retryably with `Transient::Busy`; once the lock is free the
/// same call works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_database_is_retryable() {
    use aphex_core::{ErrorKind, Transient};
    use aphex_sqlite::SqliteOptions;
    use std::time::Duration;

    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
    let holder = SqliteAdapter::connect(&url).await.expect("connect");
    Migrator::up(holder.connection(), None)
        .await
        .expect("migrate");
    let writer = SqliteAdapter::connect_with(
        &url,
        SqliteOptions::new().busy_timeout(Duration::from_millis(200)),
    )
    .await
    .expect("connect a second pool");
    let cms = Cms::builder()
        .database(writer)
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let lock = holder.begin().await.expect("take the write lock");
    let err = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "waits"})))
        .await
        .expect_err("the database is locked");
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    assert_eq!(err.transient(), Some(Transient::Busy));
    assert!(err.is_retryable());
    lock.rollback().await.expect("release the lock");
    cms.documents()
        .create(CreateDocument::new("note", json!({"text": "now"})))
        .await
        .expect("works once the lock is free");
}
