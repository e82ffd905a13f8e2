//! The behaviour suite of a [`StorageAdapter`], written once and run on every backend (like
//! object_store's `integration.rs`). Each case takes a fresh, empty [`Subject`];
//! `storage_tests!(factory)` emits one test per case, where `factory` is an
//! `async fn() -> Option<Subject>` that returns `None` when the backend is not available.

#![allow(dead_code)]

use std::any::Any;
use std::sync::Arc;

use aphex_core::Error;
use aphex_core::storage::StorageAdapter;
use aphex_storage::object_store::ObjectStore;
use futures::TryStreamExt;

/// An empty store to run one case on.
pub struct Subject {
    /// The adapter under test.
    pub storage: Arc<dyn StorageAdapter>,
    /// The store underneath, to list everything that was written.
    pub raw: Arc<dyn ObjectStore>,
    /// The expected `name()`.
    pub name: &'static str,
    /// The expected `url()` prefix, without a trailing slash.
    pub base_url: String,
    /// Runs after the case (e.g. "nothing was written outside the root").
    pub after: Option<Box<dyn FnOnce() + Send>>,
    /// Kept alive for the case (a temp dir).
    pub guard: Box<dyn Any + Send>,
}

impl Subject {
    fn storage(&self) -> &dyn StorageAdapter {
        self.storage.as_ref()
    }

    /// Every key in the store, sorted.
    pub async fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .raw
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .expect("list the store");
        keys.sort();
        keys
    }

    /// Runs the `after` check.
    pub fn finish(mut self) {
        if let Some(after) = self.after.take() {
            after();
        }
    }
}

/// A fresh `<id>` prefix, as the asset service uses.
fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `len` bytes of every value, zeros included, in a pattern that is not periodic in 256.
fn binary(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if i % 97 == 0 { 0 } else { x.to_le_bytes()[0] }
        })
        .collect()
}

fn assert_not_found(result: aphex_core::Result<Vec<u8>>, what: &str) {
    match result {
        Err(Error::NotFound { entity, id }) => {
            assert_eq!(entity, "file");
            assert_eq!(id, what);
        }
        other => panic!("read {what}: expected NotFound, got {other:?}"),
    }
}

fn assert_unsafe<T: std::fmt::Debug>(result: aphex_core::Result<T>, op: &str, path: &str) {
    match result {
        Err(Error::Validation(errors)) => {
            assert_eq!(errors.0.len(), 1, "{op} {path:?}: {errors}");
            assert_eq!(errors.0[0].path, "path", "{op} {path:?}: {errors}");
        }
        other => panic!("{op} {path:?}: expected a validation error, got {other:?}"),
    }
}

pub async fn name_is_recorded(s: &Subject) {
    assert_eq!(s.storage().name(), s.name);
}

pub async fn binary_round_trip(s: &Subject) {
    let st = s.storage();
    let id = id();
    let small: Vec<u8> = [0u8, 0, 1, 0xFF, 0x7F, 0x80, b'\n', b'\r', 0]
        .into_iter()
        .chain(0..=255)
        .collect();
    let big = binary(1024 * 1024);
    assert!(big.contains(&0) && big.contains(&0xFF));
    let small_path = format!("{id}/bytes.bin");
    let big_path = format!("{id}/big.bin");
    st.store(&small_path, small.clone(), "application/octet-stream")
        .await
        .expect("store small");
    st.store(&big_path, big.clone(), "application/octet-stream")
        .await
        .expect("store 1 MiB");
    assert_eq!(st.read(&small_path).await.expect("read small"), small);
    let read = st.read(&big_path).await.expect("read 1 MiB");
    assert_eq!(read.len(), big.len());
    assert!(
        read == big,
        "the 1 MiB payload differs after the round trip"
    );
    // An empty content type is fine too.
    let empty_type = format!("{id}/untyped");
    st.store(&empty_type, vec![0], "")
        .await
        .expect("store without a type");
    assert_eq!(st.read(&empty_type).await.expect("read"), vec![0]);
}

pub async fn exists_only_for_stored_files(s: &Subject) {
    let st = s.storage();
    let id = id();
    let path = format!("{id}/a.txt");
    assert!(!st.exists(&path).await.expect("exists before"));
    st.store(&path, b"a".to_vec(), "text/plain")
        .await
        .expect("store");
    assert!(st.exists(&path).await.expect("exists after"));
    assert!(!st.exists(&format!("{id}/b.txt")).await.expect("sibling"));
    // A prefix is not a file.
    assert!(!st.exists(&id).await.expect("prefix"));
    assert_not_found(st.read(&id).await, &id);
}

pub async fn store_never_overwrites(s: &Subject) {
    let st = s.storage();
    let id = id();
    let path = format!("{id}/photo.png");
    st.store(&path, b"first".to_vec(), "image/png")
        .await
        .expect("first store");
    match st.store(&path, b"second!".to_vec(), "image/png").await {
        Err(Error::Conflict { entity, constraint }) => {
            assert_eq!(entity, "file");
            assert!(constraint.contains(&path), "{constraint}");
        }
        other => panic!("second store: expected Conflict, got {other:?}"),
    }
    assert_eq!(st.read(&path).await.expect("read"), b"first");
    assert_eq!(s.keys().await, vec![path], "no staging leftovers");
}

