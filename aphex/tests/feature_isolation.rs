//! A backend that is not enabled is not compiled: for each backend feature of the facade on its
//! own, `cargo tree -e normal` (the graph cargo resolves for exactly those features) holds that
//! backend's driver and none of the others'.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates of `aphex` built with `--no-default-features --features <features>`.
fn crates_with(features: &str) -> BTreeSet<String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-e",
            "normal",
            "-p",
            "aphex",
            "--no-default-features",
        ])
        .args([
            "--features",
            features,
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .args(["--manifest-path", manifest])
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree failed: {output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_isolated(features: &str, expected: &[&str], forbidden: &[&str]) {
    let crates = crates_with(features);
    let missing: Vec<_> = expected.iter().filter(|c| !crates.contains(**c)).collect();
    assert!(
        missing.is_empty(),
        "--features {features}: expected {missing:?} in {crates:?}"
    );
    let found: Vec<_> = forbidden.iter().filter(|c| crates.contains(**c)).collect();
    assert!(
        found.is_empty(),
        "--features {features} compiles {found:?}, which belong to another backend"
    );
}

const SQLITE: [&str; 3] = ["aphex-sqlite", "sqlx-sqlite", "libsqlite3-sys"];
const POSTGRES: [&str; 2] = ["aphex-pg", "sqlx-postgres"];
const MONGODB: [&str; 3] = ["aphex-mongo", "mongodb", "bson"];
const SQL: [&str; 6] = [
    "sea-orm",
    "sea-query",
    "sqlx",
    "sqlx-core",
    "sea-orm-migration",
    "aphex-sea",
];

#[test]
fn postgres_alone_compiles_no_sqlite_or_mongodb_crate() {
    let forbidden: Vec<&str> = SQLITE.iter().chain(&MONGODB).copied().collect();
    assert_isolated("postgres", &POSTGRES, &forbidden);
}

#[test]
fn sqlite_alone_compiles_no_postgres_or_mongodb_crate() {
    let forbidden: Vec<&str> = POSTGRES.iter().chain(&MONGODB).copied().collect();
    assert_isolated("sqlite", &SQLITE, &forbidden);
}

#[test]
fn mongodb_alone_compiles_no_sqlx_or_sea_orm() {
    let forbidden: Vec<&str> = SQL
        .iter()
        .chain(&SQLITE)
        .chain(&POSTGRES)
        .copied()
        .collect();
    assert_isolated("mongodb", &MONGODB, &forbidden);
}

#[test]
fn no_backend_compiles_no_driver() {
    let forbidden: Vec<&str> = SQL
        .iter()
        .chain(&SQLITE)
        .chain(&POSTGRES)
        .chain(&MONGODB)
        .copied()
        .collect();
    assert_isolated("", &["aphex-core"], &forbidden);
}
