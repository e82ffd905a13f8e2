//! PostgreSQL crash mid-load (docs/reliability.md#postgresql-crash-mid-load).
//!
//! The test makes a throwaway cluster of its own (initdb + pg_ctl, as the `postgres` user when
//! run as root, 127.0.0.1 on a free port), puts 8 writer tasks (create, then a
//! compare-and-swap draft save of what they created) and 4 API-key verifier tasks on it through
//! one `Cms`, and crashes the server (`pg_ctl stop -m immediate`) in the middle, then starts it
//! again. Without restarting the application:
//!
//! - every call returns within a bound (a hang fails the test) and every failure is
//!   `is_retryable()`; nothing panics;
//! - the pool recovers by itself: a write succeeds again within `RECOVERY_BOUND` of the
//!   restart;
//! - afterwards every acknowledged write is present with its version snapshot, and no document
//!   is half there: each document's snapshots are exactly 1..=revision, each with the data of
//!   that revision as far as it was acknowledged;
//! - the key's usage equals the acknowledged verifications, give or take the calls that were in
//!   flight when the server died (their commit may have landed while the answer was lost: the
//!   error says "connection lost", not "not done").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aphex::Cms;
use aphex::query::{Paging, Perspective};
use aphex::sea_orm::ConnectionTrait;
use aphex::service::{CreateDocument, SignUp, VersionRetention, WriteOptions};
use aphex_conformance::fixtures;
use aphex_reliability::{cannot, metered_key, run, run_command};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

const WRITERS: usize = 8;
const VERIFIERS: usize = 4;
/// A call that takes longer than this is a hang.
const CALL_BOUND: Duration = Duration::from_secs(30);
/// The pool must serve writes again within this long after the server is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(15);
const KEY_USES: i32 = 1_000_000;

fn main() -> std::process::ExitCode {
    aphex_conformance::Suite::new()
        .test(
            "a_crash_mid_load_loses_no_acknowledged_write",
            a_crash_mid_load_loses_no_acknowledged_write,
        )
        .run()
}

/// A throwaway PostgreSQL cluster, stopped and removed when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The directory of `initdb`/`pg_ctl`: on PATH, or the newest /usr/lib/postgresql/*/bin.
fn pg_bin() -> Option<PathBuf> {
    if let Ok(out) = Command::new("sh")
        .args(["-c", "command -v pg_ctl"])
        .output()
        && out.status.success()
    {
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        return path.parent().map(Path::to_path_buf);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    dirs.pop()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    fn create() -> Result<Cluster, String> {
        let bin = pg_bin().ok_or("no initdb/pg_ctl on PATH or in /usr/lib/postgresql")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let root = dir.path().to_path_buf();
        let data = root.join("data");
        let cluster = Cluster {
            bin,
            log: root.join("server.log"),
            data,
            port: free_port(),
            _dir: dir,
        };
        if as_root() {
            run("chmod", &["755"], &root)?;
            run("chown", &["postgres"], &root)?;
        }
        cluster.pg(
            "initdb",
            &[
                "-D",
                &cluster.data_str(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        cluster.start()?;
        Ok(cluster)
    }

    fn data_str(&self) -> String {
        self.data.display().to_string()
    }

    /// Runs a PostgreSQL program (as `postgres` when root).
    fn pg(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = if as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        run_command(cmd.args(args))
    }

    fn start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            self.port,
            self.data
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data_str(),
                "-l",
                &self.log.display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
                "-o",
                &options,
            ],
        )
    }

    /// A crash: every server process is killed at once, nothing is shut down cleanly.
    fn crash(&self) -> Result<(), String> {
        self.pg(
            "pg_ctl",
            &["-D", &self.data_str(), "-m", "immediate", "-w", "stop"],
        )
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg(
            "pg_ctl",
            &["-D", &self.data_str(), "-m", "immediate", "-w", "stop"],
        );
    }
}

/// What the writers saw.
#[derive(Default)]
struct Ledger {
    /// Acknowledged creates and saves: document → (revision → data), as acknowledged.
    acked: BTreeMap<Uuid, BTreeMap<i64, Value>>,
    /// Calls that failed (retryable) and so may or may not have been applied.
    failed: usize,
    /// The last failure: when, and what.
    last_failure: Option<(Instant, String)>,
    /// When the server was being started again, and the first write that succeeded after.
    restarted: Option<Instant>,
    recovered: Option<Instant>,
}

/// Runs `call` within [`CALL_BOUND`]: a hang fails the test, a failure must be retryable.
async fn bounded<T>(
    what: &str,
    call: impl std::future::Future<Output = aphex::Result<T>>,
) -> Result<T, String> {
    match tokio::time::timeout(CALL_BOUND, call).await {
        Err(_) => panic!("{what} hung for {CALL_BOUND:?}"),
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            assert!(e.is_retryable(), "{what}: a non-retryable error {e:?}");
            Err(format!("{what}: {e}"))
        }
    }
}

