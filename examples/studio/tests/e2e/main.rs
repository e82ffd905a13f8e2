//! End-to-end tests of `aphex-studio`: the real binary, started per test on a free port with a
//! fresh database and media directory, driven over HTTP.
//!
//! ```text
//! cargo test -p aphex-studio --test e2e                                  # SQLite
//! APHEX_TEST_POSTGRES_URL=postgres://… APHEX_TEST_MONGODB_URL=mongodb://… \
//!     cargo test -p aphex-studio --features postgres,mongodb --test e2e  # + PostgreSQL, MongoDB
//! ```
//!
//! PostgreSQL and MongoDB tests skip (with a warning) when their URL is unset, and fail when it is
//! unset with `CI=true`. Each gets a database of its own, dropped afterwards.

mod crash;
mod events;
mod hostile;
mod http;
mod jobs;
#[cfg(any(feature = "postgres", feature = "mongodb"))]
mod moved;
mod organizations;
mod png;
mod references;
mod scenarios;
mod studio;
mod webhooks;

use studio::Studio;

/// The environment of the hostile-input scenario: a small JSON body cap.
fn hostile_env() -> [(&'static str, String); 2] {
    [
        ("APHEX_SIGNUP", "open".to_owned()),
        ("APHEX_MAX_BODY_BYTES", hostile::BODY_LIMIT.to_string()),
    ]
}

/// The environment of the organizations scenario: anyone may sign up.
const OPEN_SIGNUP_ENV: [(&str, &str); 1] = [("APHEX_SIGNUP", "open")];

/// The environment of the key-scope scenario: public read mode on.
const PUBLIC_READ_ENV: [(&str, &str); 2] =
    [("APHEX_SIGNUP", "open"), ("APHEX_PUBLIC_READ", "published")];

/// Starts the studio on `url` with `env` (strings).
fn start_env(url: Option<&str>, env: &[(&'static str, String)]) -> Studio {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Studio::start_with(url, &env)
}

/// Checks the address line and returns the studio.
fn started(studio: Studio, backend: &str) -> Studio {
    assert!(
        studio
            .listening_line
            .contains(&format!("(database: {backend}, storage: local)")),
        "{}",
        studio.listening_line
    );
    studio
}

mod sqlite {
    use super::*;

    pub(crate) async fn editorial_flow() {
        let studio = started(Studio::start(None), "sqlite");
        scenarios::editorial_flow(&studio.base, "sqlite", "local").await;
    }

    pub(crate) async fn error_cases() {
        let studio = started(Studio::start(None), "sqlite");
        scenarios::error_cases(&studio.base).await;
    }

    pub(crate) async fn uploads() {
        let studio = started(Studio::start(None), "sqlite");
        scenarios::uploads(&studio).await;
    }

    pub(crate) async fn hostile_requests() {
        let studio = started(start_env(None, &hostile_env()), "sqlite");
        hostile::hostile_requests_get_json_4xx(&studio).await;
    }

    pub(crate) async fn key_scopes_and_public_reads() {
        let studio = started(Studio::start_with(None, &PUBLIC_READ_ENV), "sqlite");
        hostile::key_scopes_and_public_reads(&studio).await;
    }

    pub(crate) async fn organizations() {
        let studio = started(Studio::start_with(None, &OPEN_SIGNUP_ENV), "sqlite");
        organizations::organizations(&studio.base).await;
    }

    pub(crate) async fn references() {
        let studio = started(Studio::start(None), "sqlite");
        references::used_by_and_deletes(&studio.base).await;
    }

    pub(crate) async fn events() {
        let studio = started(Studio::start(None), "sqlite");
        events::feed(&studio.base).await;
    }

    pub(crate) async fn scheduled_publishing() {
        let studio = started(Studio::start_with(None, &jobs::FAST_WORKER_ENV), "sqlite");
        jobs::scheduled_publishing(&studio.base).await;
    }

    pub(crate) async fn webhooks() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        webhooks::signed_retried_and_kept_across_restarts(|env| {
            started(Studio::start_with(Some(&url), env), "sqlite")
        })
        .await;
    }

    /// By default only the first user may sign up (and becomes admin).
    pub(crate) async fn signup_is_closed_after_the_first_user_by_default() {
        let studio = Studio::start_with(None, &[]);
        let api = http::Api::new(&studio.base);
        let (_, admin) = api
            .sign_up("Admin", "admin@example.com", "change-me-please")
            .await;
        assert_eq!(admin["role"], "admin");
        let second = api
            .post(
                "/api/auth/sign-up/email",
                http::Auth::None,
                &serde_json::json!({ "name": "Eve", "email": "eve@example.com", "password": "long-enough-pw" }),
            )
            .await;
        second.error(403, "forbidden");
    }

    /// The data survives a restart, and so do sessions (the secret is the same).
    pub(crate) async fn restart_keeps_data_and_sessions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
        let api_cookie;
        let doc_id;
        {
            let studio = Studio::start(Some(&url));
            let api = http::Api::new(&studio.base);
            let (cookie, _) = api
                .sign_up("Admin", "admin@example.com", "change-me-please")
                .await;
            let created = api
                .post(
                    "/api/documents",
                    http::Auth::Cookie(&cookie),
                    &serde_json::json!({ "type": "author", "data": { "name": "Kept" } }),
                )
                .await;
            doc_id = created.ok(201)["id"].as_str().expect("id").to_string();
            api_cookie = cookie;
        }
        let studio = Studio::start(Some(&url));
        let api = http::Api::new(&studio.base);
        let read = api
            .get(
                &format!("/api/documents/{doc_id}"),
                http::Auth::Cookie(&api_cookie),
            )
            .await;
        assert_eq!(read.ok(200)["draftData"]["name"], "Kept");
        // The first user is still the admin: a later sign-up is a viewer.
        let (_, second) = api
            .sign_up("Ed", "ed@example.com", "another-password")
            .await;
        assert_eq!(second["role"], "viewer");
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use studio::PgDb;

    pub(crate) async fn editorial_flow() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "postgres");
        scenarios::editorial_flow(&studio.base, "postgres", "local").await;
    }

    pub(crate) async fn error_cases() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "postgres");
        scenarios::error_cases(&studio.base).await;
    }

    pub(crate) async fn uploads() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "postgres");
        scenarios::uploads(&studio).await;
    }

    pub(crate) async fn hostile_requests() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(start_env(Some(&db.url), &hostile_env()), "postgres");
        hostile::hostile_requests_get_json_4xx(&studio).await;
    }

    pub(crate) async fn key_scopes_and_public_reads() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(
            Studio::start_with(Some(&db.url), &PUBLIC_READ_ENV),
            "postgres",
        );
        hostile::key_scopes_and_public_reads(&studio).await;
    }

    pub(crate) async fn organizations() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(
            Studio::start_with(Some(&db.url), &OPEN_SIGNUP_ENV),
            "postgres",
        );
        organizations::organizations(&studio.base).await;
    }

    pub(crate) async fn references() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "postgres");
        references::used_by_and_deletes(&studio.base).await;
    }

    pub(crate) async fn events() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "postgres");
        events::feed(&studio.base).await;
    }

    pub(crate) async fn scheduled_publishing() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let studio = started(
            Studio::start_with(Some(&db.url), &jobs::FAST_WORKER_ENV),
            "postgres",
        );
        jobs::scheduled_publishing(&studio.base).await;
    }

    /// A SQLite site moved here with `aphex::copy`: the studio answers as before.
    pub(crate) async fn moved_from_sqlite() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        moved::from_a_sqlite_site(&db.url).await;
    }

    pub(crate) async fn webhooks() {
        let Some(db) = PgDb::create().await else {
            return;
        };
        webhooks::signed_retried_and_kept_across_restarts(|env| {
            started(Studio::start_with(Some(&db.url), env), "postgres")
        })
        .await;
    }
}

