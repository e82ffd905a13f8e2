//! The scenarios, written once against a base URL and run per backend by `main.rs`. Every step
//! asserts the status and the body.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::http::{Api, Auth};
use crate::png;
use crate::studio::{MAX_UPLOAD_BYTES, Studio};

const ADMIN_EMAIL: &str = "admin@example.com";
const ADMIN_PASSWORD: &str = "change-me-please";

pub(crate) fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

fn slug(current: &str) -> Value {
    json!({ "_type": "slug", "current": current })
}

/// A file part as a browser or curl sends it.
pub(crate) fn file_part(bytes: Vec<u8>, filename: &str, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(filename.to_string())
        .mime_str(mime)
        .expect("a valid MIME type")
}

/// The whole editorial flow on an empty studio: first user (admin) by cookie, an API key,
/// author and post, optimistic concurrency, publish, queries with references resolved,
/// versions, an image asset served back byte for byte, unpublish and deletes.
pub async fn editorial_flow(base: &str, backend: &str, storage: &str) {
    let api = Api::new(base);

    // Health needs no credentials.
    let health = api.get("/api/health", Auth::None).await;
    assert_eq!(
        health.ok(200),
        &json!({ "status": "ok", "backend": backend, "storage": storage })
    );

    // The first user to sign up is the admin; the session travels in the HttpOnly cookie only.
    let (cookie, signed_up) = api
        .sign_up("Admin", "Admin@Example.com", ADMIN_PASSWORD)
        .await;
    assert_eq!(signed_up["role"], "admin");
    assert_eq!(
        signed_up["user"]["email"], ADMIN_EMAIL,
        "emails are lowercased"
    );
    assert_eq!(signed_up["user"]["name"], "Admin");
    let admin_id = signed_up["user"]["id"]
        .as_str()
        .expect("user id")
        .to_string();
    assert_eq!(admin_id.len(), 32);
    assert!(signed_up["session"]["id"].is_string());
    assert!(signed_up["session"]["expiresAt"].is_string());
    assert!(signed_up["session"].get("token").is_none(), "{signed_up}");
    assert!(signed_up["user"].get("password").is_none(), "{signed_up}");

    let session = api.get("/api/auth/session", Auth::Cookie(&cookie)).await;
    let session = session.ok(200);
    assert_eq!(session["user"]["id"], admin_id.as_str());
    assert_eq!(session["user"]["email"], ADMIN_EMAIL);
    assert_eq!(session["role"], "admin");
    assert_eq!(session["session"]["id"], signed_up["session"]["id"]);

    // An API key: the plaintext is returned once; the list never shows it (nor its hash).
    let (key, view) = api
        .create_key(&cookie, &json!({ "name": "editorial" }))
        .await;
    assert_eq!(key.len(), 64, "{key}");
    assert!(key.chars().all(|c| c.is_ascii_alphabetic()), "{key}");
    assert_eq!(view["name"], "editorial");
    assert_eq!(view["start"], &key[..6]);
    assert_eq!(view["readOnly"], false);
    assert_eq!(view["enabled"], true);
    assert!(
        view.get("key").is_none() && view.get("hash").is_none(),
        "{view}"
    );
    let keys = api.get("/api/auth/api-keys", Auth::Cookie(&cookie)).await;
    let listed = keys.ok(200).as_array().expect("an array of keys");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], view["id"]);
    assert_eq!(listed[0]["name"], "editorial");
    assert_eq!(listed[0]["start"], &key[..6]);
    assert!(listed[0].get("key").is_none() && listed[0].get("hash").is_none());
    let listed_text = String::from_utf8_lossy(&keys.bytes);
    assert!(!listed_text.contains(&key), "{listed_text}");
    let auth = Auth::Key(&key);

    // Documents are created as drafts at revision 1, owned by the key's user.
    let author = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "author", "data": { "name": "Ada Lovelace" } }),
        )
        .await;
    let author = author.ok(201);
    let author_id = id_of(author);
    assert_eq!(author["type"], "author");
    assert_eq!(author["status"], "draft");
    assert_eq!(author["revision"], 1);
    assert_eq!(author["draftData"], json!({ "name": "Ada Lovelace" }));
    assert_eq!(author["publishedData"], Value::Null);
    assert_eq!(author["createdBy"], admin_id.as_str());

    let author_ref = json!({ "_type": "reference", "_ref": author_id });
    let post = api
        .post(
            "/api/documents",
            auth,
            &json!({
                "type": "post",
                "data": { "title": "Hello", "slug": slug("hello"), "author": author_ref },
            }),
        )
        .await;
    let post = post.ok(201);
    let post_id = id_of(post);
    assert_eq!(post["type"], "post");
    assert_eq!(post["status"], "draft");
    assert_eq!(post["revision"], 1);
    assert_eq!(post["draftData"]["title"], "Hello");
    assert_eq!(post["draftData"]["author"], author_ref);
    let doc_path = format!("/api/documents/{post_id}");

    // Edit with the revision we read: revision 2.
    let edited_data = json!({
        "title": "Hello, world",
        "slug": slug("hello-world"),
        "author": author_ref,
        "tags": ["intro"],
    });
    let edited = api
        .put(
            &doc_path,
            auth,
            &json!({ "data": edited_data, "expectedRevision": 1 }),
        )
        .await;
    let edited = edited.ok(200);
    assert_eq!(edited["revision"], 2);
    assert_eq!(edited["draftData"], edited_data);
    assert_eq!(edited["updatedBy"], admin_id.as_str());

    // A stale revision is refused with the current one, and changes nothing.
    let stale = api
        .put(
            &doc_path,
            auth,
            &json!({ "data": { "title": "Lost update" }, "expectedRevision": 1 }),
        )
        .await;
    let details = stale.error(409, "revision_conflict");
    assert_eq!(details, &json!({ "currentRevision": 2 }));
    let current = api.get(&doc_path, auth).await;
    let current = current.ok(200);
    assert_eq!(current["revision"], 2);
    assert_eq!(current["draftData"], edited_data);

    // Publishing validates against the schema: a post needs a slug.
    let invalid = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "post", "data": { "title": "No slug yet" } }),
        )
        .await;
    let invalid_id = id_of(invalid.ok(201));
    let refused = api
        .send(api.request(
            reqwest::Method::POST,
            &format!("/api/documents/{invalid_id}/publish"),
            auth,
        ))
        .await;
    let details = refused.error(400, "validation_failed");
    let fields = details["fields"].as_array().expect("field errors");
    assert!(fields.iter().any(|f| f["path"] == "slug"), "{details}");

    // Publish (no body): the draft becomes the published data.
    let published = api
        .send(api.request(reqwest::Method::POST, &format!("{doc_path}/publish"), auth))
        .await;
    let published = published.ok(200);
    assert_eq!(published["status"], "published");
    assert_eq!(published["publishedData"], edited_data);
    assert_eq!(published["draftData"], edited_data);
    assert!(
        published["publishedHash"]
            .as_str()
            .is_some_and(|h| !h.is_empty()),
        "{published}"
    );
    assert!(published["publishedAt"].is_string());

    // The published perspective only sees published documents.
    let list = api
        .get("/api/documents?type=post&perspective=published", auth)
        .await;
    let list = list.ok(200);
    assert_eq!(list["totalDocs"], 1, "{list}");
    assert_eq!(list["docs"][0]["id"], post_id.as_str());
    assert_eq!(list["docs"][0]["publishedData"]["title"], "Hello, world");
    assert_eq!(list["page"], 1);
    assert_eq!(list["hasNextPage"], false);
    let drafts = api.get("/api/documents?type=post", auth).await;
    assert_eq!(drafts.ok(200)["totalDocs"], 2, "both posts as drafts");
    let authors = api
        .get("/api/documents?type=author&perspective=published", auth)
        .await;
    assert_eq!(
        authors.ok(200)["totalDocs"],
        0,
        "the author is not published"
    );

    // A `where` query with depth 1 resolves the author reference.
    let found = api
        .post(
            "/api/documents/query",
            auth,
            &json!({
                "type": "post",
                "where": {
                    "slug.current": { "equals": "hello-world" },
                    "title": { "contains": "WORLD" },
                },
                "depth": 1,
            }),
        )
        .await;
    let found = found.ok(200);
    assert_eq!(found["totalDocs"], 1, "{found}");
    let resolved = &found["docs"][0]["draftData"]["author"];
    assert_eq!(resolved["_id"], author_id.as_str(), "{found}");
    assert_eq!(resolved["_type"], "author");
    assert_eq!(resolved["name"], "Ada Lovelace");
    let none = api
        .post(
            "/api/documents/query",
            auth,
            &json!({ "type": "post", "where": { "title": { "starts_with": "Goodbye" } } }),
        )
        .await;
    assert_eq!(none.ok(200)["totalDocs"], 0);
    let shallow = api.get(&format!("{doc_path}?depth=0"), auth).await;
    assert_eq!(shallow.ok(200)["draftData"]["author"], author_ref);
    let deep = api.get(&format!("{doc_path}?depth=1"), auth).await;
    assert_eq!(deep.ok(200)["draftData"]["author"]["name"], "Ada Lovelace");

    // Versions: the create, the edit and the publish, newest first.
    let versions = api.get(&format!("{doc_path}/versions"), auth).await;
    let versions = versions.ok(200);
    assert_eq!(versions["totalDocs"], 3, "{versions}");
    let docs = versions["docs"].as_array().expect("versions");
    let numbers: Vec<i64> = docs
        .iter()
        .map(|v| v["versionNumber"].as_i64().expect("number"))
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    let events: Vec<&str> = docs
        .iter()
        .map(|v| v["eventType"].as_str().expect("event"))
        .collect();
    assert_eq!(events, ["publish", "draft", "draft"]);
    assert!(docs.iter().all(|v| v["documentId"] == post_id.as_str()));
    assert_eq!(docs[2]["data"]["title"], "Hello");

    // Restoring version 1 is a guarded draft update; the published data is untouched.
    let restored = api
        .post(
            &format!("{doc_path}/versions/1/restore"),
            auth,
            &json!({ "expectedRevision": 2 }),
        )
        .await;
    let restored = restored.ok(200);
    assert_eq!(restored["revision"], 3);
    assert_eq!(restored["draftData"]["title"], "Hello");
    assert_eq!(restored["draftData"]["slug"], slug("hello"));
    assert_eq!(restored["status"], "published");
    assert_eq!(restored["publishedData"], edited_data);
    let stale_restore = api
        .post(
            &format!("{doc_path}/versions/1/restore"),
            auth,
            &json!({ "expectedRevision": 2 }),
        )
        .await;
    assert_eq!(
        stale_restore.error(409, "revision_conflict"),
        &json!({ "currentRevision": 3 })
    );
    let missing_version = api
        .send(api.request(
            reqwest::Method::POST,
            &format!("{doc_path}/versions/99/restore"),
            auth,
        ))
        .await;
    missing_version.error(404, "not_found");

    // Upload a real 3×2 PNG: the dimensions come from the file.
    let image = png::rgb(3, 2, |x, y| {
        [
            u8::try_from(x * 80).unwrap_or(0),
            0,
            255 - u8::try_from(y * 100).unwrap_or(0),
        ]
    });
    let form = Form::new()
        .part("file", file_part(image.clone(), "pixel.png", "image/png"))
        .text("title", "Pixels")
        .text("alt", "Six pixels");
    let uploaded = api.multipart("/api/assets", auth, form).await;
    let asset = uploaded.ok(201);
    let asset_id = id_of(asset);
    assert_eq!(asset["assetType"], "image");
    assert_eq!(asset["width"], 3);
    assert_eq!(asset["height"], 2);
    assert_eq!(asset["mimeType"], "image/png");
    assert_eq!(asset["size"], image.len());
    assert_eq!(asset["filename"], "pixel.png");
    assert_eq!(asset["originalFilename"], "pixel.png");
    assert_eq!(asset["path"], format!("{asset_id}/pixel.png"));
    assert_eq!(asset["title"], "Pixels");
    assert_eq!(asset["alt"], "Six pixels");
    assert_eq!(asset["storageAdapter"], storage);
    assert_eq!(asset["createdBy"], admin_id.as_str());
    let media_url = format!("/media/{asset_id}/pixel.png");
    assert_eq!(asset["url"], media_url.as_str());

    // The media URL is public and serves exactly the uploaded bytes.
    let served = api.get(&media_url, Auth::None).await;
    served.ok(200);
    assert_eq!(served.header("content-type").as_deref(), Some("image/png"));
    // User uploads are served from the API's origin: never sniffed, never able to run script;
    // raster images display inline.
    assert_eq!(
        served.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        served.header("content-security-policy").as_deref(),
        Some("sandbox")
    );
    assert_eq!(
        served.header("content-disposition").as_deref(),
        Some("inline")
    );
    assert_eq!(served.bytes, image);
    // Only an asset's own path is served.
    api.get(&format!("/media/{asset_id}/other.png"), Auth::None)
        .await
        .error(404, "not_found");

    let listed = api.get("/api/assets?assetType=image", auth).await;
    let listed = listed.ok(200);
    assert_eq!(listed["totalDocs"], 1);
    assert_eq!(listed["docs"][0]["id"], asset_id.as_str());

    // Metadata patch: given fields change, others stay, null clears.
    let patched = api
        .patch(
            &format!("/api/assets/{asset_id}"),
            auth,
            &json!({ "description": "A tiny test image", "creditLine": "aphex", "alt": null }),
        )
        .await;
    let patched = patched.ok(200);
    assert_eq!(patched["description"], "A tiny test image");
    assert_eq!(patched["creditLine"], "aphex");
    assert_eq!(patched["alt"], Value::Null);
    assert_eq!(patched["title"], "Pixels");
    assert_eq!(patched["width"], 3);
    let reread = api.get(&format!("/api/assets/{asset_id}"), auth).await;
    assert_eq!(reread.ok(200), patched);

    // Unpublish: no published data any more.
    let unpublished = api
        .send(api.request(
            reqwest::Method::DELETE,
            &format!("{doc_path}/publish"),
            auth,
        ))
        .await;
    let unpublished = unpublished.ok(200);
    assert_eq!(unpublished["status"], "unpublished");
    assert_eq!(unpublished["publishedData"], Value::Null);
    assert_eq!(unpublished["draftData"]["title"], "Hello");
    let list = api
        .get("/api/documents?type=post&perspective=published", auth)
        .await;
    assert_eq!(list.ok(200)["totalDocs"], 0);

    // Delete the post: 204, then 404.
    let deleted = api.delete(&doc_path, auth).await;
    deleted.ok(204);
    assert!(deleted.bytes.is_empty());
    let gone = api.get(&doc_path, auth).await;
    assert_eq!(
        gone.error(404, "not_found"),
        &json!({ "entity": "document", "id": post_id })
    );
    api.get(&format!("{doc_path}/versions"), auth)
        .await
        .error(404, "not_found");

    // Delete the asset: the row and the file.
    api.delete(&format!("/api/assets/{asset_id}"), auth)
        .await
        .ok(204);
    api.get(&format!("/api/assets/{asset_id}"), auth)
        .await
        .error(404, "not_found");
    api.get(&media_url, Auth::None)
        .await
        .error(404, "not_found");
}

