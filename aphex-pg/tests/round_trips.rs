//! PostgreSQL writes in as few round trips as the database allows: `create`, a draft save and
//! the publish write are each ONE statement (the write, its version snapshot and retention, a
//! data-modifying `WITH`), with no BEGIN/COMMIT, and keep their guarantees: compare-and-swap
//! exact, the same errors, nothing written by a refused write, consecutive snapshot numbers
//! under concurrent writers, retention exact.

mod common;

use aphex_core::ports::DatabaseAdapter;
use aphex_core::query::Paging;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{CreateDocument, VersionRetention, WriteOptions};
use aphex_core::{Cms, Error};
use aphex_pg::PostgresAdapter;
use common::PgTestDb;
use serde_json::json;
use std::num::NonZeroU32;
use std::sync::Arc;

async fn cms(adapter: Arc<PostgresAdapter>, retention: VersionRetention) -> Cms {
    Cms::builder()
        .database(adapter)
        .schema_type(
            SchemaTypeDef::document("note", "Note").field(FieldDef::string("text").required()),
        )
        .version_retention(retention)
        .build()
        .await
        .expect("cms")
}

/// Every snapshot number of a document, oldest first.
async fn numbers(cms: &Cms, id: uuid::Uuid) -> Vec<i64> {
    let page = cms
        .documents()
        .versions(id, Paging::new(1000, 0).expect("paging"))
        .await
        .expect("versions");
    let mut numbers: Vec<i64> = page.docs.iter().map(|v| v.version_number).collect();
    numbers.reverse();
    numbers
}

async fn create_is_one_statement_with_its_snapshot() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let adapter = Arc::new(pg.migrated_adapter().await);
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let docs = cms.documents();

    let before = adapter.statement_count();
    let created = docs
        .create(CreateDocument::new("note", json!({"text": "one trip"})).created_by("u1"))
        .await
        .expect("create");
    assert_eq!(
        adapter.statement_count() - before,
        1,
        "one statement (the transaction path sends two, between a BEGIN and a COMMIT)"
    );
    assert_eq!(
        (created.revision, created.updated_by.as_deref()),
        (1, Some("u1"))
    );
    let versions = docs
        .versions(created.id, Default::default())
        .await
        .expect("versions");
    assert_eq!(versions.total_docs, 1);
    let first = &versions.docs[0];
    assert_eq!(first.version_number, 1);
    assert_eq!(Some(&first.data), created.draft_data.as_ref());
    assert_eq!(
        (first.created_by.as_deref(), first.created_at),
        (Some("u1"), created.created_at)
    );

    // A taken id: the statement fails as a whole, with the same error as before.
    let again = docs
        .create(CreateDocument::new("note", json!({"text": "twice"})).id(created.id))
        .await
        .expect_err("taken");
    assert!(matches!(&again, Error::Conflict { .. }), "{again:?}");
    let versions = docs
        .versions(created.id, Default::default())
        .await
        .expect("versions");
    assert_eq!(versions.total_docs, 1, "no snapshot of the refused create");
}

async fn draft_save_and_publish_are_one_statement_each() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let adapter = Arc::new(pg.migrated_adapter().await);
    let cms = cms(adapter.clone(), VersionRetention::default()).await;
    let docs = cms.documents();
    let created = docs
        .create(CreateDocument::new("note", json!({"text": "v1"})))
        .await
        .expect("create");

    let before = adapter.statement_count();
    let saved = docs
        .update_draft(
            created.id,
            json!({"text": "v2"}),
            WriteOptions::new().expect_revision(1).user("u2"),
        )
        .await
        .expect("save");
    assert_eq!(
        adapter.statement_count() - before,
        1,
        "a draft save is one statement"
    );
    assert_eq!(saved.revision, 2);

    // Publish: the read, then the guarded write with its snapshot (the note has no reference
    // fields, so no target lookup).
    let before = adapter.statement_count();
    let published = docs
        .publish(created.id, WriteOptions::new().user("u3"))
        .await
        .expect("publish");
    assert_eq!(
        adapter.statement_count() - before,
        2,
        "read + one write statement"
    );
    assert_eq!(published.published_data, Some(json!({"text": "v2"})));
    assert_eq!(
        published.revision, 2,
        "publishing does not move the revision"
    );

    let versions = docs
        .versions(created.id, Paging::default())
        .await
        .expect("versions");
    let got: Vec<_> = versions
        .docs
        .iter()
        .map(|v| {
            (
                v.version_number,
                v.event_type.as_str(),
                v.data.clone(),
                v.created_by.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "publish", json!({"text": "v2"}), Some("u3".into())),
            (2, "draft", json!({"text": "v2"}), Some("u2".into())),
            (1, "draft", json!({"text": "v1"}), None),
        ]
    );
    assert_eq!(versions.docs[0].created_at, published.updated_at);
    assert_eq!(versions.docs[1].created_at, saved.updated_at);

    // A stale revision: the same error as before, and nothing written.
    let stale = docs
        .update_draft(
            created.id,
            json!({"text": "lost"}),
            WriteOptions::new().expect_revision(1),
        )
        .await
        .expect_err("stale");
    assert!(
        matches!(stale, Error::RevisionConflict { current: 2 }),
        "{stale:?}"
    );
    let stale = docs
        .publish(created.id, WriteOptions::new().expect_revision(1))
        .await
        .expect_err("stale publish");
    assert!(
        matches!(stale, Error::RevisionConflict { current: 2 }),
        "{stale:?}"
    );
    let missing = docs
        .update_draft(
            uuid::Uuid::new_v4(),
            json!({"text": "x"}),
            WriteOptions::new(),
        )
        .await
        .expect_err("missing");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    assert_eq!(numbers(&cms, created.id).await, vec![1, 2, 3]);
    let current = docs
        .find_by_id(created.id, Default::default(), 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(current.draft_data, Some(json!({"text": "v2"})));
}

