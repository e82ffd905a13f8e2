//! The studio binary as a child process: started in a temp directory on a free port, killed (and
//! its directory removed) when the guard is dropped — also when the test panics, in which case
//! the studio's stderr is printed with the failure.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The upload cap the studio runs with in these tests.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024;

/// The session secret the studio runs with in these tests.
const SECRET: &str = "aphex-studio-e2e-secret-0123456789abcdefghij";

/// How long the studio may take to migrate its database and start listening.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `aphex-studio`.
pub struct Studio {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The temp directory everything of this studio lives in.
    pub root: PathBuf,
    /// `APHEX_MEDIA_DIR` (`<root>/data/media`, so `../../x` from it is still inside `root`).
    pub media_dir: PathBuf,
    /// The line the studio printed when it started listening.
    pub listening_line: String,
    stderr: Arc<Mutex<String>>,
    /// What it was started with, to start it again ([`Studio::kill_and_restart`]).
    database_url: String,
    env: Vec<(String, String)>,
    // Dropped after `Drop::drop` has killed the child; taken by `kill_and_restart`.
    dir: Option<tempfile::TempDir>,
}

impl Studio {
    /// Starts the studio on `database_url`, or on an SQLite file in its temp directory with
    /// `None`. Blocks until it prints its address.
    pub fn start(database_url: Option<&str>) -> Studio {
        // The scenarios sign up several users: open sign-up (checked separately).
        Self::start_with(database_url, &[("APHEX_SIGNUP", "open")])
    }

    /// Like [`Studio::start`], with these environment variables set for the studio.
    pub fn start_with(database_url: Option<&str>, env: &[(&str, &str)]) -> Studio {
        let dir = tempfile::Builder::new()
            .prefix("aphex-studio-e2e.")
            .tempdir()
            .expect("create a temp dir");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).expect("create the working directory");
        let database_url = database_url.map_or_else(
            || format!("sqlite://{}?mode=rwc", work.join("studio.db").display()),
            str::to_string,
        );
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::launch(dir, database_url, env)
    }

    /// Kills the studio with SIGKILL — no shutdown, whatever it was doing — and starts it again
    /// on the same database, media directory and settings.
    pub fn kill_and_restart(mut self) -> Studio {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = self.dir.take().expect("the studio's directory");
        let database_url = std::mem::take(&mut self.database_url);
        let env = std::mem::take(&mut self.env);
        Self::launch(dir, database_url, env)
    }

    /// The `aphex-studio` command with this studio's settings (for its subcommands).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aphex-studio"));
        Self::configure_with(
            &mut cmd,
            &self.root,
            &self.media_dir,
            &self.database_url,
            &self.env,
        );
        cmd
    }

    fn configure_with(
        cmd: &mut Command,
        root: &Path,
        media_dir: &Path,
        database_url: &str,
        env: &[(String, String)],
    ) {
        cmd.current_dir(root.join("work"))
            .env("APHEX_LISTEN", "127.0.0.1:0")
            .env("DATABASE_URL", database_url)
            .env("APHEX_MEDIA_DIR", media_dir)
            .env("APHEX_SECRET", SECRET)
            .env("APHEX_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES.to_string())
            // Whatever the developer's shell has set must not change what is tested.
            .env_remove("BETTER_AUTH_SECRET")
            .env_remove("APHEX_STORAGE")
            .env_remove("APHEX_ADMIN_EMAIL")
            .env_remove("APHEX_ADMIN_PASSWORD")
            .env_remove("APHEX_ADMIN_NAME")
            .env_remove("APHEX_COOKIE_SECURE")
            .env_remove("APHEX_SIGNUP")
            .env_remove("APHEX_PUBLIC_READ")
            .env_remove("APHEX_MAX_BODY_BYTES")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }

    fn launch(dir: tempfile::TempDir, database_url: String, env: Vec<(String, String)>) -> Studio {
        let root = dir.path().to_path_buf();
        let media_dir = root.join("data").join("media");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aphex-studio"));
        Self::configure_with(&mut cmd, &root, &media_dir, &database_url, &env);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn aphex-studio");

        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });

        // Lines of stdout go through a channel; the reader keeps draining after the address line
        // so the pipe can never fill up.
        let (lines, received) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });

        let mut studio = Studio {
            child,
            base: String::new(),
            root,
            media_dir,
            listening_line: String::new(),
            stderr,
            database_url,
            env,
            dir: Some(dir),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("aphex-studio listening on ") {
                        let url = rest.split_whitespace().next().unwrap_or_default();
                        assert!(
                            url.starts_with("http://127.0.0.1:"),
                            "unexpected address line: {line}"
                        );
                        studio.base = url.trim_end_matches('/').to_string();
                        studio.listening_line = line;
                        return studio;
                    }
                }
                Err(e) => {
                    let status = studio.child.try_wait();
                    panic!(
                        "aphex-studio did not print its address ({e}; process: {status:?})\n\
                         --- stderr ---\n{}",
                        studio.stderr_text()
                    );
                }
            }
        }
    }

    /// What the studio wrote to stderr so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every regular file under the studio's temp directory, relative to it, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.root, &self.root, &mut out);
        out.sort();
        out
    }

    /// Every regular file under the media directory, relative to it, sorted.
    pub fn media_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.media_dir.exists() {
            walk(&self.media_dir, &self.media_dir, &mut out);
        }
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).expect("read a directory of the studio");
    for entry in entries {
        let entry = entry.expect("directory entry");
        let path = entry.path();
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("path under the root");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- aphex-studio ({}) stderr ---\n{}",
                self.base,
                self.stderr_text()
            );
        }
    }
}

