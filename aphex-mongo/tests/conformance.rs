//! The conformance suite on MongoDB (the wire-protocol test server in CI, or a real MongoDB via
//! `APHEX_TEST_MONGODB_URL`): every test gets its own database, dropped afterwards.

mod common;

use aphex_conformance::TestDb;
use common::MongoTestDb;

async fn fresh() -> Option<TestDb> {
    let db = MongoTestDb::create()?;
    let adapter = db.adapter().await;
    Some(TestDb::new(adapter, db))
}

fn main() -> std::process::ExitCode {
    aphex_conformance::Suite::new().conformance(fresh).run()
}
