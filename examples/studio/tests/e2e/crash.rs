//! The studio killed with SIGKILL in the middle of uploads and a burst of saves, then started
//! again on the same database and media directory (docs/reliability.md#restart-the-application-lose-nothing):
//!
//! - every acknowledged save is there (the revision it was acknowledged at, with its data — or
//!   one more, when a save in flight at the kill had committed);
//! - every acknowledged upload is there, row and file, byte for byte;
//! - no asset row is without its file;
//! - every file without a row — what the kill left between storing an upload's file and writing
//!   its row, a temporary file of an interrupted write, planted ones of both kinds — is listed
//!   by `aphex-studio cleanup-assets --dry-run` and removed by `cleanup-assets`, which keeps
//!   every asset's file and leaves files younger than `--older-than` alone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::http::{Api, Auth};
use crate::studio::Studio;

const UPLOADERS: usize = 3;
const SAVERS: usize = 3;

/// What the clients were told succeeded.
#[derive(Default)]
struct Acked {
    /// Asset id → (path, bytes).
    uploads: BTreeMap<String, (String, Vec<u8>)>,
    /// Document id → (revision, data) of the newest acknowledged save.
    saves: BTreeMap<String, (i64, Value)>,
    /// Requests that got no answer (the kill).
    broken: usize,
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

async fn uploader(
    api: Api,
    cookie: String,
    n: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Acked>>,
) {
    let mut i = 0_usize;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        // 16–80 KB, distinct per upload.
        let len = 16 * 1024 + (i * 7919 + n * 104_729) % (64 * 1024);
        let bytes: Vec<u8> = (0..len).map(|b| ((b * 31 + i + n) % 251) as u8).collect();
        let form = Form::new().part(
            "file",
            Part::bytes(bytes.clone())
                .file_name(format!("u{n}-{i}.bin"))
                .mime_str("application/octet-stream")
                .expect("mime"),
        );
        let rb = api
            .request(Method::POST, "/api/assets", Auth::Cookie(&cookie))
            .multipart(form);
        match api.try_send(rb).await {
            Ok(reply) if reply.status.as_u16() == 201 => {
                let path = reply.json["path"].as_str().expect("path").to_string();
                acked
                    .lock()
                    .await
                    .uploads
                    .insert(id_of(&reply.json), (path, bytes));
            }
            Ok(reply) => panic!("upload refused: {}", reply.describe()),
            Err(_) => {
                acked.lock().await.broken += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn saver(
    api: Api,
    cookie: String,
    n: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Acked>>,
) {
    let created = api
        .post(
            "/api/documents",
            Auth::Cookie(&cookie),
            &json!({"type": "author", "data": {"name": format!("saver {n}")}}),
        )
        .await;
    let doc = created.ok(201);
    let id = id_of(doc);
    let mut revision = doc["revision"].as_i64().expect("revision");
    acked
        .lock()
        .await
        .saves
        .insert(id.clone(), (revision, doc["draftData"].clone()));
    let path = format!("/api/documents/{id}");
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let data = json!({"name": format!("saver {n}"), "bio": format!("save {i}")});
        let rb = api
            .request(Method::PUT, &path, Auth::Cookie(&cookie))
            .json(&json!({"data": data, "expectedRevision": revision}));
        match api.try_send(rb).await {
            Ok(reply) if reply.status.as_u16() == 200 => {
                revision = reply.json["revision"].as_i64().expect("revision");
                acked
                    .lock()
                    .await
                    .saves
                    .insert(id.clone(), (revision, data));
            }
            Ok(reply) => panic!("save refused: {}", reply.describe()),
            Err(_) => {
                acked.lock().await.broken += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Runs `aphex-studio cleanup-assets` with `args`; returns its stdout.
fn cleanup(studio: &Studio, args: &[&str]) -> String {
    let out = studio
        .command()
        .arg("cleanup-assets")
        .args(args)
        .output()
        .expect("run cleanup-assets");
    assert!(
        out.status.success(),
        "cleanup-assets {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) async fn sigkill_during_uploads_and_saves_loses_nothing() {
    let studio = Studio::start(None);
    let api = Api::new(&studio.base);
    let (cookie, _) = api
        .sign_up("Admin", "admin@example.com", "change-me-please")
        .await;

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut tasks = Vec::new();
    for n in 0..UPLOADERS {
        tasks.push(tokio::spawn(uploader(
            api.clone(),
            cookie.clone(),
            n,
            stop.clone(),
            acked.clone(),
        )));
    }
    for n in 0..SAVERS {
        tasks.push(tokio::spawn(saver(
            api.clone(),
            cookie.clone(),
            n,
            stop.clone(),
            acked.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL, mid-request; then start it again on the same files.
    let studio = tokio::task::spawn_blocking(move || studio.kill_and_restart())
        .await
        .expect("restart");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("client task");
    }
    let acked = Arc::try_unwrap(acked).ok().expect("one owner").into_inner();
    assert!(!acked.uploads.is_empty() && !acked.saves.is_empty());
    assert!(acked.broken > 0, "the kill must have cut requests off");

    let api = Api::new(&studio.base);
    let auth = Auth::Cookie(&cookie);
    // Every acknowledged save.
    for (id, (revision, data)) in &acked.saves {
        let doc = api.get(&format!("/api/documents/{id}"), auth).await;
        let doc = doc.ok(200);
        let stored = doc["revision"].as_i64().expect("revision");
        assert!(
            stored == *revision || stored == revision + 1,
            "{id}: acknowledged revision {revision}, stored {stored}"
        );
        if stored == *revision {
            assert_eq!(&doc["draftData"], data, "{id}: the acknowledged data");
        }
    }
    // Every acknowledged upload, row and bytes.
    for (id, (path, bytes)) in &acked.uploads {
        let row = api.get(&format!("/api/assets/{id}"), auth).await;
        assert_eq!(row.ok(200)["path"].as_str(), Some(path.as_str()));
        let stored = std::fs::read(studio.media_dir.join(path)).expect("the file of an asset");
        assert!(stored == *bytes, "{id}: the file's bytes");
    }
    // No row without its file.
    let mut asset_paths = BTreeSet::new();
    for page in 1.. {
        let listed = api
            .get(&format!("/api/assets?limit=200&page={page}"), auth)
            .await;
        let listed = listed.ok(200);
        for row in listed["docs"].as_array().expect("docs") {
            asset_paths.insert(row["path"].as_str().expect("path").to_string());
        }
        if listed["hasNextPage"] != json!(true) {
            break;
        }
    }
    for path in &asset_paths {
        assert!(
            studio.media_dir.join(path).is_file(),
            "a row without its file: {path}"
        );
    }

    // Orphans: whatever the kill left, plus one of each kind planted.
    let stray_dir = studio.media_dir.join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&stray_dir).expect("mkdir");
    std::fs::write(stray_dir.join("stray.bin"), b"no row").expect("plant");
    std::fs::write(stray_dir.join("half.bin#3"), b"half writ").expect("plant");
    let orphans: BTreeSet<String> = studio
        .media_files()
        .into_iter()
        .filter(|f| !asset_paths.contains(f))
        .collect();
    let listing = cleanup(&studio, &["--dry-run", "--older-than", "0"]);
    for orphan in &orphans {
        assert!(
            listing.contains(orphan.as_str()),
            "{orphan} not listed:\n{listing}"
        );
    }
    // Young files are left alone by default (an upload may be in progress).
    let kept = cleanup(&studio, &[]);
    assert!(kept.contains("0 file(s) removed"), "{kept}");
    let removed = cleanup(&studio, &["--older-than", "0"]);
    assert!(
        removed.contains(&format!("{} file(s) removed", orphans.len())),
        "{removed}"
    );
    let left: BTreeSet<String> = studio.media_files().into_iter().collect();
    assert_eq!(left, asset_paths, "exactly the assets' files are left");
    eprintln!(
        "studio SIGKILL: {} uploads and {} documents acknowledged, {} requests cut off, {} \
         orphaned files (2 planted) cleaned",
        acked.uploads.len(),
        acked.saves.len(),
        acked.broken,
        orphans.len()
    );
}