#[cfg(feature = "mongodb")]
mod mongodb {
    use super::*;
    use studio::MongoDb;

    pub(crate) async fn editorial_flow() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "mongodb");
        scenarios::editorial_flow(&studio.base, "mongodb", "local").await;
    }

    pub(crate) async fn error_cases() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "mongodb");
        scenarios::error_cases(&studio.base).await;
    }

    pub(crate) async fn uploads() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "mongodb");
        scenarios::uploads(&studio).await;
    }

    pub(crate) async fn hostile_requests() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(start_env(Some(&db.url), &hostile_env()), "mongodb");
        hostile::hostile_requests_get_json_4xx(&studio).await;
    }

    pub(crate) async fn key_scopes_and_public_reads() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(
            Studio::start_with(Some(&db.url), &PUBLIC_READ_ENV),
            "mongodb",
        );
        hostile::key_scopes_and_public_reads(&studio).await;
    }

    pub(crate) async fn organizations() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(
            Studio::start_with(Some(&db.url), &OPEN_SIGNUP_ENV),
            "mongodb",
        );
        organizations::organizations(&studio.base).await;
    }

    pub(crate) async fn references() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "mongodb");
        references::used_by_and_deletes(&studio.base).await;
    }

    pub(crate) async fn events() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(Studio::start(Some(&db.url)), "mongodb");
        events::feed(&studio.base).await;
    }

    pub(crate) async fn scheduled_publishing() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        let studio = started(
            Studio::start_with(Some(&db.url), &jobs::FAST_WORKER_ENV),
            "mongodb",
        );
        jobs::scheduled_publishing(&studio.base).await;
    }

    /// A SQLite site moved here with `aphex::copy`: the studio answers as before.
    pub(crate) async fn moved_from_sqlite() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        moved::from_a_sqlite_site(&db.url).await;
    }

    pub(crate) async fn webhooks() {
        let Some(db) = MongoDb::create() else {
            return;
        };
        webhooks::signed_retried_and_kept_across_restarts(|env| {
            started(Studio::start_with(Some(&db.url), env), "mongodb")
        })
        .await;
    }
}

