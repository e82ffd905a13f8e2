//! `aphex-core` must never depend on a database crate: walk its normal dependency graph as
//! `cargo metadata` resolves it and look for any driver or ORM.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

const FORBIDDEN: [&str; 9] = [
    "sea-orm",
    "sea-query",
    "sqlx",
    "sqlx-core",
    "mongodb",
    "bson",
    "rusqlite",
    "postgres",
    "libsqlite3-sys",
];

fn normal_dependencies_of(metadata: &Value, root_name: &str) -> BTreeSet<String> {
    let packages: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("node id"), n))
        .collect();
    let root = packages
        .iter()
        .find(|(_, name)| **name == root_name)
        .map(|(id, _)| *id)
        .expect("root package in metadata");
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().expect("deps") {
            let normal = dep["dep_kinds"]
                .as_array()
                .expect("dep_kinds")
                .iter()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().expect("pkg");
            if normal && seen.insert(packages[dep_id].to_string()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

#[test]
fn aphex_core_has_no_database_dependency() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--manifest-path",
            manifest,
        ])
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "cargo metadata failed: {output:?}");
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");

    let deps = normal_dependencies_of(&metadata, "aphex-core");
    assert!(
        deps.contains("serde_json"),
        "the walk sees real dependencies: {deps:?}"
    );
    let found: Vec<_> = FORBIDDEN.iter().filter(|f| deps.contains(**f)).collect();
    assert!(found.is_empty(), "aphex-core depends on {found:?}");

    // The walk does find database crates where they belong.
    let sqlite = normal_dependencies_of(&metadata, "aphex-sqlite");
    assert!(sqlite.contains("sea-orm") && sqlite.contains("libsqlite3-sys"));
}
