//! The application's SeaORM side on PostgreSQL: `aphex-sea/tests/shared/app_connection.rs`;
//! and a write and its event land together (`aphex-sea/tests/shared/event_atomicity.rs`).

#[path = "../../aphex-sea/tests/shared/app_connection.rs"]
mod app_connection;
mod common;
#[path = "../../aphex-sea/tests/shared/event_atomicity.rs"]
mod event_atomicity;

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

async fn a_write_whose_event_fails_is_not_written() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    event_atomicity::a_write_whose_event_fails_is_not_written(
        pg.migrated_adapter().await,
        &[
            "CREATE FUNCTION aphex_test_refuse_events() RETURNS trigger LANGUAGE plpgsql \
             AS $$ BEGIN RAISE EXCEPTION 'events refused by the test'; END $$",
            "CREATE TRIGGER aphex_test_refuse_events BEFORE INSERT ON cms_events \
             FOR EACH ROW EXECUTE FUNCTION aphex_test_refuse_events()",
        ],
        &["DROP TRIGGER aphex_test_refuse_events ON cms_events"],
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
