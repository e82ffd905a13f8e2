//! Scheduled publishing over HTTP, on one backend, with the studio's own job worker: a publish
//! scheduled for a moment later happens then (with the draft as it is then), a pinned one
//! fails when the draft changed, a scheduled job is cancelled, and bad requests are typed.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{Api, Auth};
use crate::scenarios::id_of;

/// What the studio's worker polls at in these tests (`APHEX_JOB_POLL_MS`).
pub const FAST_WORKER_ENV: [(&str, &str); 2] =
    [("APHEX_SIGNUP", "open"), ("APHEX_JOB_POLL_MS", "100")];

fn at(from_now_ms: i64) -> String {
    (chrono::Utc::now() + chrono::TimeDelta::milliseconds(from_now_ms))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Polls job `id` until it has one of `statuses`.
async fn until(api: &Api, auth: Auth<'_>, id: &str, statuses: &[&str]) -> Value {
    let started = Instant::now();
    loop {
        let job = api
            .get(&format!("/api/jobs/{id}"), auth)
            .await
            .ok(200)
            .clone();
        if statuses.iter().any(|s| job["status"] == json!(s)) {
            return job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "job stuck: {job}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn scheduled_publishing(base: &str) {
    let api = Api::new(base);
    let (cookie, _) = api
        .sign_up("Admin", "admin@example.com", "change-me-please")
        .await;
    let auth = Auth::Cookie(&cookie);
    let create = |name: &str| {
        let body = json!({ "type": "author", "data": { "name": name } });
        let api = &api;
        async move { id_of(api.post("/api/documents", auth, &body).await.ok(201)) }
    };

    // A publish a moment later, with an edit in between: the edit goes live.
    let doc = create("Ada").await;
    let job = api
        .post(
            &format!("/api/documents/{doc}/schedule"),
            auth,
            &json!({ "action": "publish", "at": at(800) }),
        )
        .await;
    let job = job.ok(201).clone();
    assert_eq!(job["status"], json!("scheduled"));
    assert_eq!(job["kind"], json!("publish"));
    let listed = api.get("/api/jobs?status=scheduled", auth).await;
    assert!(
        listed.ok(200)["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .any(|j| j["id"] == job["id"])
    );
    api.put(
        &format!("/api/documents/{doc}"),
        auth,
        &json!({ "data": { "name": "Ada L." } }),
    )
    .await
    .ok(200);
    let id = job["id"].as_str().expect("id");
    let done = until(&api, auth, id, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], json!("succeeded"), "{done}");
    let live = api
        .get(&format!("/api/documents/{doc}?perspective=published"), auth)
        .await;
    assert_eq!(live.ok(200)["publishedData"], json!({ "name": "Ada L." }));

    // Pinned to the reviewed revision: an edit since makes it fail, nothing goes live.
    let pinned = create("Bob").await;
    let job = api
        .post(
            &format!("/api/documents/{pinned}/schedule"),
            auth,
            &json!({ "action": "publish", "at": at(800), "revision": 1 }),
        )
        .await;
    let job = job.ok(201).clone();
    api.put(
        &format!("/api/documents/{pinned}"),
        auth,
        &json!({ "data": { "name": "Bob?" } }),
    )
    .await
    .ok(200);
    let failed = until(
        &api,
        auth,
        job["id"].as_str().expect("id"),
        &["succeeded", "failed"],
    )
    .await;
    assert_eq!(failed["status"], json!("failed"), "{failed}");
    assert!(
        failed["lastError"]
            .as_str()
            .unwrap_or("")
            .contains("draft changed"),
        "{failed}"
    );
    api.get(
        &format!("/api/documents/{pinned}?perspective=published"),
        auth,
    )
    .await
    .ok(404);

    // Cancelled before it runs; not twice.
    let later = api
        .post(
            &format!("/api/documents/{doc}/schedule"),
            auth,
            &json!({ "action": "unpublish", "at": at(3_600_000), "idempotencyKey": "down-tonight" }),
        )
        .await;
    let later = later.ok(201).clone();
    let again = api
        .post(
            &format!("/api/documents/{doc}/schedule"),
            auth,
            &json!({ "action": "unpublish", "at": at(60_000), "idempotencyKey": "down-tonight" }),
        )
        .await;
    assert_eq!(
        again.ok(201)["id"],
        later["id"],
        "the same job for the same key"
    );
    let id = later["id"].as_str().expect("id");
    let cancelled = api.delete(&format!("/api/jobs/{id}"), auth).await;
    assert_eq!(cancelled.ok(200)["status"], json!("cancelled"));
    api.delete(&format!("/api/jobs/{id}"), auth).await.ok(400);

    // Typed refusals.
    let unknown = uuid::Uuid::new_v4();
    api.post(
        &format!("/api/documents/{unknown}/schedule"),
        auth,
        &json!({ "action": "publish", "at": at(0) }),
    )
    .await
    .ok(404);
    api.post(
        &format!("/api/documents/{doc}/schedule"),
        auth,
        &json!({ "action": "archive", "at": at(0) }),
    )
    .await
    .ok(400);
    api.post(
        &format!("/api/documents/{doc}/schedule"),
        auth,
        &json!({ "action": "publish" }),
    )
    .await
    .ok(400);
    api.get(&format!("/api/jobs/{unknown}"), auth).await.ok(404);
    api.get("/api/jobs?limit=1000", auth).await.ok(400);
    api.get("/api/jobs", Auth::None).await.ok(401);
}