/// Malformed requests, missing or insufficient credentials, roles, read-only keys, bad ids and
/// limits, sign-in and sign-out.
pub async fn error_cases(base: &str) {
    let api = Api::new(base);
    let (admin_cookie, _) = api.sign_up("Admin", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (key, _) = api
        .create_key(&admin_cookie, &json!({ "name": "ci" }))
        .await;
    let auth = Auth::Key(&key);
    let author = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "author", "data": { "name": "Grace Hopper" } }),
        )
        .await;
    let author_id = id_of(author.ok(201));

    // Malformed JSON and unknown fields are 400 `bad_request`.
    let malformed = api
        .post_raw_json("/api/documents", auth, r#"{"type": "author", "data": "#)
        .await;
    malformed.error(400, "bad_request");
    let unknown = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "author", "data": { "name": "X" }, "colour": "red" }),
        )
        .await;
    unknown.error(400, "bad_request");
    assert!(
        unknown.message().contains("colour"),
        "{}",
        unknown.describe()
    );
    let unknown_edit = api
        .put(
            &format!("/api/documents/{author_id}"),
            auth,
            &json!({ "data": {}, "expected_revision": 1 }),
        )
        .await;
    unknown_edit.error(400, "bad_request");
    let unknown_param = api.get("/api/documents?colour=red", auth).await;
    unknown_param.error(400, "bad_request");
    let unknown_option = api
        .post("/api/documents/query", auth, &json!({ "colour": "red" }))
        .await;
    assert_eq!(
        unknown_option.error(400, "invalid_query"),
        &json!({ "path": "colour" })
    );
    let bad_operator = api
        .post(
            "/api/documents/query",
            auth,
            &json!({ "where": { "name": { "regex": ".*" } } }),
        )
        .await;
    assert_eq!(
        bad_operator.error(400, "invalid_query"),
        &json!({ "path": "name" })
    );
    let no_content_type = api
        .send(
            api.request(reqwest::Method::POST, "/api/documents", auth)
                .body(r#"{"type": "author", "data": {"name": "X"}}"#),
        )
        .await;
    no_content_type.error(415, "unsupported_media_type");
    let unknown_type = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "recipe", "data": {} }),
        )
        .await;
    unknown_type.error(400, "validation_failed");

    // No credentials: 401 on reads and writes; a bad key or cookie: 401 too.
    let anonymous = api.get("/api/documents", Auth::None).await;
    assert_eq!(anonymous.error(401, "unauthorized"), &Value::Null);
    api.post(
        "/api/documents",
        Auth::None,
        &json!({ "type": "author", "data": { "name": "X" } }),
    )
    .await
    .error(401, "unauthorized");
    api.get("/api/schemas", Auth::None)
        .await
        .error(401, "unauthorized");
    api.get("/api/auth/session", Auth::None)
        .await
        .error(401, "unauthorized");
    let bad_key = api.get("/api/documents", Auth::Key("not-a-key")).await;
    assert_eq!(
        bad_key.error(401, "unauthorized"),
        &json!({ "reason": "INVALID_API_KEY" })
    );
    let forged = format!(
        "{}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.c2ln",
        crate::http::SESSION_COOKIE
    );
    let forged_reply = api.get("/api/documents", Auth::Cookie(&forged)).await;
    assert_eq!(
        forged_reply.error(401, "unauthorized"),
        &json!({ "reason": "INVALID_SESSION" })
    );

    // Sign-up: an email is registered once (case-insensitively); passwords have a minimum length.
    let again = api
        .post(
            "/api/auth/sign-up/email",
            Auth::None,
            &json!({ "name": "Again", "email": "ADMIN@example.com", "password": "whatever-long" }),
        )
        .await;
    assert_eq!(again.error(409, "conflict"), &json!({ "entity": "user" }));
    let short = api
        .post(
            "/api/auth/sign-up/email",
            Auth::None,
            &json!({ "name": "Short", "email": "short@example.com", "password": "short" }),
        )
        .await;
    let details = short.error(400, "validation_failed");
    assert_eq!(details["fields"][0]["path"], "password", "{details}");
    api.post(
        "/api/auth/sign-up/email",
        Auth::None,
        &json!({ "name": "X", "email": "x@example.com", "password": "long-enough", "role": "admin" }),
    )
    .await
    .error(400, "bad_request");

    // A second user signs up as a viewer (open sign-up gives least privilege): writes are 403
    // until an admin promotes her.
    let (vera_cookie, vera) = api
        .sign_up("Vera", "vera@example.com", "another-password")
        .await;
    assert_eq!(vera["role"], "viewer");
    let vera_id = vera["user"]["id"].as_str().expect("id").to_string();
    let vera_auth = Auth::Cookie(&vera_cookie);
    let by_viewer = json!({ "type": "author", "data": { "name": "By an editor" } });
    api.post("/api/documents", vera_auth, &by_viewer)
        .await
        .error(403, "forbidden");
    let role_path = format!("/api/users/{vera_id}/role");
    let promoted = api
        .put(
            &role_path,
            Auth::Cookie(&admin_cookie),
            &json!({ "role": "editor" }),
        )
        .await;
    assert_eq!(
        promoted.ok(200),
        &json!({ "userId": vera_id, "role": "editor" })
    );
    // An editor may write, but may not manage users.
    api.post("/api/documents", vera_auth, &by_viewer)
        .await
        .ok(201);
    api.put(&role_path, vera_auth, &json!({ "role": "admin" }))
        .await
        .error(403, "forbidden");

    // The admin makes her a viewer: reads yes, writes 403.
    let demoted = api
        .put(
            &role_path,
            Auth::Cookie(&admin_cookie),
            &json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(
        demoted.ok(200),
        &json!({ "userId": vera_id, "role": "viewer" })
    );
    api.put(
        &role_path,
        Auth::Cookie(&admin_cookie),
        &json!({ "role": "owner" }),
    )
    .await
    .error(400, "bad_request");
    api.put(
        "/api/users/nobody/role",
        Auth::Cookie(&admin_cookie),
        &json!({ "role": "viewer" }),
    )
    .await
    .error(404, "not_found");
    let session = api.get("/api/auth/session", vera_auth).await;
    assert_eq!(session.ok(200)["role"], "viewer");
    let viewer_write = api
        .post(
            "/api/documents",
            vera_auth,
            &json!({ "type": "author", "data": { "name": "Nope" } }),
        )
        .await;
    viewer_write.error(403, "forbidden");
    api.put(
        &format!("/api/documents/{author_id}"),
        vera_auth,
        &json!({ "data": { "name": "Nope" } }),
    )
    .await
    .error(403, "forbidden");
    api.send(api.request(
        reqwest::Method::POST,
        &format!("/api/documents/{author_id}/publish"),
        vera_auth,
    ))
    .await
    .error(403, "forbidden");
    api.delete(&format!("/api/documents/{author_id}"), vera_auth)
        .await
        .error(403, "forbidden");
    let form = Form::new().part("file", file_part(b"hello".to_vec(), "a.txt", "text/plain"));
    api.multipart("/api/assets", vera_auth, form)
        .await
        .error(403, "forbidden");
    let viewer_read = api.get("/api/documents?type=author", vera_auth).await;
    assert_eq!(viewer_read.ok(200)["totalDocs"], 2);
    api.get("/api/schemas", vera_auth).await.ok(200);

    // A read-only key reads and cannot write (nor mint keys), whatever its owner's role.
    let (read_only, view) = api
        .create_key(
            &admin_cookie,
            &json!({ "name": "reader", "readOnly": true }),
        )
        .await;
    assert_eq!(view["readOnly"], true);
    let ro = Auth::Key(&read_only);
    let ro_write = api
        .post(
            "/api/documents",
            ro,
            &json!({ "type": "author", "data": { "name": "Nope" } }),
        )
        .await;
    ro_write.error(403, "forbidden");
    api.delete(&format!("/api/documents/{author_id}"), ro)
        .await
        .error(403, "forbidden");
    api.post("/api/auth/api-keys", ro, &json!({ "name": "escalate" }))
        .await
        .error(403, "forbidden");
    let ro_read = api.get(&format!("/api/documents/{author_id}"), ro).await;
    assert_eq!(ro_read.ok(200)["draftData"]["name"], "Grace Hopper");
    api.get("/api/documents?type=author", ro).await.ok(200);
    let keys = api
        .get("/api/auth/api-keys", Auth::Cookie(&admin_cookie))
        .await;
    let keys = keys.ok(200).as_array().expect("keys").clone();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .any(|k| k["name"] == "reader" && k["readOnly"] == true)
    );

    // Unknown and malformed ids, limits.
    let unknown_id = "00000000-0000-4000-8000-000000000000";
    let missing = api.get(&format!("/api/documents/{unknown_id}"), auth).await;
    assert_eq!(
        missing.error(404, "not_found"),
        &json!({ "entity": "document", "id": unknown_id })
    );
    api.put(
        &format!("/api/documents/{unknown_id}"),
        auth,
        &json!({ "data": { "name": "X" } }),
    )
    .await
    .error(404, "not_found");
    api.delete(&format!("/api/documents/{unknown_id}"), auth)
        .await
        .error(404, "not_found");
    api.get(&format!("/api/assets/{unknown_id}"), auth)
        .await
        .error(404, "not_found");
    api.get("/api/schemas/recipe", auth)
        .await
        .error(404, "not_found");
    let schema = api.get("/api/schemas/post", auth).await;
    assert_eq!(schema.ok(200)["name"], "post");
    api.get("/api/documents/not-a-uuid", auth)
        .await
        .error(400, "bad_request");
    api.delete("/api/assets/123", auth)
        .await
        .error(400, "bad_request");
    let too_many = api.get("/api/documents?limit=201", auth).await;
    assert_eq!(
        too_many.error(400, "invalid_query"),
        &json!({ "path": "limit" })
    );
    api.get("/api/documents?limit=200", auth).await.ok(200);
    api.post("/api/documents/query", auth, &json!({ "limit": 201 }))
        .await
        .error(400, "invalid_query");
    api.get("/api/documents?depth=6", auth)
        .await
        .error(400, "invalid_query");
    api.get("/api/assets?limit=201", auth)
        .await
        .error(400, "invalid_query");
    api.get("/api/documents?limit=ten", auth)
        .await
        .error(400, "bad_request");

    // Sign-in: a wrong password is 401; the right one opens a second session.
    let wrong = api
        .post(
            "/api/auth/sign-in/email",
            Auth::None,
            &json!({ "email": ADMIN_EMAIL, "password": "not-the-password" }),
        )
        .await;
    assert_eq!(
        wrong.error(401, "unauthorized"),
        &json!({ "reason": "INVALID_EMAIL_OR_PASSWORD" })
    );
    assert!(wrong.headers.get("set-cookie").is_none());
    api.post(
        "/api/auth/sign-in/email",
        Auth::None,
        &json!({ "email": "nobody@example.com", "password": ADMIN_PASSWORD }),
    )
    .await
    .error(401, "unauthorized");
    let signed_in = api
        .post(
            "/api/auth/sign-in/email",
            Auth::None,
            &json!({ "email": "ADMIN@example.com", "password": ADMIN_PASSWORD }),
        )
        .await;
    assert_eq!(signed_in.ok(200)["role"], "admin");
    let second = signed_in.session_cookie();
    assert_ne!(second, admin_cookie);
    api.get("/api/auth/session", Auth::Cookie(&second))
        .await
        .ok(200);

    // Sign-out ends that session (and clears the cookie); the other session lives on.
    let signed_out = api
        .send(api.request(
            reqwest::Method::POST,
            "/api/auth/sign-out",
            Auth::Cookie(&second),
        ))
        .await;
    signed_out.ok(204);
    let cleared = signed_out.session_set_cookie();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(
        cleared.starts_with(&format!("{}=;", crate::http::SESSION_COOKIE)),
        "{cleared}"
    );
    let after = api.get("/api/auth/session", Auth::Cookie(&second)).await;
    assert_eq!(
        after.error(401, "unauthorized"),
        &json!({ "reason": "INVALID_SESSION" })
    );
    api.get("/api/documents", Auth::Cookie(&second))
        .await
        .error(401, "unauthorized");
    api.get("/api/auth/session", Auth::Cookie(&admin_cookie))
        .await
        .ok(200);
}