/// 16 writers save one document at once, unguarded (every save lands) and guarded (exactly
/// one save per revision lands): snapshot numbers stay consecutive and each snapshot holds the
/// data of the save that took it.
async fn concurrent_saves_get_consecutive_snapshots() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let adapter = Arc::new(pg.migrated_adapter().await);
    let cms = cms(adapter, VersionRetention::All).await;
    let id = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "start"})))
        .await
        .expect("create")
        .id;
    let mut tasks = Vec::new();
    for task in 0..16 {
        let cms = cms.clone();
        tasks.push(tokio::spawn(async move {
            let mut landed = Vec::new();
            for i in 0..20 {
                let text = format!("t{task}-{i}");
                let doc = cms
                    .documents()
                    .update_draft(id, json!({ "text": text }), WriteOptions::new())
                    .await
                    .expect("an unguarded save lands");
                landed.push((doc.revision, text.clone()));
                // A guarded save: lands only when nobody moved the revision in between.
                match cms
                    .documents()
                    .update_draft(
                        id,
                        json!({ "text": format!("{text}-cas") }),
                        WriteOptions::new().expect_revision(doc.revision),
                    )
                    .await
                {
                    Ok(doc) => landed.push((doc.revision, format!("{text}-cas"))),
                    Err(Error::RevisionConflict { .. }) => {}
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
            landed
        }));
    }
    let mut landed = Vec::new();
    for t in tasks {
        landed.extend(t.await.expect("task"));
    }
    landed.sort();
    let final_doc = cms
        .documents()
        .find_by_id(id, Default::default(), 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        final_doc.revision,
        1 + landed.len() as i64,
        "every landed save moved the revision once"
    );
    let revisions: Vec<i64> = landed.iter().map(|(r, _)| *r).collect();
    assert_eq!(revisions, (2..=final_doc.revision).collect::<Vec<_>>());
    let versions = cms
        .documents()
        .versions(id, Paging::new(1000, 0).expect("paging"))
        .await
        .expect("versions");
    assert_eq!(
        numbers(&cms, id).await,
        (1..=final_doc.revision).collect::<Vec<_>>(),
        "one snapshot per save, numbered without gaps or duplicates"
    );
    // Snapshot n holds the data of the save that made revision n (each save's snapshot is
    // taken under the row lock its write holds).
    for (revision, text) in &landed {
        let v = versions
            .docs
            .iter()
            .find(|v| v.version_number == *revision)
            .expect("snapshot");
        assert_eq!(v.data, json!({ "text": text }), "snapshot {revision}");
    }
}

async fn retention_is_exact_in_one_statement() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let adapter = Arc::new(pg.migrated_adapter().await);
    let keep = NonZeroU32::new(3).expect("3");
    let cms = cms(adapter, VersionRetention::Latest(keep)).await;
    let docs = cms.documents();
    let id = docs
        .create(CreateDocument::new("note", json!({"text": "0"})))
        .await
        .expect("create")
        .id;
    for i in 1..=5 {
        docs.update_draft(id, json!({ "text": i.to_string() }), WriteOptions::new())
            .await
            .expect("save");
    }
    assert_eq!(numbers(&cms, id).await, vec![4, 5, 6]);
    docs.publish(id, WriteOptions::new())
        .await
        .expect("publish");
    assert_eq!(numbers(&cms, id).await, vec![5, 6, 7]);
    // Restore is a draft save like any other.
    docs.restore(id, 5, WriteOptions::new())
        .await
        .expect("restore");
    assert_eq!(numbers(&cms, id).await, vec![6, 7, 8]);
    let restored = docs.version(id, 8).await.expect("read").expect("v8");
    assert_eq!(restored.data, json!({"text": "4"}));
}

/// The one-statement writes are prepared once per connection and reused (sqlx's statement
/// cache): on a pool of one connection, the session's `pg_prepared_statements` lists each
/// write statement once after many writes.
async fn write_statements_are_prepared_once() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    pg.migrated_adapter().await;
    let adapter = Arc::new(
        PostgresAdapter::connect_with(&pg.url, aphex_pg::PostgresOptions::new().max_connections(1))
            .await
            .expect("one connection"),
    );
    let cms = cms(adapter.clone(), VersionRetention::default()).await;
    for i in 0..5 {
        let doc = cms
            .documents()
            .create(CreateDocument::new(
                "note",
                json!({ "text": i.to_string() }),
            ))
            .await
            .expect("create");
        let doc = cms
            .documents()
            .update_draft(doc.id, json!({"text": "saved"}), WriteOptions::new())
            .await
            .expect("save");
        cms.documents()
            .publish(doc.id, WriteOptions::new())
            .await
            .expect("publish");
    }
    use sea_orm::ConnectionTrait;
    let rows = adapter
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'WITH \"doc\" AS %'",
        ))
        .await
        .expect("prepared statements of this session");
    let statements: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index(0).expect("text"))
        .collect();
    assert_eq!(
        statements.len(),
        3,
        "create, draft save and publish, each prepared once: {statements:#?}"
    );
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        write_statements_are_prepared_once,
        create_is_one_statement_with_its_snapshot,
        draft_save_and_publish_are_one_statement_each,
        concurrent_saves_get_consecutive_snapshots,
        retention_is_exact_in_one_statement,
    ]
    .run()
}
