//! The behaviour suite on object_store's in-memory store through [`ObjectStoreAdapter::new`]:
//! the constructor for any other store keeps the same guarantees.

mod common;

use std::sync::Arc;

use aphex_storage::ObjectStoreAdapter;
use aphex_storage::object_store::memory::InMemory;
use common::Subject;

async fn fresh() -> Option<Subject> {
    let raw = Arc::new(InMemory::new());
    let adapter = ObjectStoreAdapter::new("memory", raw.clone(), "https://cdn.example/assets//");
    Some(Subject {
        storage: Arc::new(adapter),
        raw,
        name: "memory",
        base_url: "https://cdn.example/assets".into(),
        after: None,
        guard: Box::new(()),
    })
}

fn main() -> std::process::ExitCode {
    storage_tests!(fresh).run()
}
