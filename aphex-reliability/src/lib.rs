//! # aphex-reliability
//!
//! The reliability suite (docs/reliability.md): what users of a content store fear beyond the
//! conformance suite's one-behaviour-on-a-quiet-database — many editors at once, processes
//! sharing one SQLite file, a database crash under load, queries that differ between backends.
//! Each test target under `tests/` runs through [`aphex_conformance::Suite`], so a backend
//! whose server is not configured shows up as `ignored` (and fails under `CI=true`).
//!
//! This library only gives the targets a fresh, migrated, empty database per backend
//! ([`fresh`]), through the facade's `connect_and_migrate`, as an application would open one.

use std::fmt;
use std::path::Path;
use std::process::Command;

use aphex::sea_orm::{ConnectionTrait, Database};
use aphex_conformance::{TestDb, require_backend, with_database};

/// The three backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A database file in a temp directory.
    Sqlite,
    /// A database of its own on the server `APHEX_TEST_POSTGRES_URL` names.
    Postgres,
    /// A database of its own on the server `APHEX_TEST_MONGODB_URL` names.
    Mongo,
}

impl Backend {
    /// All three.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mongo];

    /// The environment variable naming the server (`None` for SQLite).
    pub fn url_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("APHEX_TEST_POSTGRES_URL"),
            Backend::Mongo => Some("APHEX_TEST_MONGODB_URL"),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mongo => "mongodb",
        })
    }
}

/// What a fresh database leaves behind to clean up when dropped.
enum Scratch {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
    Mongo { url: String, name: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (admin_url, name, postgres) = match self {
            Scratch::Dir(_) => return,
            Scratch::Postgres { admin_url, name } => (admin_url.clone(), name.clone(), true),
            Scratch::Mongo { url, name } => (url.clone(), name.clone(), false),
        };
        let what = name.clone();
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                if postgres {
                    let admin = Database::connect(&admin_url)
                        .await
                        .map_err(|e| e.to_string())?;
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    admin
                        .execute_unprepared(&sql)
                        .await
                        .map_err(|e| e.to_string())?;
                    admin.close().await.map_err(|e| e.to_string())
                } else {
                    let client = aphex::mongodb::mongodb::Client::with_uri_str(&admin_url)
                        .await
                        .map_err(|e| e.to_string())?;
                    client
                        .database(&name)
                        .drop()
                        .await
                        .map_err(|e| e.to_string())
                }
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop scratch database {what}: {dropped:?}");
        }
    }
}

/// A fresh, migrated, empty database on `backend`, or `None` when its server is not configured
/// (outside CI; [`require_backend`] reports it).
///
/// # Panics
/// When the server is configured but the database cannot be made — a test failure.
pub async fn fresh(backend: Backend) -> Option<TestDb> {
    let name = format!("aphex_r_{}", uuid::Uuid::new_v4().simple());
    let (url, scratch) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("cms.db").display());
            (url, Scratch::Dir(dir))
        }
        Backend::Postgres => {
            let admin_url = require_backend("APHEX_TEST_POSTGRES_URL")?;
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create a scratch database");
            admin.close().await.expect("close the admin connection");
            let url = with_database(&admin_url, &name);
            (url, Scratch::Postgres { admin_url, name })
        }
        Backend::Mongo => {
            let url = require_backend("APHEX_TEST_MONGODB_URL")?;
            let db_url = with_database(&url, &name);
            (db_url, Scratch::Mongo { url, name })
        }
    };
    let adapter = aphex::connect_and_migrate(&url)
        .await
        .unwrap_or_else(|e| panic!("connect and migrate {backend}: {e}"));
    Some(TestDb::new(adapter, scratch))
}

/// Runs `program args path`; its output as the error when it fails.
///
/// # Errors
/// When the program cannot be started or exits unsuccessfully.
pub fn run(program: &str, args: &[&str], path: &Path) -> Result<(), String> {
    run_command(Command::new(program).args(args).arg(path))
}

/// Runs `cmd`; its output as the error when it fails.
///
/// # Errors
/// When the program cannot be started or exits unsuccessfully.
pub fn run_command(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Reports the running test skipped because the machine cannot set up its fault (`what`), or
/// fails it under `CI=true`, where every fault must be tested.
///
/// # Panics
/// Under `CI=true`.
pub fn cannot(what: &str, reason: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: cannot {what} ({reason})"
    );
    aphex_conformance::skip(format!("cannot {what}: {reason}"));
}

/// The options of an API key metered by uses: `uses` verifications, no rate limit.
pub fn metered_key(uses: i32) -> aphex::service::CreateApiKey {
    let mut key = aphex::service::CreateApiKey::new();
    key.remaining = Some(uses);
    key.rate_limit_enabled = Some(false);
    key
}
