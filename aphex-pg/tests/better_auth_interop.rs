//! Better Auth 1.7.5 (real npm package) and aphex-rs share a PostgreSQL database migrated by our
//! migration crate. See `interop/better-auth/`.

#[path = "../../interop/better-auth/round_trip.rs"]
mod better_auth;
mod common;

use common::PgTestDb;

async fn better_auth_and_aphex_share_a_postgres_database() {
    let Some(pg) = PgTestDb::create().await else {
        return;
    };
    let adapter = pg.migrated_adapter().await;
    let Some(ba) = better_auth::BetterAuth::available(&pg.url) else {
        return;
    };
    let cms = better_auth::cms(adapter).await;
    better_auth::round_trip(&cms, &ba).await;
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![better_auth_and_aphex_share_a_postgres_database].run()
}