async fn writer(cms: Cms, n: usize, stop: Arc<AtomicBool>, ledger: Arc<Mutex<Ledger>>) {
    let docs = cms.documents();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let id = Uuid::new_v4();
        let first = json!({"title": format!("writer {n} post {i}")});
        let created = bounded(
            "create",
            docs.create(CreateDocument::new("post", first.clone()).id(id)),
        )
        .await;
        let outcome = match created {
            Ok(doc) => {
                record(&ledger, id, 1, first).await;
                let second = json!({"title": format!("writer {n} post {i}"), "saved": true});
                let saved = bounded(
                    "draft save",
                    docs.update_draft(
                        id,
                        second.clone(),
                        WriteOptions::new().expect_revision(doc.revision),
                    ),
                )
                .await;
                if saved.is_ok() {
                    record(&ledger, id, 2, second).await;
                }
                saved.map(drop)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            let mut l = ledger.lock().await;
            l.failed += 1;
            l.last_failure = Some((Instant::now(), e));
            drop(l);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn record(ledger: &Mutex<Ledger>, id: Uuid, revision: i64, data: Value) {
    let mut l = ledger.lock().await;
    l.acked.entry(id).or_default().insert(revision, data);
    if l.restarted.is_some() && l.recovered.is_none() {
        l.recovered = Some(Instant::now());
    }
}

/// Verifies the key until stopped: (acknowledged, failed) verifications.
async fn verifier(cms: Cms, key: String, stop: Arc<AtomicBool>) -> (i64, i64) {
    let auth = cms.auth().expect("auth configured");
    let (mut acked, mut failed) = (0, 0);
    while !stop.load(Ordering::Relaxed) {
        match bounded("verify", auth.verify_api_key(&key)).await {
            Ok(_) => acked += 1,
            Err(_) => {
                failed += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    (acked, failed)
}

async fn a_crash_mid_load_loses_no_acknowledged_write() {
    let cluster = match tokio::task::spawn_blocking(Cluster::create)
        .await
        .expect("task")
    {
        Ok(c) => c,
        Err(reason) => {
            cannot("make a PostgreSQL cluster", &reason);
            return;
        }
    };
    let adapter = aphex::connect_and_migrate(&cluster.url())
        .await
        .expect("connect and migrate");
    let cms = Cms::builder()
        .database(adapter.clone())
        .schema_types(fixtures::schema_types())
        .version_retention(VersionRetention::All)
        .auth(aphex::service::AuthConfig::new(fixtures::AUTH_SECRET))
        .build()
        .await
        .expect("cms");
    let auth = cms.auth().expect("auth");
    let user = auth
        .sign_up_email(SignUp::new("Crash", "crash@example.com", "password-123"))
        .await
        .expect("sign up");
    let key = auth
        .create_api_key(&user.user.id, metered_key(KEY_USES))
        .await
        .expect("create key");

    let stop = Arc::new(AtomicBool::new(false));
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| tokio::spawn(writer(cms.clone(), n, stop.clone(), ledger.clone())))
        .collect();
    let verifiers: Vec<_> = (0..VERIFIERS)
        .map(|_| tokio::spawn(verifier(cms.clone(), key.key.clone(), stop.clone())))
        .collect();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_crash = ledger.lock().await.acked.len();
    let cluster = Arc::new(cluster);
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.crash())
        .await
        .expect("task")
        .expect("crash the server");
    tokio::time::sleep(Duration::from_secs(1)).await;
    // From the moment the server is being started: the pool may reconnect before `pg_ctl`
    // has noticed that the server is ready.
    let restarted = Instant::now();
    ledger.lock().await.restarted = Some(restarted);
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start())
        .await
        .expect("task")
        .expect("restart the server");

    // Load goes on until writes have come back, then a little longer.
    let recovery = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let l = ledger.lock().await;
        if let Some(at) = l.recovered {
            break at.saturating_duration_since(restarted);
        }
        assert!(
            restarted.elapsed() < RECOVERY_BOUND,
            "no write succeeded within {RECOVERY_BOUND:?} of the restart; {} calls failed, the \
             last: {:?}",
            l.failed,
            l.last_failure
                .as_ref()
                .map(|(at, e)| (at.saturating_duration_since(restarted), e))
        );
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer task");
    }
    let (mut verified, mut verify_failures) = (0, 0);
    for v in verifiers {
        let (a, f) = v.await.expect("verifier task");
        verified += a;
        verify_failures += f;
    }

    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("no other owner")
        .into_inner();
    assert!(ledger.failed > 0, "the crash must have failed some calls");
    assert!(
        ledger.acked.len() > before_crash,
        "writes went on after the crash"
    );

    // Every acknowledged write is there with its snapshot; nothing is half there.
    let docs = cms.documents();
    for (id, revisions) in &ledger.acked {
        let doc = docs
            .find_by_id(*id, Perspective::Draft, 0)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("acknowledged document {id} is missing"));
        let newest = revisions.keys().last().copied().unwrap_or(1);
        assert!(
            doc.revision >= newest,
            "{id}: acknowledged revision {newest} lost"
        );
        let snapshots = docs
            .versions(*id, Paging::new(100, 0).expect("paging"))
            .await
            .expect("versions");
        let numbers: Vec<i64> = snapshots
            .docs
            .iter()
            .map(|v| v.version_number)
            .rev()
            .collect();
        assert_eq!(
            numbers,
            (1..=doc.revision).collect::<Vec<_>>(),
            "{id}: one snapshot per revision, no more, no fewer"
        );
        for v in &snapshots.docs {
            if let Some(acked) = revisions.get(&v.version_number) {
                assert_eq!(&v.data, acked, "{id}: snapshot {} data", v.version_number);
            }
        }
    }
    // Every document, acknowledged or not (a create whose answer was lost), is whole: its
    // snapshots are exactly 1..=revision.
    let sql = aphex::sea_orm::Database::connect(cluster.url())
        .await
        .expect("connect");
    let half_there = sql
        .query_one_raw(aphex::sea_orm::Statement::from_string(
            sql.get_database_backend(),
            r#"SELECT COUNT(*) FROM "cms_documents" d WHERE d."revision" <> (SELECT COUNT(*) FROM "cms_document_versions" v WHERE v."document_id" = d."id") OR d."revision" <> (SELECT MAX("version_number") FROM "cms_document_versions" v WHERE v."document_id" = d."id")"#,
        ))
        .await
        .expect("query")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("a count");
    assert_eq!(
        half_there, 0,
        "documents whose snapshots do not match their revision"
    );
    sql.close().await.expect("close");

    let stored = adapter
        .find_api_key(&key.api_key.id)
        .await
        .expect("read key")
        .expect("key exists");
    let used = i64::from(KEY_USES) - i64::from(stored.remaining.expect("metered"));
    assert!(
        (verified..=verified + verify_failures).contains(&used),
        "key used {used} times, {verified} verifications acknowledged, {verify_failures} failed"
    );
    eprintln!(
        "acknowledged documents {}, failed calls {}, recovery {:?} after restart, key: {used} \
         uses, {verified} acknowledged, {verify_failures} failed ({} in flight landed)",
        ledger.acked.len(),
        ledger.failed,
        recovery,
        used - verified
    );
}
