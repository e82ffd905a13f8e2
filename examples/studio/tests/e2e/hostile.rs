//! Hostile and unusual input, key scopes and public read mode, against the real binary.
//!
//! Every hostile request gets a JSON 4xx naming what is wrong — and the studio never logged a
//! panic or a 5xx while answering them (its stderr is checked at the end), so no input reached
//! the last line of defence.

use reqwest::Method;
use serde_json::{Value, json};

use crate::http::{Api, Auth, Reply};
use crate::studio::Studio;

/// The JSON body cap the hostile scenario starts the studio with.
pub const BODY_LIMIT: usize = 64 * 1024;

const ADMIN: (&str, &str, &str) = ("Admin", "admin@example.com", "change-me-please");

/// `levels` nested arrays around `1`, as JSON text.
fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

#[track_caller]
fn four_xx(reply: &Reply, status: u16, code: &str) -> Value {
    reply.error(status, code).clone()
}

/// Numbers past every limit, NUL characters, lone surrogates, deep nesting, huge integers,
/// oversize bodies, unknown routes and methods, malformed ids: each a JSON 4xx.
pub async fn hostile_requests_get_json_4xx(studio: &Studio) {
    let api = Api::new(&studio.base);
    let (cookie, _) = api.sign_up(ADMIN.0, ADMIN.1, ADMIN.2).await;
    let (key, _) = api.create_key(&cookie, &json!({"name": "ci"})).await;
    let auth = Auth::Key(&key);
    let doc = api
        .post(
            "/api/documents",
            auth,
            &json!({"type": "author", "data": {"name": "Ada"}}),
        )
        .await;
    let id = doc.ok(201)["id"].as_str().expect("id").to_string();

    // Numbers: every page, limit, offset and depth is checked before the database.
    for (path, field) in [
        (
            format!("/api/documents/{id}/versions?page=18446744073709551615"),
            "page",
        ),
        (format!("/api/documents/{id}/versions?limit=0"), "limit"),
        ("/api/documents?limit=0".to_owned(), "limit"),
        (
            "/api/documents?limit=18446744073709551615".to_owned(),
            "limit",
        ),
        (
            "/api/documents?offset=18446744073709551615".to_owned(),
            "offset",
        ),
        ("/api/documents?page=0".to_owned(), "page"),
        (
            "/api/documents?page=18446744073709551615".to_owned(),
            "page",
        ),
        ("/api/documents?depth=4294967295".to_owned(), "depth"),
        ("/api/assets?page=18446744073709551615".to_owned(), "page"),
    ] {
        let reply = api.get(&path, auth).await;
        assert_eq!(
            four_xx(&reply, 400, "invalid_query")["path"],
            field,
            "{path}"
        );
    }
    for path in [
        "/api/documents?depth=4294967296",
        "/api/documents?page=18446744073709551616",
        "/api/documents?limit=-1",
    ] {
        four_xx(&api.get(path, auth).await, 400, "bad_request");
    }
    for (body, field) in [
        (json!({"offset": 18_446_744_073_709_551_615_u64}), "offset"),
        (
            json!({"page": 18_446_744_073_709_551_615_u64, "limit": 200}),
            "page",
        ),
        (
            json!({"where": {"createdAt": {"less_than": "+10000-01-01T00:00:00"}}}),
            "createdAt",
        ),
        (json!({"where": {"name": "a\u{0}b"}}), "name"),
        (json!({"type": "a\u{0}"}), "type"),
    ] {
        let reply = api.post("/api/documents/query", auth, &body).await;
        assert_eq!(
            four_xx(&reply, 400, "invalid_query")["path"],
            field,
            "{body}"
        );
    }
    four_xx(
        &api.post_raw_json("/api/documents/query", auth, r#"{"limit": 1e400}"#)
            .await,
        400,
        "bad_request",
    );
    for expires in [i64::MAX, i64::MIN, -5] {
        let reply = api
            .post(
                "/api/auth/api-keys",
                Auth::Cookie(&cookie),
                &json!({"expiresIn": expires}),
            )
            .await;
        let details = four_xx(&reply, 400, "validation_failed");
        assert_eq!(
            details["fields"][0]["path"],
            "expiresIn",
            "{}",
            reply.describe()
        );
    }
    four_xx(
        &api.post(
            &format!("/api/documents/{id}/versions/9223372036854775807/restore"),
            auth,
            &json!({}),
        )
        .await,
        404,
        "not_found",
    );
    four_xx(
        &api.post(
            &format!("/api/documents/{id}/versions/99999999999999999999/restore"),
            auth,
            &json!({}),
        )
        .await,
        400,
        "bad_request",
    );

    // Values no backend can store: refused alike, naming where they are.
    for (body, field) in [
        (
            r#"{"type": "author", "data": {"name": "a\u0000b"}}"#,
            "data.name",
        ),
        (
            r#"{"type": "author", "data": {"k\u0000": 1}}"#,
            "data.k\u{0}",
        ),
        (
            r#"{"type": "author", "data": {"n": 18446744073709551615}}"#,
            "data.n",
        ),
    ] {
        let reply = api.post_raw_json("/api/documents", auth, body).await;
        let details = four_xx(&reply, 400, "validation_failed");
        assert_eq!(details["fields"][0]["path"], field, "{}", reply.describe());
    }
    let deep = format!(r#"{{"type": "author", "data": {{"d": {}}}}}"#, nested(70));
    four_xx(
        &api.post_raw_json("/api/documents", auth, &deep).await,
        400,
        "validation_failed",
    );
    let too_deep = format!(r#"{{"type": "author", "data": {{"d": {}}}}}"#, nested(200));
    four_xx(
        &api.post_raw_json("/api/documents", auth, &too_deep).await,
        400,
        "bad_request",
    );
    four_xx(
        &api.post_raw_json(
            "/api/documents",
            auth,
            r#"{"type": "author", "data": {"name": "\ud800"}}"#,
        )
        .await,
        400,
        "bad_request",
    );

    // Bodies over the cap: 413 with the cap, on JSON and on raw (optional) bodies.
    let big = json!({"type": "author", "data": {"name": "x".repeat(BODY_LIMIT)}});
    for (method, path) in [
        (Method::POST, "/api/documents".to_owned()),
        (Method::PUT, format!("/api/documents/{id}")),
        (Method::POST, format!("/api/documents/{id}/publish")),
        (Method::POST, "/api/documents/query".to_owned()),
    ] {
        let reply = api.json(method.clone(), &path, auth, &big).await;
        let details = four_xx(&reply, 413, "payload_too_large");
        assert_eq!(details["maxBytes"], BODY_LIMIT, "{method} {path}");
    }

    // Unknown routes and methods, malformed ids and keys: JSON too.
    four_xx(&api.get("/api/nope", auth).await, 404, "not_found");
    four_xx(
        &api.delete("/api/schemas", auth).await,
        405,
        "method_not_allowed",
    );
    four_xx(
        &api.get("/api/documents/not-a-uuid", auth).await,
        400,
        "bad_request",
    );
    four_xx(&api.get("/api/schemas/%00", auth).await, 404, "not_found");
    four_xx(
        &api.put(
            "/api/users/%00/role",
            Auth::Cookie(&cookie),
            &json!({"role": "viewer"}),
        )
        .await,
        404,
        "not_found",
    );
    four_xx(
        &api.delete("/api/auth/api-keys/%00", Auth::Cookie(&cookie))
            .await,
        404,
        "not_found",
    );
    let forged = api
        .send(
            api.request(Method::GET, "/api/documents", Auth::None)
                .header("cookie", "better-auth.session_token=abc%00.c2lnbmF0dXJl"),
        )
        .await;
    four_xx(&forged, 401, "unauthorized");

    // None of it reached a panic or a 5xx.
    let log = studio.stderr_text();
    assert!(!log.contains("panicked"), "a handler panicked:\n{log}");
    assert!(
        !log.contains("request failed"),
        "a request failed with a 5xx:\n{log}"
    );
}

/// Delivery keys read published content only (never a draft, a version, a user or a key);
/// read-only keys read drafts but write nothing; with `APHEX_PUBLIC_READ=published` a request
/// without credentials reads like a delivery key.
pub async fn key_scopes_and_public_reads(studio: &Studio) {
    let api = Api::new(&studio.base);
    let (cookie, _) = api.sign_up(ADMIN.0, ADMIN.1, ADMIN.2).await;
    let admin = Auth::Cookie(&cookie);
    let live = api
        .post(
            "/api/documents",
            admin,
            &json!({"type": "author", "data": {"name": "Live"}}),
        )
        .await;
    let live = live.ok(201)["id"].as_str().expect("id").to_string();
    api.post(&format!("/api/documents/{live}/publish"), admin, &json!({}))
        .await
        .ok(200);
    api.put(
        &format!("/api/documents/{live}"),
        admin,
        &json!({"data": {"name": "Live DRAFT"}}),
    )
    .await
    .ok(200);
    let secret = api
        .post(
            "/api/documents",
            admin,
            &json!({"type": "author", "data": {"name": "Secret DRAFT"}}),
        )
        .await;
    let secret = secret.ok(201)["id"].as_str().expect("id").to_string();

    let (delivery, view) = api
        .create_key(&cookie, &json!({"name": "site", "scope": "delivery"}))
        .await;
    assert_eq!(view["scope"], "delivery");
    let (reader, view) = api
        .create_key(&cookie, &json!({"name": "reader", "readOnly": true}))
        .await;
    assert_eq!(view["scope"], "read");

    for (who, auth) in [
        ("a delivery key", Auth::Key(&delivery)),
        ("anyone", Auth::None),
    ] {
        let page = api.get("/api/documents", auth).await;
        let body = page.ok(200);
        assert_eq!(body["totalDocs"], 1, "{who}: published documents only");
        let text = body.to_string();
        assert!(
            !text.contains("DRAFT") && !text.contains("draftData"),
            "{who}: {text}"
        );
        let one = api.get(&format!("/api/documents/{live}"), auth).await;
        assert_eq!(one.ok(200)["publishedData"]["name"], "Live", "{who}");
        assert!(one.json.get("draftData").is_none(), "{who}");
        four_xx(
            &api.get(&format!("/api/documents/{secret}"), auth).await,
            404,
            "not_found",
        );
        let query = api
            .post(
                "/api/documents/query",
                auth,
                &json!({"where": {"name": {"contains": "draft"}}}),
            )
            .await;
        assert_eq!(
            query.ok(200)["totalDocs"],
            0,
            "{who}: filters see the published copy"
        );
        four_xx(
            &api.get("/api/documents?perspective=draft", auth).await,
            403,
            "forbidden",
        );
        four_xx(
            &api.post(
                "/api/documents/query",
                auth,
                &json!({"perspective": "draft"}),
            )
            .await,
            403,
            "forbidden",
        );
        four_xx(
            &api.get(&format!("/api/documents/{live}/versions"), auth)
                .await,
            403,
            "forbidden",
        );
        api.get("/api/schemas", auth).await.ok(200);
        api.get("/api/assets", auth).await.ok(200);
        let write = api
            .post(
                "/api/documents",
                auth,
                &json!({"type": "author", "data": {"name": "x"}}),
            )
            .await;
        match auth {
            Auth::None => four_xx(&write, 401, "unauthorized"),
            _ => four_xx(&write, 403, "forbidden"),
        };
    }
    four_xx(
        &api.get("/api/auth/api-keys", Auth::Key(&delivery)).await,
        403,
        "forbidden",
    );
    four_xx(
        &api.get("/api/auth/api-keys", Auth::None).await,
        401,
        "unauthorized",
    );
    four_xx(
        &api.post("/api/auth/api-keys", Auth::Key(&delivery), &json!({}))
            .await,
        403,
        "forbidden",
    );

    // A read-only key reads drafts and history, and writes nothing.
    let drafts = api
        .get("/api/documents?perspective=draft", Auth::Key(&reader))
        .await;
    assert_eq!(drafts.ok(200)["totalDocs"], 2);
    api.get(
        &format!("/api/documents/{live}/versions"),
        Auth::Key(&reader),
    )
    .await
    .ok(200);
    four_xx(
        &api.put(
            &format!("/api/documents/{live}"),
            Auth::Key(&reader),
            &json!({"data": {}}),
        )
        .await,
        403,
        "forbidden",
    );
    four_xx(
        &api.post(
            "/api/auth/api-keys",
            Auth::Cookie(&cookie),
            &json!({"scope": "delivery", "readOnly": true}),
        )
        .await,
        400,
        "bad_request",
    );
}
