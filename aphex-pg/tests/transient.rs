//! Transient failures on a real PostgreSQL server are `Error::Unavailable` with
//! `is_retryable()`: a pool that has no free connection in time, a connection the server
//! terminates, a serialization failure, and a deadlock — which the unit of work resolves by
//! itself, running the aborted transaction again.

mod common;

use std::time::Duration;

use aphex_conformance::fixtures;
use aphex_core::query::Perspective;
use aphex_core::service::{CreateDocument, WriteOptions};
use aphex_core::{Cms, ErrorKind, Transient};
use aphex_pg::{PostgresAdapter, PostgresOptions};
use aphex_sea::{Dialect, map_db_err};
use common::PgTestDb;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::json;

fn sql(text: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, text.to_owned())
}

async fn cms(adapter: PostgresAdapter, keep: u32) -> Cms {
    Cms::builder()
        .database(adapter)
        .schema_types(fixtures::schema_types())
        .version_retention(fixtures::keep(keep))
        .build()
        .await
        .expect("cms")
}

/// A pool whose only connection is taken times out, retryably; once it is free again the
/// adapter works.
async fn a_pool_timeout_is_retryable() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    pg.migrated_adapter().await;
    let adapter = PostgresAdapter::connect_with(
        &pg.url,
        PostgresOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_millis(300)),
    )
    .await
    .expect("connect");
    let cms = cms(adapter, 25).await;
    let db = cms.adapter();
    let held = db.begin().await.expect("take the only connection");
    let err = db
        .find_document(cms.scope(), uuid::Uuid::new_v4())
        .await
        .expect_err("no connection is free");
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    assert_eq!(err.transient(), Some(Transient::PoolTimeout));
    assert!(err.is_retryable());
    held.rollback().await.expect("release");
    db.find_document(cms.scope(), uuid::Uuid::new_v4())
        .await
        .expect("works again");
}

/// A connection the server terminates mid-transaction fails retryably (`ConnectionLost`), and
/// the pool replaces it: the next call works without restarting anything.
async fn a_lost_connection_is_retryable_and_the_pool_recovers() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let adapter = pg.migrated_adapter().await;
    let admin = pg.connect().await;
    let tx = adapter.connection().begin().await.expect("begin");
    let pid: i32 = tx
        .query_one_raw(sql("SELECT pg_backend_pid()"))
        .await
        .expect("pid")
        .expect("a row")
        .try_get_by_index(0)
        .expect("an int");
    admin
        .execute_raw(sql(&format!("SELECT pg_terminate_backend({pid})")))
        .await
        .expect("terminate");
    let lost = tx
        .execute_raw(sql("SELECT 1"))
        .await
        .expect_err("the connection is gone");
    let err = map_db_err(Dialect::Postgres, "probe", lost);
    assert_eq!(err.transient(), Some(Transient::ConnectionLost), "{err:?}");
    assert!(err.is_retryable());
    drop(tx);
    let cms = cms(adapter, 25).await;
    cms.documents()
        .create(CreateDocument::new("post", json!({"title": "after"})))
        .await
        .expect("the pool recovered");
}

/// Two serializable transactions that read what the other writes: one is aborted with a
/// serialization failure, classified `TransactionAborted` (safe to run again).
async fn a_serialization_failure_is_a_retryable_abort() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let conn = pg.connect().await;
    conn.execute_unprepared(
        "CREATE TABLE t (k int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)",
    )
    .await
    .expect("setup");
    let a = conn.begin().await.expect("a");
    let b = conn.begin().await.expect("b");
    for tx in [&a, &b] {
        tx.execute_unprepared("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
            .await
            .expect("serializable");
        tx.execute_unprepared("SELECT sum(v) FROM t")
            .await
            .expect("read");
    }
    a.execute_unprepared("UPDATE t SET v = 1 WHERE k = 1")
        .await
        .expect("a writes");
    b.execute_unprepared("UPDATE t SET v = 1 WHERE k = 2")
        .await
        .expect("b writes");
    a.commit().await.expect("the first commit wins");
    let failed = b.commit().await.expect_err("the second cannot serialize");
    let err = map_db_err(Dialect::Postgres, "probe", failed);
    assert_eq!(
        err.transient(),
        Some(Transient::TransactionAborted),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

/// A deadlock between the CMS and another transaction: PostgreSQL aborts the CMS's draft save,
/// and the unit of work runs it again — the caller sees one successful save, the document has
/// exactly one more revision and one more snapshot.
async fn a_deadlocked_save_is_run_again_and_succeeds_once() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let cms = cms(pg.migrated_adapter().await, 1).await;
    let docs = cms.documents();
    let doc = docs
        .create(CreateDocument::new("post", json!({"title": "v1"})))
        .await
        .expect("create");
    let other = pg.connect().await;
    // The session that waits past its `deadlock_timeout` first finds the deadlock and aborts
    // itself: the CMS's (server default, 1 s) rather than this one's.
    other
        .execute_unprepared("SET deadlock_timeout = '20s'")
        .await
        .expect("slow deadlock detection here");
    let deadlocks = || async {
        let row = other
            .query_one_raw(sql(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
            ))
            .await
            .expect("stats")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a count")
    };
    let deadlocks_before = deadlocks().await;
    // The other transaction locks the document's only snapshot (which the save's retention
    // prune deletes) ...
    let tx = other.begin().await.expect("begin");
    tx.execute_unprepared(&format!(
        "SELECT 1 FROM cms_document_versions WHERE document_id = '{}' FOR UPDATE",
        doc.id
    ))
    .await
    .expect("lock the snapshot");
    // ... the save updates the document row, snapshots, and blocks on the prune ...
    let save = tokio::spawn({
        let cms = cms.clone();
        async move {
            cms.documents()
                .update_draft(doc.id, json!({"title": "v2"}), WriteOptions::new())
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ... and the other transaction now wants the document row the save holds: a deadlock.
    // PostgreSQL aborts the save (it waited first), so this update goes through; the save's
    // rerun then waits for this commit.
    tx.execute_unprepared(&format!(
        "UPDATE cms_documents SET updated_by = 'other' WHERE id = '{}'",
        doc.id
    ))
    .await
    .expect("the other transaction survives the deadlock");
    tx.commit().await.expect("commit the other transaction");
    let saved = save.await.expect("join").expect("the save succeeds");
    assert_eq!(saved.revision, 2, "one save, one revision");
    assert!(
        deadlocks().await > deadlocks_before,
        "a deadlock really happened"
    );
    let versions = docs
        .versions(doc.id, fixtures::paging(10, 0))
        .await
        .expect("versions");
    assert_eq!(versions.docs.len(), 1, "retention keeps one");
    assert_eq!(versions.docs[0].version_number, 2, "one snapshot per save");
    let read = docs
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.draft_data, Some(json!({"title": "v2"})));
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        a_pool_timeout_is_retryable,
        a_lost_connection_is_retryable_and_the_pool_recovers,
        a_serialization_failure_is_a_retryable_abort,
        a_deadlocked_save_is_run_again_and_succeeds_once,
    ]
    .run()
}
