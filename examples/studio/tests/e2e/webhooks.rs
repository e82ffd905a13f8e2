//! Webhooks end to end, on one backend, with a receiver this test runs on 127.0.0.1: deliveries
//! are signed as the Standard Webhooks specification says (checked here with our own HMAC), a
//! receiver that fails twice gets the event on the third try, the event filter holds, the
//! delivery log tells, and restarts of the studio — one killed while a delivery is being
//! retried, one that ran no worker while content changed — lose no delivery.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::multipart::Form;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::http::{Api, Auth};
use crate::png;
use crate::scenarios::{file_part, id_of};
use crate::studio::Studio;

/// The studio's worker and dispatcher poll and back off quickly here.
pub const FAST_ENV: [(&str, &str); 3] = [
    ("APHEX_SIGNUP", "open"),
    ("APHEX_JOB_POLL_MS", "100"),
    ("APHEX_JOB_BACKOFF_MS", "100"),
];

/// The same, with no worker and no dispatcher (events wait in the outbox).
pub const NO_WORKER_ENV: [(&str, &str); 2] =
    [("APHEX_SIGNUP", "open"), ("APHEX_JOB_WORKER", "off")];

/// What the receiver answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// 500 to the first two requests of each message, then 204.
    FailTwice,
    /// 503 always.
    Down,
    /// 204 always.
    Up,
}

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

#[derive(Clone)]
struct Receiver {
    mode: Arc<Mutex<Mode>>,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let mut got = r.got.lock().expect("lock");
    let earlier = got.iter().filter(|g| g.id == id).count();
    let status = match *r.mode.lock().expect("lock") {
        Mode::FailTwice if earlier < 2 => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Down => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::NO_CONTENT,
    };
    got.push(Received {
        id,
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: status.as_u16(),
    });
    status
}