/// The editorial flow with assets on S3-compatible storage (moto in CI): upload, serve, delete
/// go through `aphex-storage`'s S3 adapter.
#[cfg(feature = "s3")]
mod s3 {
    use super::*;

    pub(crate) async fn editorial_flow_with_s3_storage() {
        let Some(endpoint) = aphex_conformance::require_backend("APHEX_TEST_S3_ENDPOINT") else {
            return;
        };
        let bucket = format!("aphex-e2e-{}", uuid::Uuid::new_v4().simple());
        // A bucket for this test; moto accepts unsigned bucket creation.
        let created = reqwest::Client::new()
            .put(format!("{}/{bucket}", endpoint.trim_end_matches('/')))
            .send()
            .await
            .expect("create the bucket");
        assert!(
            created.status().is_success(),
            "create bucket: {}",
            created.status()
        );
        let studio = Studio::start_with(
            None,
            &[
                ("APHEX_SIGNUP", "open"),
                ("APHEX_STORAGE", "s3"),
                ("APHEX_S3_BUCKET", &bucket),
                ("APHEX_S3_ENDPOINT", &endpoint),
                ("APHEX_S3_ALLOW_HTTP", "1"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
            ],
        );
        assert!(
            studio
                .listening_line
                .contains("(database: sqlite, storage: s3)"),
            "{}",
            studio.listening_line
        );
        scenarios::editorial_flow(&studio.base, "sqlite", "s3").await;
    }
}

fn main() -> std::process::ExitCode {
    let suite = aphex_conformance::tests![
        sqlite::editorial_flow,
        sqlite::error_cases,
        sqlite::uploads,
        sqlite::hostile_requests,
        sqlite::key_scopes_and_public_reads,
        sqlite::organizations,
        sqlite::references,
        sqlite::events,
        sqlite::scheduled_publishing,
        sqlite::webhooks,
        sqlite::signup_is_closed_after_the_first_user_by_default,
        sqlite::restart_keeps_data_and_sessions,
    ]
    .test(
        "sqlite::sigkill_during_uploads_and_saves_loses_nothing",
        crash::sigkill_during_uploads_and_saves_loses_nothing,
    );
    #[cfg(feature = "postgres")]
    let suite = suite
        .test("postgres::editorial_flow", postgres::editorial_flow)
        .test("postgres::error_cases", postgres::error_cases)
        .test("postgres::uploads", postgres::uploads)
        .test("postgres::hostile_requests", postgres::hostile_requests)
        .test(
            "postgres::key_scopes_and_public_reads",
            postgres::key_scopes_and_public_reads,
        )
        .test("postgres::organizations", postgres::organizations)
        .test("postgres::references", postgres::references)
        .test("postgres::events", postgres::events)
        .test(
            "postgres::scheduled_publishing",
            postgres::scheduled_publishing,
        )
        .test("postgres::webhooks", postgres::webhooks)
        .test("postgres::moved_from_sqlite", postgres::moved_from_sqlite);
    #[cfg(feature = "mongodb")]
    let suite = suite
        .test("mongodb::editorial_flow", mongodb::editorial_flow)
        .test("mongodb::error_cases", mongodb::error_cases)
        .test("mongodb::uploads", mongodb::uploads)
        .test("mongodb::hostile_requests", mongodb::hostile_requests)
        .test(
            "mongodb::key_scopes_and_public_reads",
            mongodb::key_scopes_and_public_reads,
        )
        .test("mongodb::organizations", mongodb::organizations)
        .test("mongodb::references", mongodb::references)
        .test("mongodb::events", mongodb::events)
        .test(
            "mongodb::scheduled_publishing",
            mongodb::scheduled_publishing,
        )
        .test("mongodb::webhooks", mongodb::webhooks)
        .test("mongodb::moved_from_sqlite", mongodb::moved_from_sqlite);
    #[cfg(feature = "s3")]
    let suite = suite.test(
        "s3::editorial_flow_with_s3_storage",
        s3::editorial_flow_with_s3_storage,
    );
    suite.run()
}
