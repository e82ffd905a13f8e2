//! A site moved to another backend with `aphex::copy` (what `aphex copy` runs): the studio,
//! restarted on the copy, answers every read as it did before the move — same documents,
//! versions, events, used-by, API key and session.

use serde_json::{Value, json};

use super::http::{Api, Auth};
use super::studio::Studio;

/// The reads compared before and after the move.
fn reads(post: &str, author: &str) -> Vec<String> {
    vec![
        format!("/api/documents/{post}?depth=1"),
        format!("/api/documents/{post}?perspective=published"),
        "/api/documents?type=post".to_owned(),
        "/api/documents?type=author".to_owned(),
        format!("/api/documents/{post}/versions"),
        format!("/api/documents/{post}/events"),
        format!("/api/documents/{author}/used-by"),
        "/api/schemas".to_owned(),
    ]
}

async fn answers(api: &Api, auth: Auth<'_>, paths: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for path in paths {
        out.push(api.get(path, auth).await.ok(200).clone());
    }
    out
}

/// A SQLite site moved to `to`.
pub async fn from_a_sqlite_site(to: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("before.db").display()
    );
    serves_the_same_after_a_move(&from, to).await;
}

/// Content written through the studio on `from`; the studio stopped; the database copied to
/// `to` with the library; the studio started on `to`.
pub async fn serves_the_same_after_a_move(from: &str, to: &str) {
    let (cookie, key, post, author, before);
    {
        let studio = Studio::start(Some(from));
        let api = Api::new(&studio.base);
        (cookie, _) = api
            .sign_up("Admin", "admin@example.com", "change-me-please")
            .await;
        (key, _) = api.create_key(&cookie, &json!({"name": "moved"})).await;
        let created = api
            .post(
                "/api/documents",
                Auth::Cookie(&cookie),
                &json!({"type": "author", "data": {"name": "Ada"}}),
            )
            .await;
        author = created.ok(201)["id"].as_str().expect("id").to_owned();
        api.post(
            &format!("/api/documents/{author}/publish"),
            Auth::Cookie(&cookie),
            &json!({}),
        )
        .await
        .ok(200);
        let created = api
            .post(
                "/api/documents",
                Auth::Cookie(&cookie),
                &json!({"type": "post", "data": {
                    "title": "Moved", "slug": {"_type": "slug", "current": "moved"},
                    "author": {"_type": "reference", "_ref": author},
                    "tags": ["a", "b"],
                }}),
            )
            .await;
        post = created.ok(201)["id"].as_str().expect("id").to_owned();
        api.post(
            &format!("/api/documents/{post}/publish"),
            Auth::Cookie(&cookie),
            &json!({}),
        )
        .await
        .ok(200);
        before = answers(&api, Auth::Key(&key), &reads(&post, &author)).await;
    }

    let source = aphex::connect(from).await.expect("source");
    let target = aphex::connect_and_migrate(to).await.expect("target");
    let copied = aphex::copy::copy(
        source.as_ref(),
        target.as_ref(),
        &aphex::copy::CopyOptions::new(),
        &aphex::copy::NoProgress,
    )
    .await
    .expect("copied");
    assert!(
        copied.verified.as_ref().is_some_and(|v| v.is_exact()),
        "{copied:?}"
    );
    drop((source, target));

    let studio = Studio::start(Some(to));
    let api = Api::new(&studio.base);
    let after = answers(&api, Auth::Key(&key), &reads(&post, &author)).await;
    for ((path, b), a) in reads(&post, &author).iter().zip(&before).zip(&after) {
        assert_eq!(a, b, "{path} answers differently after the move");
    }
    // The session made before the move is still signed in.
    let session = api.get("/api/auth/session", Auth::Cookie(&cookie)).await;
    assert_eq!(session.ok(200)["user"]["email"], "admin@example.com");
}
