//! The change feed over HTTP, on one backend: a document's events in stream order (with who
//! did what), an asset's, the organization's in a time range with paging, and who may not read
//! them.

use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::http::{Api, Auth};
use crate::png;
use crate::scenarios::{file_part, id_of};

fn kinds(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap_or_else(|| panic!("events: {page}"))
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

pub async fn feed(base: &str) {
    let api = Api::new(base);
    let started = chrono::Utc::now();
    let (cookie, admin) = api
        .sign_up("Admin", "admin@example.com", "change-me-please")
        .await;
    let auth = Auth::Cookie(&cookie);
    let doc = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "author", "data": { "name": "Ada" } }),
        )
        .await;
    let doc = id_of(doc.ok(201));
    api.put(
        &format!("/api/documents/{doc}"),
        auth,
        &json!({ "data": { "name": "Ada L." } }),
    )
    .await
    .ok(200);
    api.post(&format!("/api/documents/{doc}/publish"), auth, &json!({}))
        .await
        .ok(200);

    let events = api.get(&format!("/api/documents/{doc}/events"), auth).await;
    let events = events.ok(200);
    assert_eq!(
        kinds(events),
        [
            "document.created",
            "document.draft_saved",
            "document.published"
        ]
    );
    let list = events["events"].as_array().expect("events");
    let sequences: Vec<i64> = list
        .iter()
        .map(|e| e["sequence"].as_i64().expect("seq"))
        .collect();
    assert_eq!(sequences, [1, 2, 3]);
    let admin_id = &admin["user"]["id"];
    assert!(admin_id.is_string(), "{admin}");
    assert!(list.iter().all(|e| &e["actor"] == admin_id), "{events}");
    assert_eq!(list[2]["data"]["status"], json!("published"));
    let page = api
        .get(
            &format!("/api/documents/{doc}/events?after=1&limit=1"),
            auth,
        )
        .await;
    assert_eq!(kinds(page.ok(200)), ["document.draft_saved"]);

    let image = png::rgb(2, 2, |_, _| [1, 2, 3]);
    let form = Form::new().part("file", file_part(image, "a.png", "image/png"));
    let asset = id_of(api.multipart("/api/assets", auth, form).await.ok(201));
    let asset_events = api.get(&format!("/api/assets/{asset}/events"), auth).await;
    assert_eq!(kinds(asset_events.ok(200)), ["asset.created"]);

    // The organization's, by time, two pages.
    let from = started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let first = api
        .get(&format!("/api/events?from={from}&limit=2"), auth)
        .await;
    let first = first.ok(200).clone();
    let last = &first["events"][1];
    let (at, id) = (
        last["createdAt"].as_str().expect("createdAt"),
        last["id"].as_str().expect("id"),
    );
    let rest = api
        .get(
            &format!("/api/events?from={from}&afterTime={at}&afterId={id}&limit=50"),
            auth,
        )
        .await;
    let mut all = kinds(&first);
    all.extend(kinds(rest.ok(200)));
    for kind in [
        "document.created",
        "document.draft_saved",
        "document.published",
        "asset.created",
    ] {
        assert!(all.iter().any(|k| k == kind), "{kind} missing from {all:?}");
    }

    // Who may not: nobody signed in, and bad arguments.
    api.get(&format!("/api/documents/{doc}/events"), Auth::None)
        .await
        .ok(401);
    api.get("/api/events?limit=5000", auth).await.ok(400);
    api.get(&format!("/api/events?afterTime={from}"), auth)
        .await
        .ok(400);
    api.get("/api/events?from=yesterday", auth).await.ok(400);
}
