//! The application's SeaORM side on SQLite: `aphex-sea/tests/shared/app_connection.rs`.

#[path = "../../aphex-sea/tests/shared/app_connection.rs"]
mod app_connection;

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

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        entities_agree_with_the_cms_both_ways,
        cms_writes_join_the_applications_transaction
    ]
    .run()
}
