//! The behaviour suite on a real S3-compatible server: `APHEX_TEST_S3_ENDPOINT`
//! (`http://127.0.0.1:<port>`, e.g. moto from `tools/s3-test-server`). Every test creates its own
//! bucket. Skipped (loudly) when the variable is unset; with `CI=true` that is a failure.
//!
//! Credentials are `APHEX_TEST_S3_ACCESS_KEY_ID` / `APHEX_TEST_S3_SECRET_ACCESS_KEY` (default
//! `testing`/`testing`: moto does not check signatures). The bucket is created with a plain
//! unsigned `PUT /<bucket>`, which moto accepts.

mod common;

/// The variable that points the tests at a server.
const ENDPOINT_VAR: &str = "APHEX_TEST_S3_ENDPOINT";

#[cfg(not(feature = "s3"))]
async fn s3_tests_need_the_s3_feature() {
    if std::env::var(ENDPOINT_VAR).is_ok_and(|v| !v.is_empty()) {
        panic!(
            "{ENDPOINT_VAR} is set but aphex-storage was built without the `s3` feature: \
             run `cargo test -p aphex-storage --features s3`"
        );
    }
    aphex_conformance::skip(
        "aphex-storage was built without the `s3` feature \
         (cargo test -p aphex-storage --features s3, with APHEX_TEST_S3_ENDPOINT set)",
    );
}

#[cfg(feature = "s3")]
mod s3 {
    use std::sync::Arc;

    use aphex_core::storage::StorageAdapter;
    use aphex_storage::object_store::{Attribute, ObjectStoreExt};
    use aphex_storage::{ObjectStoreAdapter, S3Config};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::ENDPOINT_VAR;
    use crate::common::Subject;

    /// Creates `bucket` with an unsigned `PUT /<bucket>` (HTTP/1.1, no client library needed).
    async fn create_bucket(endpoint: &str, bucket: &str) {
        let authority = endpoint
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("{ENDPOINT_VAR} must be http://host:port, got {endpoint}"))
            .trim_end_matches('/');
        let mut conn = TcpStream::connect(authority)
            .await
            .unwrap_or_else(|e| panic!("connect to {ENDPOINT_VAR}={endpoint}: {e}"));
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        conn.write_all(request.as_bytes()).await.expect("send");
        let mut response = Vec::new();
        conn.read_to_end(&mut response).await.expect("receive");
        let response = String::from_utf8_lossy(&response);
        let status = response.split_whitespace().nth(1);
        assert_eq!(status, Some("200"), "create bucket {bucket}: {response}");
    }

    fn config(endpoint: &str, bucket: &str) -> S3Config {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        S3Config::new(
            bucket,
            "us-east-1",
            var("APHEX_TEST_S3_ACCESS_KEY_ID", "testing"),
            var("APHEX_TEST_S3_SECRET_ACCESS_KEY", "testing"),
        )
        .with_endpoint(endpoint)
        .with_allow_http(endpoint.starts_with("http://"))
    }

    /// An adapter on a new bucket, or `None` when no server is configured (outside CI).
    async fn bucket() -> Option<(ObjectStoreAdapter, String)> {
        let endpoint = aphex_conformance::require_backend(ENDPOINT_VAR)?;
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let bucket = format!("aphex-t-{}", uuid::Uuid::new_v4().simple());
        create_bucket(&endpoint, &bucket).await;
        let adapter = ObjectStoreAdapter::s3(config(&endpoint, &bucket)).expect("s3 adapter");
        Some((adapter, format!("{endpoint}/{bucket}")))
    }

    pub(crate) async fn fresh() -> Option<Subject> {
        let (adapter, base_url) = bucket().await?;
        let raw = Arc::clone(adapter.object_store());
        Some(Subject {
            storage: Arc::new(adapter),
            raw,
            name: "s3",
            base_url,
            after: None,
            guard: Box::new(()),
        })
    }

    pub(crate) async fn the_content_type_is_stored() {
        let Some((adapter, _)) = bucket().await else {
            return;
        };
        adapter
            .store("id/pic.png", vec![0x89, b'P', b'N', b'G'], "image/png")
            .await
            .expect("store");
        let got = adapter
            .object_store()
            .get(&"id/pic.png".into())
            .await
            .expect("get");
        assert_eq!(
            got.attributes
                .get(&Attribute::ContentType)
                .map(|v| v.as_ref()),
            Some("image/png")
        );
    }

    pub(crate) async fn a_missing_bucket_fails_store() {
        let Some(endpoint) = aphex_conformance::require_backend(ENDPOINT_VAR) else {
            return;
        };
        let endpoint = endpoint.trim_end_matches('/');
        let bucket = format!("aphex-missing-{}", uuid::Uuid::new_v4().simple());
        let adapter = ObjectStoreAdapter::s3(config(endpoint, &bucket)).expect("s3 adapter");
        let err = adapter
            .store("id/x.txt", b"x".to_vec(), "text/plain")
            .await
            .expect_err("no such bucket");
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
        // S3 answers 404 to both, and a HEAD has no body to tell them apart: documented.
        assert!(!adapter.exists("id/x.txt").await.expect("exists"));
        assert!(matches!(
            adapter.read("id/x.txt").await,
            Err(aphex_core::Error::NotFound { .. })
        ));
    }

    /// Two stores racing for one path: at least one wins, every loser gets `Conflict`, and the
    /// file holds a winner's bytes. (Exactly one winner is what Amazon S3 guarantees; moto
    /// checks and writes without a lock, so this test only asserts what both guarantee.)
    pub(crate) async fn racing_stores_never_mix() {
        let Some((adapter, _)) = bucket().await else {
            return;
        };
        let adapter = Arc::new(adapter);
        let tasks: Vec<_> = (0u8..8)
            .map(|i| {
                let adapter = Arc::clone(&adapter);
                tokio::spawn(async move {
                    (
                        i,
                        adapter
                            .store("id/race.bin", vec![i; 4096], "application/octet-stream")
                            .await,
                    )
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (i, result) = task.await.expect("join");
            match result {
                Ok(()) => winners.push(i),
                Err(aphex_core::Error::Conflict { .. }) => {}
                Err(e) => panic!("store {i}: {e:?}"),
            }
        }
        assert!(!winners.is_empty());
        let bytes = adapter.read("id/race.bin").await.expect("read");
        assert!(
            winners.iter().any(|&i| bytes == vec![i; 4096]),
            "winners {winners:?}"
        );
        eprintln!(
            "racing_stores_never_mix: {} of 8 stores succeeded",
            winners.len()
        );
    }
}

#[cfg(feature = "s3")]
fn main() -> std::process::ExitCode {
    storage_tests!(s3::fresh)
        .test(
            "s3::the_content_type_is_stored",
            s3::the_content_type_is_stored,
        )
        .test(
            "s3::a_missing_bucket_fails_store",
            s3::a_missing_bucket_fails_store,
        )
        .test("s3::racing_stores_never_mix", s3::racing_stores_never_mix)
        .run()
}

#[cfg(not(feature = "s3"))]
fn main() -> std::process::ExitCode {
    aphex_conformance::tests![s3_tests_need_the_s3_feature].run()
}
