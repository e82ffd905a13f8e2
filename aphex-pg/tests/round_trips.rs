//! PostgreSQL writes in as few round trips as the database allows: `create` is ONE statement
//! (the document and its first snapshot, a data-modifying `WITH`), with no BEGIN/COMMIT, and
//! keeps `create`'s guarantees.

mod common;

use aphex_core::ports::DatabaseAdapter;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::CreateDocument;
use aphex_core::{Cms, Error};
use common::PgTestDb;
use serde_json::json;
use std::sync::Arc;

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

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![create_is_one_statement_with_its_snapshot].run()
}
