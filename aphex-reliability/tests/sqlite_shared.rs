//! SQLite shared by processes, and SQLite on a full or read-only disk
//! (docs/reliability.md#sqlite-shared-by-processes):
//!
//! - 4 OS processes (this test binary, started again as a worker) write one database file
//!   through the CMS at once, a fixed number of creates and draft saves each: no call fails
//!   (no `SQLITE_BUSY` reaches a caller), every acknowledged write is in the file with its
//!   snapshot, and `PRAGMA integrity_check` is `ok`.
//! - On a small tmpfs, writes until the disk is full get `Error::Unavailable` with
//!   `Transient::StorageFull`; a database file made immutable (`chattr +i`) is refused with
//!   `Transient::ReadOnly` (already at open: the connection's pragmas write). Both leave the file intact (integrity ok,
//!   every acknowledged write present, once space is freed — the tmpfs grown — or the file
//!   writable again). Mounting and `chattr` need root (`CAP_SYS_ADMIN`,
//!   `CAP_LINUX_IMMUTABLE`) and a file system with immutable files (ext4, xfs), as the test
//!   machines have; elsewhere the tests report themselves skipped (a failure under `CI=true`).
//!   (A read-only *mount* cannot be tested while the database is open — the kernel refuses to
//!   remount a file system with files open for writing — and opening a WAL database on one
//!   fails in SQLite itself with `SQLITE_CANTOPEN`, a `Backend` error.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aphex::query::Perspective;
use aphex::sea_orm::{ConnectionTrait, Database, Statement};
use aphex::service::{CreateDocument, WriteOptions};
use aphex::{Cms, Error, Transient};
use aphex_conformance::fixtures;
use aphex_reliability::{cannot, run};
use serde_json::json;
use uuid::Uuid;

const WORKER_VAR: &str = "APHEX_RELIABILITY_SQLITE_WORKER";
const PROCESSES: usize = 4;
const DOCS_PER_PROCESS: usize = 150;

fn main() -> std::process::ExitCode {
    if let Ok(spec) = std::env::var(WORKER_VAR) {
        return worker(&spec);
    }
    aphex_conformance::Suite::new()
        .test("processes_share_one_file", processes_share_one_file)
        .test(
            "a_full_disk_gives_a_typed_error",
            a_full_disk_gives_a_typed_error,
        )
        .test(
            "a_read_only_file_gives_a_typed_error",
            a_read_only_file_gives_a_typed_error,
        )
        .run()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

async fn cms_on(url: &str) -> aphex::Result<Cms> {
    Cms::builder()
        .database(aphex::connect(url).await?)
        .schema_types(fixtures::schema_types())
        .build()
        .await
}

/// A worker process: `url|worker number`. Creates `DOCS_PER_PROCESS` posts and saves each one
/// once, printing `ack <id>` after each acknowledged save; exits 1 at the first error.
fn worker(spec: &str) -> std::process::ExitCode {
    let Some((url, number)) = spec.split_once('|') else {
        eprintln!("bad worker spec {spec}");
        return std::process::ExitCode::FAILURE;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let outcome: aphex::Result<()> = runtime.block_on(async {
        let cms = cms_on(url).await?;
        let docs = cms.documents();
        for i in 0..DOCS_PER_PROCESS {
            let title = format!("worker {number} post {i}");
            let created = docs
                .create(CreateDocument::new("post", json!({"title": title})))
                .await?;
            docs.update_draft(
                created.id,
                json!({"title": title, "saved": true}),
                WriteOptions::new().expect_revision(created.revision),
            )
            .await?;
            println!("ack {}", created.id);
        }
        aphex::Result::Ok(())
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("worker {number}: {e} ({:?})", e.kind());
            std::process::ExitCode::FAILURE
        }
    }
}

async fn processes_share_one_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url(&dir.path().join("shared.db"));
    aphex::connect_and_migrate(&url).await.expect("migrate");

    let exe = std::env::current_exe().expect("own binary");
    let children: Vec<_> = (0..PROCESSES)
        .map(|n| {
            Command::new(&exe)
                .env(WORKER_VAR, format!("{url}|{n}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn a worker")
        })
        .collect();
    let mut acknowledged = BTreeSet::new();
    for (n, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("worker output");
        assert!(
            out.status.success(),
            "worker {n} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let id = line.strip_prefix("ack ").expect("an ack line");
            acknowledged.insert(Uuid::parse_str(id).expect("an id"));
        }
    }
    assert_eq!(acknowledged.len(), PROCESSES * DOCS_PER_PROCESS);

    let cms = cms_on(&url).await.expect("open");
    assert_all_present(&cms, &acknowledged).await;
    assert_eq!(
        post_count(&cms).await,
        u64::try_from(acknowledged.len()).expect("count"),
        "nothing but the acknowledged writes"
    );
    assert_integrity_ok(&url).await;
}

async fn post_count(cms: &Cms) -> u64 {
    cms.documents()
        .count(&aphex::query::FindOptions::new().doc_type("post"))
        .await
        .expect("count")
}

/// Every acknowledged post is there, saved once, with its two snapshots.
async fn assert_all_present(cms: &Cms, acknowledged: &BTreeSet<Uuid>) {
    for id in acknowledged {
        let doc = cms
            .documents()
            .find_by_id(*id, Perspective::Draft, 0)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("acknowledged post {id} is missing"));
        assert_eq!(doc.revision, 2, "{id}: the acknowledged save is there");
        assert_eq!(doc.draft_data.expect("draft")["saved"], json!(true));
        for number in [1, 2] {
            assert!(
                cms.documents()
                    .version(*id, number)
                    .await
                    .expect("version")
                    .is_some(),
                "{id}: snapshot {number} is missing"
            );
        }
    }
}

async fn assert_integrity_ok(url: &str) {
    let conn = Database::connect(url).await.expect("connect");
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .expect("integrity_check")
        .expect("a row");
    let verdict: String = row.try_get_by_index(0).expect("text");
    assert_eq!(verdict, "ok");
    conn.close().await.expect("close");
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("mnt");
        std::fs::create_dir(&path).map_err(|e| e.to_string())?;
        run(
            "mount",
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            &path,
        )?;
        Ok(Tmpfs { path, _dir: dir })
    }

    fn remount(&self, options: &str) {
        run("mount", &["-o", &format!("remount,{options}")], &self.path).expect("remount");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = run("umount", &["-l"], &self.path);
    }
}

