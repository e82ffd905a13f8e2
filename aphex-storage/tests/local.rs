//! The behaviour suite on the local filesystem (a temp dir per test), plus what only a directory
//! can show: nothing lands outside the root, empty `<id>` directories are removed, and the root
//! is created when missing.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aphex_core::storage::StorageAdapter;
use aphex_storage::ObjectStoreAdapter;
use common::Subject;

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A temp dir with the store at `<tmp>/root`: whatever is written outside `root` would show up
/// in `<tmp>`.
async fn fresh() -> Option<Subject> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("root");
    let adapter = ObjectStoreAdapter::local(&root, "/media/").expect("local adapter");
    let raw = Arc::clone(adapter.object_store());
    let outer = tmp.path().to_path_buf();
    Some(Subject {
        storage: Arc::new(adapter),
        raw,
        name: "local",
        base_url: "/media".into(),
        after: Some(Box::new(move || {
            let canonical_root = root.canonicalize().expect("root");
            for file in files(&outer) {
                let file = file.canonicalize().expect("file");
                assert!(
                    file.starts_with(&canonical_root),
                    "{} was written outside the root",
                    file.display()
                );
            }
        })),
        guard: Box::new(tmp),
    })
}

async fn the_root_is_created_with_its_parents() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("a/b/uploads");
    let storage = ObjectStoreAdapter::local(&root, "/media").expect("local adapter");
    storage
        .store("id/file.txt", b"hi".to_vec(), "text/plain")
        .await
        .expect("store");
    assert_eq!(
        std::fs::read(root.join("id/file.txt")).expect("on disk"),
        b"hi"
    );
    // An existing root is fine too.
    ObjectStoreAdapter::local(&root, "/media").expect("existing root");
}

async fn a_root_that_is_a_file_is_a_backend_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let err =
        ObjectStoreAdapter::local(file.join("root"), "/media").expect_err("a file is in the way");
    assert!(
        matches!(
            err,
            aphex_core::Error::Backend {
                backend: "object_store",
                ..
            }
        ),
        "{err:?}"
    );
}

async fn deleting_the_last_file_removes_its_directory() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let storage = ObjectStoreAdapter::local(tmp.path(), "/media").expect("local adapter");
    storage
        .store("id1/a.txt", b"a".to_vec(), "text/plain")
        .await
        .expect("store a");
    storage
        .store("id1/b.txt", b"b".to_vec(), "text/plain")
        .await
        .expect("store b");
    storage.delete("id1/a.txt").await.expect("delete a");
    assert!(tmp.path().join("id1").is_dir(), "b is still there");
    storage.delete("id1/b.txt").await.expect("delete b");
    assert!(
        !tmp.path().join("id1").exists(),
        "the empty directory is removed"
    );
    assert!(tmp.path().is_dir(), "the root stays");
}

/// What a process killed inside `store` leaves — `object_store`'s temporary `<path>#<n>` — is
/// listed as partial (object_store's own listing hides it) and `delete_listed` removes it with
/// its then-empty directory; `delete` still refuses such a path.
async fn an_interrupted_write_is_listed_as_partial() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let storage = ObjectStoreAdapter::local(tmp.path(), "/media").expect("local adapter");
    std::fs::create_dir(tmp.path().join("id1")).expect("mkdir");
    std::fs::write(tmp.path().join("id1").join("a.bin#12"), b"half").expect("plant");
    let listed = storage.list().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].path, "id1/a.bin#12");
    assert!(listed[0].partial);
    assert_eq!(listed[0].size, 4);
    assert!(
        storage.delete("id1/a.bin#12").await.is_err(),
        "not a safe path"
    );
    storage
        .delete_listed(&listed[0])
        .await
        .expect("delete listed");
    assert!(
        !tmp.path().join("id1").exists(),
        "the empty directory is removed"
    );
}

fn main() -> std::process::ExitCode {
    storage_tests!(fresh)
        .test(
            "an_interrupted_write_is_listed_as_partial",
            an_interrupted_write_is_listed_as_partial,
        )
        .test(
            "the_root_is_created_with_its_parents",
            the_root_is_created_with_its_parents,
        )
        .test(
            "a_root_that_is_a_file_is_a_backend_error",
            a_root_that_is_a_file_is_a_backend_error,
        )
        .test(
            "deleting_the_last_file_removes_its_directory",
            deleting_the_last_file_removes_its_directory,
        )
        .run()
}
