//! Read replicas against a real streaming replica of the test server (`./scripts/test.sh`
//! starts one with `pg_basebackup -R`; `APHEX_TEST_POSTGRES_REPLICA_URL`). The test pauses the
//! replica's WAL replay to make its lag as large as it likes: reads routed to the replica then
//! miss a fresh write, and the read-your-writes window hides exactly that.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aphex_core::Cms;
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{CreateDocument, WriteOptions};
use aphex_pg::{PostgresAdapter, PostgresOptions};
use common::PgTestDb;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;

const WINDOW: Duration = Duration::from_millis(1500);

/// `SELECT pg_is_in_recovery()` through `conn`: true when the statement ran on the replica.
async fn on_replica(conn: &impl ConnectionTrait) -> bool {
    conn.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT pg_is_in_recovery()",
    ))
    .await
    .expect("pg_is_in_recovery")
    .expect("a row")
    .try_get_by_index(0)
    .expect("bool")
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resumes the replica's replay when dropped (also when the test fails).
struct Paused(DatabaseConnection);

impl Paused {
    async fn pause(replica: DatabaseConnection) -> Paused {
        replica
            .execute_unprepared("SELECT pg_wal_replay_pause()")
            .await
            .expect("pause replay");
        let paused = Paused(replica);
        eventually("replay is paused", async || {
            paused
                .0
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT pg_get_wal_replay_pause_state()::text",
                ))
                .await
                .ok()
                .flatten()
                .and_then(|r| r.try_get_by_index::<String>(0).ok())
                .is_some_and(|s| s == "paused")
        })
        .await;
        paused
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let replica = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(replica.execute_unprepared("SELECT pg_wal_replay_resume()"))
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .join();
    }
}

async fn reads_go_to_the_replica_and_read_your_writes_hides_its_lag() {
    let Some(replica_server) =
        aphex_conformance::require_backend("APHEX_TEST_POSTGRES_REPLICA_URL")
    else {
        return aphex_conformance::skip("no PostgreSQL replica configured");
    };
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    drop(pg.migrated_adapter().await);
    let replica_url = aphex_conformance::with_database(&replica_server, &pg.name);
    let mut connected = None;
    eventually(
        "the replica has the database and its migrated schema",
        async || {
            if connected.is_none() {
                connected = Database::connect(&replica_url).await.ok();
            }
            let Some(replica) = &connected else {
                return false;
            };
            replica
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT count(*) FROM aphex_migrations",
                ))
                .await
                .ok()
                .flatten()
                .and_then(|r| r.try_get_by_index::<i64>(0).ok())
                == Some(aphex_migration::migrations().len() as i64)
        },
    )
    .await;
    let replica = connected.expect("connected");

    let adapter = PostgresAdapter::connect_with(
        &pg.url,
        PostgresOptions::new()
            .read_replica(replica_url.clone())
            .read_your_writes(WINDOW),
    )
    .await
    .expect("connect with a replica");
    let adapter = Arc::new(adapter);
    assert!(
        on_replica(adapter.connection()).await,
        "a read with no write before goes to the replica"
    );
    let txn = adapter.connection().begin().await.expect("begin");
    assert!(!on_replica(&txn).await, "inside a transaction: the primary");
    txn.rollback().await.expect("rollback");

    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms (its schema sync writes to the primary)");
    let paused = Paused::pause(replica.clone()).await;

    let note = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "fresh"})))
        .await
        .expect("a write goes to the primary");
    let read = |id| {
        let cms = &cms;
        async move {
            cms.documents()
                .find_by_id(id, Perspective::Draft, 0)
                .await
                .expect("read")
        }
    };
    assert!(
        read(note.id).await.is_some(),
        "right after the write, the read stays on the primary: read-your-writes"
    );
    assert!(!on_replica(adapter.connection()).await);

    tokio::time::sleep(WINDOW + Duration::from_millis(200)).await;
    assert!(
        on_replica(adapter.connection()).await,
        "after the window, reads go to the replica"
    );
    assert!(
        read(note.id).await.is_none(),
        "the replica lags (replay paused): the lag is observable once the window has passed"
    );
    // A write after the window still goes to the primary (the replica would refuse it).
    let saved = cms
        .documents()
        .update_draft(note.id, json!({"text": "edited"}), WriteOptions::default())
        .await
        .expect("write after the window");
    assert_eq!(saved.revision, 2);

    drop(paused);
    tokio::time::sleep(WINDOW).await;
    eventually("the replica has caught up", async || {
        read(note.id)
            .await
            .is_some_and(|d| d.draft_data == Some(json!({"text": "edited"})))
    })
    .await;
    assert!(on_replica(adapter.connection()).await);
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![reads_go_to_the_replica_and_read_your_writes_hides_its_lag].run()
}