/// Whether `err` is the retryable, typed error for `transient`.
fn is_transient(err: &Error, transient: Transient) -> bool {
    err.kind() == aphex::ErrorKind::Unavailable && err.transient() == Some(transient)
}

async fn a_full_disk_gives_a_typed_error() {
    let fs = match Tmpfs::mount("3m") {
        Ok(fs) => fs,
        Err(reason) => {
            cannot("mount a tmpfs", &reason);
            return;
        }
    };
    let url = sqlite_url(&fs.path.join("full.db"));
    aphex::connect_and_migrate(&url).await.expect("migrate");
    let cms = cms_on(&url).await.expect("open");
    let docs = cms.documents();

    // Full: write ~8 KB posts until the 3 MB file system refuses one.
    let filler = "x".repeat(8 * 1024);
    let mut acknowledged = BTreeSet::new();
    let full = loop {
        assert!(acknowledged.len() < 2_000, "3 MB never filled up");
        match docs
            .create(CreateDocument::new(
                "post",
                json!({"title": "fill", "body": filler}),
            ))
            .await
        {
            Ok(doc) => {
                let saved = docs
                    .update_draft(
                        doc.id,
                        json!({"title": "fill", "saved": true}),
                        WriteOptions::new(),
                    )
                    .await;
                match saved {
                    Ok(_) => {
                        acknowledged.insert(doc.id);
                    }
                    Err(e) => break e,
                }
            }
            Err(e) => break e,
        }
    };
    assert!(
        is_transient(&full, Transient::StorageFull),
        "a full disk is Unavailable(StorageFull), got {full:?}"
    );
    assert!(full.is_retryable());
    assert!(!acknowledged.is_empty());
    drop(cms);
    // Space freed (the tmpfs grown): the file opens and holds every acknowledged write.
    fs.remount("size=8m");
    let cms = cms_on(&url).await.expect("reopen after space was freed");
    assert_all_present(&cms, &acknowledged).await;
    assert_integrity_ok(&url).await;
}

/// A file made immutable (`chattr +i`: even root cannot write it), made writable again when
/// dropped.
struct Immutable(PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = run("chattr", &["-i"], &self.0);
    }
}

async fn a_read_only_file_gives_a_typed_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("read-only.db");
    let url = sqlite_url(&path);
    aphex::connect_and_migrate(&url).await.expect("migrate");
    let cms = cms_on(&url).await.expect("open");
    let mut acknowledged = BTreeSet::new();
    for i in 0..20 {
        let doc = cms
            .documents()
            .create(CreateDocument::new(
                "post",
                json!({"title": format!("post {i}")}),
            ))
            .await
            .expect("create");
        cms.documents()
            .update_draft(
                doc.id,
                json!({"title": "x", "saved": true}),
                WriteOptions::new(),
            )
            .await
            .expect("save");
        acknowledged.insert(doc.id);
    }
    drop(cms);

    // Root ignores file modes; an immutable file is read-only for everyone.
    if let Err(reason) = run("chattr", &["+i"], &path) {
        cannot("make a file immutable", &reason);
        return;
    }
    let guard = Immutable(path.clone());
    // Opening writes (the connection's pragmas), so the refusal may come at open or at the
    // first write; either way it is the typed error.
    let refused = match cms_on(&url).await {
        Err(e) => e,
        Ok(cms) => cms
            .documents()
            .create(CreateDocument::new("post", json!({"title": "read-only"})))
            .await
            .expect_err("a write to a read-only file"),
    };
    assert!(
        is_transient(&refused, Transient::ReadOnly),
        "a read-only file is Unavailable(ReadOnly), got {refused:?}"
    );
    drop(guard);
    let cms = cms_on(&url).await.expect("reopen read-write");
    assert_all_present(&cms, &acknowledged).await;
    assert_eq!(post_count(&cms).await, 20, "the refused write left nothing");
    assert_integrity_ok(&url).await;
}
