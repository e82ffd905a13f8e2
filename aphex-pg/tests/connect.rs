//! `PostgresAdapter::connect_with` applies its pool options; `PostgresAdapter::new` takes a
//! SeaORM connection the application already has.

mod common;

use std::time::Duration;

use aphex_core::ports::DatabaseAdapter;
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::CreateDocument;
use aphex_core::{Cms, Error};
use aphex_migration::{Migrator, MigratorTrait};
use aphex_pg::{PostgresAdapter, PostgresOptions};
use common::PgTestDb;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::json;

async fn options_set_the_statement_timeout() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let db = PostgresAdapter::connect_with(
        &pg.url,
        PostgresOptions::new()
            .max_connections(2)
            .statement_timeout(Some(Duration::from_millis(250))),
    )
    .await
    .expect("connect");
    let conn = db.connection();
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SHOW statement_timeout",
        ))
        .await
        .expect("show")
        .expect("row");
    assert_eq!(row.try_get_by_index::<String>(0).expect("text"), "250ms");
    let slow = conn
        .execute_unprepared("SELECT pg_sleep(2)")
        .await
        .expect_err("cancelled by the statement timeout");
    assert!(slow.to_string().contains("statement timeout"), "{slow}");
}

async fn new_uses_an_existing_connection() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let conn = Database::connect(&pg.url)
        .await
        .expect("app's own connection");
    Migrator::up(&conn, None).await.expect("migrate");
    let adapter = PostgresAdapter::new(conn).expect("adapter over it");
    adapter.health().await.expect("healthy");
    let cms = Cms::builder()
        .database(adapter)
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let doc = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "shared pool"})))
        .await
        .expect("create");
    let read = cms
        .documents()
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(read.draft_data, Some(json!({"text": "shared pool"})));
}

async fn connections_of_another_backend_are_refused() {
    let sqlite = Database::connect("sqlite::memory:").await.expect("sqlite");
    let err = PostgresAdapter::new(sqlite).expect_err("not PostgreSQL");
    assert!(
        matches!(
            err,
            Error::Unsupported {
                backend: "postgres",
                ..
            }
        ),
        "{err:?}"
    );
    let err = PostgresAdapter::connect("sqlite://x.db")
        .await
        .expect_err("not a postgres url");
    assert!(
        matches!(&err, Error::Validation(e) if e.fields()[0].path == "url"),
        "{err:?}"
    );
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        options_set_the_statement_timeout,
        new_uses_an_existing_connection,
        connections_of_another_backend_are_refused
    ]
    .run()
}
