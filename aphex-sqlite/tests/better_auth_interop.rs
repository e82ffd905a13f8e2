//! Better Auth 1.7.5 (real npm package) and aphex-rs share a SQLite file migrated by our
//! migration crate. See `interop/better-auth/`.

#[path = "../../interop/better-auth/round_trip.rs"]
mod better_auth;

use aphex_migration::{Migrator, MigratorTrait};
use aphex_sqlite::SqliteAdapter;

async fn better_auth_and_aphex_share_a_sqlite_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let adapter = SqliteAdapter::connect(&url).await.expect("connect");
    Migrator::up(adapter.connection(), None)
        .await
        .expect("migrate");
    let Some(ba) = better_auth::BetterAuth::available(&format!("sqlite://{}", path.display()))
    else {
        return;
    };
    let cms = better_auth::cms(adapter).await;
    better_auth::round_trip(&cms, &ba).await;
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![better_auth_and_aphex_share_a_sqlite_database].run()
}