/// Upload limits and file names: above the cap is 413 with nothing left behind; a
/// path-traversal name is stored sanitised under the asset id, inside the media directory.
pub async fn uploads(studio: &Studio) {
    let api = Api::new(&studio.base);
    let (cookie, _) = api.sign_up("Admin", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (key, _) = api.create_key(&cookie, &json!({ "name": "uploads" })).await;
    let auth = Auth::Key(&key);
    let files_before = studio.files();
    assert!(
        studio.media_files().is_empty(),
        "{:?}",
        studio.media_files()
    );

    // One byte over the cap (the body itself is within the route's body limit) and far over it
    // (the body limit of the route): 413, no row, no file.
    for size in [MAX_UPLOAD_BYTES + 1, MAX_UPLOAD_BYTES * 3] {
        let form = Form::new().part(
            "file",
            file_part(vec![7u8; size], "big.bin", "application/octet-stream"),
        );
        let reply = api.multipart("/api/assets", auth, form).await;
        let details = reply.error(413, "payload_too_large");
        assert_eq!(details, &json!({ "maxBytes": MAX_UPLOAD_BYTES }), "{size}");
        // The rest of the body is not read: the server closes the connection, and says so.
        assert_eq!(reply.header("connection").as_deref(), Some("close"));
        let assets = api.get("/api/assets", auth).await;
        assert_eq!(assets.ok(200)["totalDocs"], 0, "{size}");
        assert!(
            studio.media_files().is_empty(),
            "{:?}",
            studio.media_files()
        );
    }
    assert_eq!(studio.files(), files_before);

    // Exactly the cap is fine (and a non-image is a `file` asset without dimensions).
    let form = Form::new().part(
        "file",
        file_part(
            vec![1u8; MAX_UPLOAD_BYTES],
            "exact.bin",
            "application/octet-stream",
        ),
    );
    let exact = api.multipart("/api/assets", auth, form).await;
    let exact = exact.ok(201);
    assert_eq!(exact["size"], MAX_UPLOAD_BYTES);
    assert_eq!(exact["assetType"], "file");
    assert_eq!(exact["width"], Value::Null);
    let exact_id = id_of(exact);

    // `../../etc/passwd`, sent raw as curl does: stored as `<id>/passwd`.
    let secret = b"root:x:0:0:root:/root:/bin/sh\n".to_vec();
    let form = Form::new()
        .part(
            "file",
            file_part(secret.clone(), "../../etc/passwd", "text/plain"),
        )
        .percent_encode_noop();
    let traversal = api.multipart("/api/assets", auth, form).await;
    let asset = traversal.ok(201);
    let asset_id = id_of(asset);
    assert_eq!(asset["filename"], "passwd");
    assert_eq!(asset["originalFilename"], "../../etc/passwd");
    assert_eq!(asset["path"], format!("{asset_id}/passwd"));
    assert_eq!(asset["url"], format!("/media/{asset_id}/passwd"));
    let served = api
        .get(&format!("/media/{asset_id}/passwd"), Auth::None)
        .await;
    served.ok(200);
    assert_eq!(served.bytes, secret);
    assert_eq!(served.header("content-type").as_deref(), Some("text/plain"));
    // Anything but a raster image is a download.
    assert_eq!(
        served.header("content-disposition").as_deref(),
        Some("attachment; filename=\"passwd\"")
    );
    assert_eq!(
        served.header("content-security-policy").as_deref(),
        Some("sandbox")
    );

    // Windows separators and a name made of nothing safe.
    let form = Form::new()
        .part(
            "file",
            file_part(b"x".to_vec(), r"..\..\boot.ini", "text/plain"),
        )
        .percent_encode_noop();
    let backslash = api.multipart("/api/assets", auth, form).await;
    let backslash = backslash.ok(201);
    let backslash_id = id_of(backslash);
    assert_eq!(backslash["path"], format!("{backslash_id}/boot.ini"));
    let form = Form::new()
        .part("file", file_part(b"y".to_vec(), "../..", "text/plain"))
        .percent_encode_noop();
    let dots = api.multipart("/api/assets", auth, form).await;
    let dots = dots.ok(201);
    let dots_id = id_of(dots);
    assert_eq!(dots["path"], format!("{dots_id}/file"));

    // Nothing was written outside the media directory, and inside it only `<id>/<name>`.
    let mut expected_media = vec![
        format!("{exact_id}/exact.bin"),
        format!("{asset_id}/passwd"),
        format!("{backslash_id}/boot.ini"),
        format!("{dots_id}/file"),
    ];
    expected_media.sort();
    assert_eq!(studio.media_files(), expected_media);
    let outside: Vec<String> = studio
        .files()
        .into_iter()
        .filter(|f| !f.starts_with("data/media/"))
        .collect();
    let before_outside: Vec<String> = files_before
        .into_iter()
        .filter(|f| !f.starts_with("data/media/"))
        .collect();
    assert_eq!(outside, before_outside);
    assert!(
        outside.iter().all(|f| f.starts_with("work/studio.db")),
        "{outside:?}"
    );
    assert!(!studio.root.join("etc").exists());
    assert!(!studio.root.join("data").join("etc").exists());

    // A form without a file, an empty file and an unknown field are refused.
    let form = Form::new().text("title", "no file");
    let details = api
        .multipart("/api/assets", auth, form)
        .await
        .error(400, "validation_failed")
        .clone();
    assert_eq!(details["fields"][0]["path"], "file", "{details}");
    let form = Form::new().part("file", file_part(Vec::new(), "empty.txt", "text/plain"));
    api.multipart("/api/assets", auth, form)
        .await
        .error(400, "validation_failed");
    let form = Form::new()
        .part("file", file_part(b"z".to_vec(), "z.txt", "text/plain"))
        .text("colour", "red");
    api.multipart("/api/assets", auth, form)
        .await
        .error(400, "bad_request");
    let assets = api.get("/api/assets", auth).await;
    assert_eq!(assets.ok(200)["totalDocs"], 4);
    assert_eq!(studio.media_files(), expected_media);

    // Deleting removes the file (and its directory).
    api.delete(&format!("/api/assets/{asset_id}"), auth)
        .await
        .ok(204);
    assert!(!studio.media_dir.join(&asset_id).exists());
    api.get(&format!("/media/{asset_id}/passwd"), Auth::None)
        .await
        .error(404, "not_found");
}