pub async fn read_missing_is_not_found(s: &Subject) {
    let path = format!("{}/missing.png", id());
    assert_not_found(s.storage().read(&path).await, &path);
}

pub async fn delete_removes(s: &Subject) {
    let st = s.storage();
    let path = format!("{}/gone.txt", id());
    st.store(&path, b"x".to_vec(), "text/plain")
        .await
        .expect("store");
    st.delete(&path).await.expect("delete");
    assert!(!st.exists(&path).await.expect("exists"));
    assert_not_found(st.read(&path).await, &path);
    assert_eq!(s.keys().await, Vec::<String>::new());
    // The path can be used again.
    st.store(&path, b"y".to_vec(), "text/plain")
        .await
        .expect("store again after delete");
    assert_eq!(st.read(&path).await.expect("read"), b"y");
}

pub async fn delete_missing_is_ok(s: &Subject) {
    let st = s.storage();
    let id = id();
    st.delete(&format!("{id}/never.txt"))
        .await
        .expect("delete a missing file");
    st.delete(&id).await.expect("delete a missing prefix");
}

/// `list` reports every stored file with its size (none partial); `delete_listed` removes one.
pub async fn list_reports_every_file(s: &Subject) {
    let st = s.storage();
    assert!(st.list().await.expect("list an empty store").is_empty());
    let (a, b) = (format!("{}/a.bin", id()), format!("{}/b.txt", id()));
    st.store(&a, vec![7; 1000], "application/octet-stream")
        .await
        .expect("store a");
    st.store(&b, b"bee".to_vec(), "text/plain")
        .await
        .expect("store b");
    let mut listed: Vec<(String, u64, bool)> = st
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|f| (f.path, f.size, f.partial))
        .collect();
    listed.sort();
    let mut expected = vec![(a.clone(), 1000, false), (b.clone(), 3, false)];
    expected.sort();
    assert_eq!(listed, expected);
    let first = st.list().await.expect("list").remove(0);
    st.delete_listed(&first).await.expect("delete listed");
    assert_eq!(st.list().await.expect("list").len(), 1);
}

/// Paths that `is_safe_path` refuses.
pub const UNSAFE_PATHS: &[&str] = &[
    "../x",
    "a/../../x",
    "/abs",
    "/etc/passwd",
    "a//b",
    "a/",
    ".hidden",
    "a/.env",
    "..",
    ".",
    "a b",
    "a\\b",
    "a\0b",
    "é.png",
    "",
];

pub async fn unsafe_paths_are_refused(s: &Subject) {
    let st = s.storage();
    for &path in UNSAFE_PATHS {
        assert_unsafe(
            st.store(path, b"evil".to_vec(), "text/plain").await,
            "store",
            path,
        );
        assert_unsafe(st.read(path).await, "read", path);
        assert_unsafe(st.exists(path).await, "exists", path);
        assert_unsafe(st.delete(path).await, "delete", path);
    }
    assert_eq!(s.keys().await, Vec::<String>::new(), "nothing was written");
}

pub async fn url_shape(s: &Subject) {
    let st = s.storage();
    let id = id();
    let path = format!("{id}/my-photo.png");
    assert_eq!(st.url(&path), format!("{}/{id}/my-photo.png", s.base_url));
    assert!(!s.base_url.ends_with('/'));
}

pub async fn paths_under_one_id_are_independent(s: &Subject) {
    let st = s.storage();
    let id = id();
    let a = format!("{id}/a.png");
    let b = format!("{id}/b.png");
    st.store(&a, b"AAA".to_vec(), "image/png")
        .await
        .expect("store a");
    st.store(&b, b"BB".to_vec(), "image/png")
        .await
        .expect("store b");
    assert_eq!(st.read(&a).await.expect("read a"), b"AAA");
    assert_eq!(st.read(&b).await.expect("read b"), b"BB");
    assert_eq!(s.keys().await, vec![a.clone(), b.clone()]);
    st.delete(&a).await.expect("delete a");
    assert!(!st.exists(&a).await.expect("a"));
    assert_eq!(st.read(&b).await.expect("b is kept"), b"BB");
}

/// A runner suite of the behaviour cases (`behaviour::<case>`); `$factory` is an
/// `async fn() -> Option<Subject>` (`None` without a server: the case is reported ignored).
#[macro_export]
macro_rules! storage_tests {
    ($factory:path) => {
        $crate::storage_tests!(@cases $factory;
            name_is_recorded,
            binary_round_trip,
            exists_only_for_stored_files,
            store_never_overwrites,
            read_missing_is_not_found,
            delete_removes,
            delete_missing_is_ok,
            unsafe_paths_are_refused,
            url_shape,
            paths_under_one_id_are_independent,
            list_reports_every_file,
        )
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        aphex_conformance::Suite::new()
        $(
            .test(concat!("behaviour::", stringify!($case)), || async {
                let Some(subject) = $factory().await else {
                    return;
                };
                $crate::common::$case(&subject).await;
                subject.finish();
            })
        )*
    };
}