/// Runs `work` to completion on a runtime of its own, on a thread of its own (for `Drop`, which
/// runs inside the test's runtime).
#[cfg(any(feature = "postgres", feature = "mongodb"))]
fn block_on_thread<F>(work: F) -> Result<(), String>
where
    F: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(work)
    })
    .join()
    .map_err(|_| "the cleanup thread panicked".to_string())?
}

/// A fresh PostgreSQL database on the server `APHEX_TEST_POSTGRES_URL` points at, dropped
/// (`WITH (FORCE)`) when this guard is dropped.
#[cfg(feature = "postgres")]
pub struct PgDb {
    admin_url: String,
    name: String,
    /// The database's URL.
    pub url: String,
}

#[cfg(feature = "postgres")]
impl PgDb {
    /// `None` (with a warning) when `APHEX_TEST_POSTGRES_URL` is unset outside CI; a panic in CI.
    pub async fn create() -> Option<PgDb> {
        use sea_orm::{ConnectionTrait, Database};
        let admin_url = aphex_conformance::require_backend("APHEX_TEST_POSTGRES_URL")?;
        let name = format!("aphex_e2e_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create a test database");
        admin.close().await.expect("close the admin connection");
        let url = aphex_conformance::with_database(&admin_url, &name);
        Some(PgDb {
            admin_url,
            name,
            url,
        })
    }
}

#[cfg(feature = "postgres")]
impl Drop for PgDb {
    fn drop(&mut self) {
        use sea_orm::{ConnectionTrait, Database};
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropped = block_on_thread(async move {
            let admin = Database::connect(&admin_url)
                .await
                .map_err(|e| e.to_string())?;
            admin
                .execute_unprepared(&sql)
                .await
                .map_err(|e| e.to_string())?;
            admin.close().await.map_err(|e| e.to_string())
        });
        if let Err(e) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

/// A MongoDB database with a unique name on the server `APHEX_TEST_MONGODB_URL` points at,
/// dropped when this guard is dropped.
#[cfg(feature = "mongodb")]
pub struct MongoDb {
    /// The database's URL (its name in the path).
    pub url: String,
}

#[cfg(feature = "mongodb")]
impl MongoDb {
    /// `None` (with a warning) when `APHEX_TEST_MONGODB_URL` is unset outside CI; a panic in CI.
    pub fn create() -> Option<MongoDb> {
        let server = aphex_conformance::require_backend("APHEX_TEST_MONGODB_URL")?;
        let name = format!("aphex_e2e_{}", uuid::Uuid::new_v4().simple());
        Some(MongoDb {
            url: aphex_conformance::with_database(&server, &name),
        })
    }
}

#[cfg(feature = "mongodb")]
impl Drop for MongoDb {
    fn drop(&mut self) {
        let url = self.url.clone();
        let dropped = block_on_thread(async move {
            let db = aphex::mongodb::MongoAdapter::connect_url(&url)
                .await
                .map_err(|e| e.to_string())?;
            db.database().drop().await.map_err(|e| e.to_string())
        });
        if let Err(e) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.url);
        }
    }
}
