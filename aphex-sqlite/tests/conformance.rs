//! The conformance suite on SQLite: every test gets its own database file in a temp directory.

use aphex_conformance::TestDb;
use aphex_migration::{Migrator, MigratorTrait};
use aphex_sqlite::SqliteAdapter;

async fn fresh() -> Option<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("conformance.db").display()
    );
    let adapter = SqliteAdapter::connect(&url).await.expect("connect");
    Migrator::up(adapter.connection(), None)
        .await
        .expect("migrate");
    Some(TestDb::new(adapter, dir))
}

fn main() -> std::process::ExitCode {
    aphex_conformance::Suite::new().conformance(fresh).run()
}
