//! The conformance suite on PostgreSQL: every test gets its own database, migrated, dropped
//! afterwards.

mod common;

use aphex_conformance::TestDb;
use common::PgTestDb;

async fn fresh() -> Option<TestDb> {
    let db = PgTestDb::create().await?;
    let adapter = db.migrated_adapter().await;
    Some(TestDb::new(adapter, db))
}

fn main() -> std::process::ExitCode {
    aphex_conformance::Suite::new().conformance(fresh).run()
}
