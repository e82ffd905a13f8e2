//! The application's SeaORM side on PostgreSQL: `aphex-sea/tests/shared/app_connection.rs`.

#[path = "../../aphex-sea/tests/shared/app_connection.rs"]
mod app_connection;
mod common;

use common::PgTestDb;

async fn entities_agree_with_the_cms_both_ways() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    app_connection::entities_agree_with_the_cms_both_ways(pg.migrated_adapter().await).await;
}

async fn cms_writes_join_the_applications_transaction() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    app_connection::cms_writes_join_the_applications_transaction(pg.migrated_adapter().await).await;
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        entities_agree_with_the_cms_both_ways,
        cms_writes_join_the_applications_transaction
    ]
    .run()
}