impl Receiver {
    async fn start(mode: Mode) -> (Receiver, SocketAddr) {
        let receiver = Receiver {
            mode: Arc::new(Mutex::new(mode)),
            got: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, addr)
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().expect("lock") = mode;
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// The requests for the event about `subject` of `kind`, once one was answered 2xx.
    async fn delivered(&self, kind: &str, subject: &str) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let of: Vec<Received> = self
                .got()
                .into_iter()
                .filter(|g| {
                    let body: Value = serde_json::from_str(&g.body).unwrap_or(Value::Null);
                    body["type"] == json!(kind) && body["data"]["subjectId"] == json!(subject)
                })
                .collect();
            if of.iter().any(|g| g.answered < 300) {
                return of;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{kind} of {subject} never delivered; got {of:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Checks a request's signature as a receiver following the specification would: HMAC-SHA256
/// keyed by the secret's bytes over `{id}.{timestamp}.{body}`.
fn verify(secret: &str, r: &Received) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64 secret");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("key");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(
        r.signature.split(' ').any(|s| s == expected),
        "bad signature {} (expected {expected})",
        r.signature
    );
    let sent: i64 = r.timestamp.parse().expect("a unix timestamp");
    assert!(
        (chrono::Utc::now().timestamp() - sent).abs() < 300,
        "stale timestamp"
    );
}

async fn create(api: &Api, auth: Auth<'_>, name: &str) -> String {
    let body = json!({ "type": "author", "data": { "name": name } });
    id_of(api.post("/api/documents", auth, &body).await.ok(201))
}

/// `start(env)` starts a studio on the test's database (the same one every time).
pub async fn signed_retried_and_kept_across_restarts(start: impl Fn(&[(&str, &str)]) -> Studio) {
    let (receiver, addr) = Receiver::start(Mode::FailTwice).await;
    let studio = start(&FAST_ENV);
    let api = Api::new(&studio.base);
    let (cookie, _) = api
        .sign_up("Admin", "admin@example.com", "change-me-please")
        .await;
    let auth = Auth::Cookie(&cookie);
    let hook = api
        .post(
            "/api/webhooks",
            auth,
            &json!({ "url": format!("http://{addr}/hook"), "events": ["document.*"] }),
        )
        .await;
    let hook = hook.ok(201).clone();
    let secret = hook["secret"].as_str().expect("secret").to_owned();
    let hook_id = id_of(&hook);

    // Signed, and the third try lands after two failures.
    let doc = create(&api, auth, "Ada").await;
    let tries = receiver.delivered("document.created", &doc).await;
    let answers: Vec<u16> = tries.iter().map(|t| t.answered).collect();
    assert_eq!(answers, [500, 500, 204]);
    assert!(
        tries.iter().all(|t| t.id == tries[0].id),
        "one message id across retries"
    );
    for t in &tries {
        verify(&secret, t);
    }
    let body: Value = serde_json::from_str(&tries[2].body).expect("JSON");
    assert_eq!(body["data"]["kind"], json!("document.created"));
    assert_eq!(body["data"]["data"]["id"], json!(doc));
    assert_eq!(tries[0].id, body["data"]["id"].as_str().expect("event id"));

    // The filter: an asset's event is not delivered; the delivery log tells what was.
    let image = png::rgb(2, 2, |_, _| [1, 2, 3]);
    let form = Form::new().part("file", file_part(image, "a.png", "image/png"));
    api.multipart("/api/assets", auth, form).await.ok(201);
    let log = api
        .get(&format!("/api/webhooks/{hook_id}/deliveries"), auth)
        .await;
    let log = log.ok(200)["deliveries"].clone();
    let created = log
        .as_array()
        .expect("deliveries")
        .iter()
        .find(|d| d["payload"]["event"]["subjectId"] == json!(doc))
        .unwrap_or_else(|| panic!("no delivery of the document in {log}"))
        .clone();
    assert_eq!(
        (created["status"].clone(), created["attempts"].clone()),
        (json!("succeeded"), json!(3))
    );
    assert!(
        created["lastError"].as_str().unwrap_or("").contains("500"),
        "{created}"
    );

    // The receiver goes down; a delivery is being retried when the studio is killed.
    receiver.set(Mode::Down);
    let stuck = create(&api, auth, "Bea").await;
    let started = Instant::now();
    while !receiver.got().iter().any(|g| g.body.contains(&stuck)) {
        assert!(started.elapsed() < Duration::from_secs(20), "never tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(studio);

    // A studio without a worker: content changes, its events wait in the outbox.
    let quiet = start(&NO_WORKER_ENV);
    let api = Api::new(&quiet.base);
    let mut waiting = Vec::new();
    for name in ["Cy", "Di", "Ed"] {
        waiting.push(create(&api, auth, name).await);
    }
    drop(quiet);

    // Back with a worker and the receiver up: everything arrives, signed.
    receiver.set(Mode::Up);
    let studio = start(&FAST_ENV);
    for subject in std::iter::once(&stuck).chain(&waiting) {
        let tries = receiver.delivered("document.created", subject).await;
        verify(&secret, tries.last().expect("a try"));
    }
    let api = Api::new(&studio.base);
    api.get("/api/webhooks", auth).await.ok(200);

    // Who may not, and bad input.
    api.post("/api/webhooks", auth, &json!({ "url": "ftp://x" }))
        .await
        .ok(400);
    api.post(
        "/api/webhooks",
        auth,
        &json!({ "url": "http://127.0.0.1:1/x", "events": ["nothing.happened"] }),
    )
    .await
    .ok(400);
    api.post(
        "/api/webhooks",
        auth,
        &json!({ "url": "http://127.0.0.1:1/x", "secret": "not-a-secret" }),
    )
    .await
    .ok(400);
    api.get("/api/webhooks", Auth::None).await.ok(401);
    let (viewer, _) = api
        .sign_up("Viewer", "viewer@example.com", "change-me-please")
        .await;
    api.get("/api/webhooks", Auth::Cookie(&viewer))
        .await
        .ok(403);
    api.delete(&format!("/api/webhooks/{hook_id}"), auth)
        .await
        .ok(204);
    api.get(&format!("/api/webhooks/{hook_id}"), auth)
        .await
        .ok(404);
    let counts: BTreeMap<String, usize> =
        receiver.got().iter().fold(BTreeMap::new(), |mut m, g| {
            *m.entry(g.id.clone()).or_default() += 1;
            m
        });
    assert!(counts.len() >= 5, "{counts:?}");
}
