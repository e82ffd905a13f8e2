//! TLS to PostgreSQL (feature `tls`, rustls), against the server `./scripts/test.sh` starts
//! with `ssl=on`, a certificate from a CA made in the test run, and a `pg_hba.conf` that
//! accepts only TLS connections (`APHEX_TEST_POSTGRES_TLS_URL`, `APHEX_TEST_TLS_CA`, and
//! `APHEX_TEST_TLS_WRONG_CA`, a CA that did not sign the server's certificate).

use aphex_core::ports::DatabaseAdapter;
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::CreateDocument;
use aphex_core::{Cms, Error};
use aphex_migration::{Migrator, MigratorTrait};
use aphex_pg::PostgresAdapter;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

struct TlsServer {
    url: String,
    ca: String,
    wrong_ca: String,
}

fn server() -> Option<TlsServer> {
    Some(TlsServer {
        url: aphex_conformance::require_backend("APHEX_TEST_POSTGRES_TLS_URL")?,
        ca: aphex_conformance::require_backend("APHEX_TEST_TLS_CA")?,
        wrong_ca: aphex_conformance::require_backend("APHEX_TEST_TLS_WRONG_CA")?,
    })
}

fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

async fn verify_full_with_the_right_ca_connects_over_tls() {
    let Some(tls) = server() else {
        return aphex_conformance::skip("no TLS PostgreSQL server configured");
    };
    let url = with_params(
        &tls.url,
        &format!("sslmode=verify-full&sslrootcert={}", tls.ca),
    );
    let adapter = PostgresAdapter::connect(&url)
        .await
        .expect("verify-full connects");
    let row = adapter
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("pg_stat_ssl")
        .expect("a row for this backend");
    assert!(
        row.try_get_by_index::<bool>(0).expect("ssl"),
        "the session is encrypted"
    );
    let version: String = row.try_get_by_index(1).expect("version");
    assert!(version.starts_with("TLSv1."), "{version}");

    // The CMS works over it: migrate, write, read.
    Migrator::up(adapter.connection().inner(), None)
        .await
        .expect("migrate over TLS");
    let cms = Cms::builder()
        .database(adapter)
        .schema_type(SchemaTypeDef::document("note", "Note").field(FieldDef::string("text")))
        .build()
        .await
        .expect("cms");
    let note = cms
        .documents()
        .create(CreateDocument::new("note", json!({"text": "encrypted"})))
        .await
        .expect("create");
    let read = cms
        .documents()
        .find_by_id(note.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(read.draft_data, Some(json!({"text": "encrypted"})));
    cms.documents().delete(note.id).await.expect("clean up");
}

/// The error of a connection that must fail, as the application sees it.
async fn refused(url: &str) -> Error {
    match PostgresAdapter::connect(url).await {
        Ok(db) => panic!("{url}: connected ({:?})", db.health().await),
        Err(e) => e,
    }
}

async fn a_certificate_from_another_ca_is_refused() {
    let Some(tls) = server() else {
        return aphex_conformance::skip("no TLS PostgreSQL server configured");
    };
    for mode in ["verify-full", "verify-ca"] {
        let url = with_params(
            &tls.url,
            &format!("sslmode={mode}&sslrootcert={}", tls.wrong_ca),
        );
        let err = refused(&url).await;
        let message = err.to_string();
        assert!(
            message.contains("certificate") || message.contains("UnknownIssuer"),
            "sslmode={mode}: the error names the certificate problem: {message}"
        );
    }
}

async fn sslmode_disable_against_a_server_that_requires_tls_is_refused() {
    let Some(tls) = server() else {
        return aphex_conformance::skip("no TLS PostgreSQL server configured");
    };
    let err = refused(&with_params(&tls.url, "sslmode=disable")).await;
    let message = err.to_string();
    assert!(
        message.contains("no encryption") || message.contains("pg_hba.conf"),
        "the server's refusal reaches the caller: {message}"
    );
}

fn main() -> std::process::ExitCode {
    aphex_conformance::tests![
        verify_full_with_the_right_ca_connects_over_tls,
        a_certificate_from_another_ca_is_refused,
        sslmode_disable_against_a_server_that_requires_tls_is_refused
    ]
    .run()
}
