//! Better Auth 1.7.5 (real npm package, with `@better-auth/mongo-adapter`) and aphex-rs share a
//! MongoDB database prepared by `MongoAdapter::ensure_schema`. See `interop/better-auth/`.

#[path = "../../interop/better-auth/round_trip.rs"]
mod better_auth;
mod common;

use common::MongoTestDb;

async fn better_auth_and_aphex_share_a_mongodb_database() {
    let Some(test) = MongoTestDb::create() else {
        return;
    };
    let adapter = test.adapter().await;
    let Some(ba) = better_auth::BetterAuth::available(&test.url_with_database()) else {
        return;
    };
    let cms = better_auth::cms(adapter).await;
    better_auth::round_trip(&cms, &ba).await;
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![better_auth_and_aphex_share_a_mongodb_database].run()
}
