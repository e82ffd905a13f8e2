//! Settings from the environment. With none set, the studio serves `127.0.0.1:3000` on SQLite
//! (`./aphex.db`) with files in `./aphex-media`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Studio settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APHEX_LISTEN` (default `127.0.0.1:3000`; port 0 picks a free port).
    pub listen: SocketAddr,
    /// `DATABASE_URL` (default `sqlite://./aphex.db?mode=rwc`).
    pub database_url: String,
    /// `APHEX_STORAGE`: `local` (default) or `s3` (needs the `s3` feature and `APHEX_S3_*`).
    pub storage: String,
    /// `APHEX_MEDIA_DIR` for local storage (default `./aphex-media`).
    pub media_dir: PathBuf,
    /// `APHEX_MAX_UPLOAD_BYTES` (default 50 MiB).
    pub max_upload_bytes: usize,
    /// `APHEX_MAX_BODY_BYTES`: cap on JSON request bodies (default 8 MiB, room for a document
    /// at the 4 MiB data limit).
    pub max_body_bytes: usize,
    /// `APHEX_PUBLIC_READ`: `off` (default) or `published` — requests without credentials may
    /// read published content, as a delivery key does.
    pub public_read: bool,
    /// `APHEX_SECRET` or `BETTER_AUTH_SECRET`; otherwise read from (or created in)
    /// `./aphex-secret`, so sessions survive restarts without setup.
    pub secret: String,
    /// `APHEX_ADMIN_EMAIL` + `APHEX_ADMIN_PASSWORD` (+ `APHEX_ADMIN_NAME`): the first admin,
    /// created at start when there are no users yet.
    pub admin: Option<(String, String, String)>,
    /// `APHEX_COOKIE_SECURE=1`: mark the session cookie `Secure` (serve over HTTPS).
    pub cookie_secure: bool,
    /// `APHEX_SIGNUP`: `first` (default: only the first user may sign up, and becomes admin) or
    /// `open` (anyone may sign up, as a viewer an admin can promote).
    pub open_signup: bool,
    /// `APHEX_JOB_POLL_MS`: how often the job worker looks for due jobs when none were due
    /// (default 1000); `APHEX_JOB_WORKER=off` runs no worker (another process runs them).
    pub job_poll: Option<std::time::Duration>,
    /// `APHEX_JOB_BACKOFF_MS`: the wait after a job's first failed attempt, doubling after each
    /// (default 1000, at most an hour) — webhook deliveries are retried so.
    pub job_backoff: std::time::Duration,
}

/// Where the generated secret is kept when none is configured.
const SECRET_FILE: &str = "aphex-secret";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Reads the environment.
    ///
    /// # Errors
    /// A message naming the variable that is malformed.
    pub fn from_env() -> Result<Config, String> {
        let listen = var("APHEX_LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen = listen
            .parse()
            .map_err(|e| format!("APHEX_LISTEN={listen:?} is not an address: {e}"))?;
        let bytes = |name: &str, default: usize| match var(name) {
            Some(v) => v.parse().map_err(|e| format!("{name}={v:?}: {e}")),
            None => Ok(default),
        };
        let max_upload_bytes = bytes("APHEX_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)?;
        let max_body_bytes = bytes("APHEX_MAX_BODY_BYTES", 8 * 1024 * 1024)?;
        let job_poll = match var("APHEX_JOB_WORKER").as_deref() {
            None | Some("on") => Some(std::time::Duration::from_millis(
                u64::try_from(bytes("APHEX_JOB_POLL_MS", 1000)?).unwrap_or(1000),
            )),
            Some("off") => None,
            Some(other) => {
                return Err(format!(
                    "APHEX_JOB_WORKER={other:?}: expected `on` or `off`"
                ));
            }
        };
        let secret = match var("APHEX_SECRET").or_else(|| var("BETTER_AUTH_SECRET")) {
            Some(s) => s,
            None => stored_secret()?,
        };
        let admin = match (var("APHEX_ADMIN_EMAIL"), var("APHEX_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some((
                email,
                password,
                var("APHEX_ADMIN_NAME").unwrap_or_else(|| "Admin".into()),
            )),
            _ => None,
        };
        Ok(Config {
            listen,
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://./aphex.db?mode=rwc".into()),
            storage: var("APHEX_STORAGE").unwrap_or_else(|| "local".into()),
            media_dir: var("APHEX_MEDIA_DIR")
                .map_or_else(|| PathBuf::from("aphex-media"), PathBuf::from),
            max_upload_bytes,
            max_body_bytes,
            public_read: match var("APHEX_PUBLIC_READ").as_deref() {
                None | Some("off") => false,
                Some("published") => true,
                Some(other) => {
                    return Err(format!(
                        "APHEX_PUBLIC_READ={other:?}: expected `off` or `published`"
                    ));
                }
            },
            secret,
            admin,
            cookie_secure: var("APHEX_COOKIE_SECURE").is_some_and(|v| v == "1" || v == "true"),
            open_signup: match var("APHEX_SIGNUP").as_deref() {
                None | Some("first") => false,
                Some("open") => true,
                Some(other) => {
                    return Err(format!(
                        "APHEX_SIGNUP={other:?}: expected `first` or `open`"
                    ));
                }
            },
            job_poll,
            job_backoff: std::time::Duration::from_millis(
                u64::try_from(bytes("APHEX_JOB_BACKOFF_MS", 1000)?).unwrap_or(1000),
            ),
        })
    }
}

/// The secret in `./aphex-secret`, created (48 random characters) on first start.
fn stored_secret() -> Result<String, String> {
    match std::fs::read_to_string(SECRET_FILE) {
        Ok(s) if s.trim().len() >= 32 => Ok(s.trim().to_string()),
        _ => {
            let secret = aphex::auth::random::alphanumeric(48);
            std::fs::write(SECRET_FILE, &secret)
                .map_err(|e| format!("cannot write ./{SECRET_FILE}: {e}"))?;
            eprintln!(
                "generated a session secret in ./{SECRET_FILE} (set APHEX_SECRET to choose one)"
            );
            Ok(secret)
        }
    }
}
