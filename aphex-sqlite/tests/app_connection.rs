//! The application's SeaORM side on SQLite: `aphex-sea/tests/shared/app_connection.rs`; and
//! a write and its event land together (`aphex-sea/tests/shared/event_atomicity.rs`).

#[path = "../../aphex-sea/tests/shared/app_connection.rs"]
mod app_connection;
#[path = "../../aphex-sea/tests/shared/event_atomicity.rs"]
mod event_atomicity;

use aphex_migration::{Migrator, MigratorTrait};
use aphex_sqlite::SqliteAdapter;

async fn migrated(dir: &tempfile::TempDir) -> SqliteAdapter {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());
    let adapter = SqliteAdapter::connect(&url).await.expect("connect");
    Migrator::up(adapter.connection(), None)
        .await
        .expect("migrate");
    adapter
}

async fn entities_agree_with_the_cms_both_ways() {
    let dir = tempfile::tempdir().expect("tempdir");
    app_connection::entities_agree_with_the_cms_both_ways(migrated(&dir).await).await;
}

async fn cms_writes_join_the_applications_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    app_connection::cms_writes_join_the_applications_transaction(migrated(&dir).await).await;
}

async fn a_write_whose_event_fails_is_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    event_atomicity::a_write_whose_event_fails_is_not_written(
        migrated(&dir).await,
        &[
            "CREATE TRIGGER aphex_test_refuse_events BEFORE INSERT ON cms_events \
           BEGIN SELECT RAISE(ABORT, 'events refused by the test'); END",
        ],
        &["DROP TRIGGER aphex_test_refuse_events"],
    )
    .await;
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        entities_agree_with_the_cms_both_ways,
        cms_writes_join_the_applications_transaction,
        a_write_whose_event_fails_is_not_written
    ]
    .run()
}
