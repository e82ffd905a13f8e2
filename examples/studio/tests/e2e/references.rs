//! The reference index over HTTP, on one backend: "used by" for a document and an asset,
//! `_references` in a query, deleting what published content refers to refused with the
//! referrers (409), and `?force=true`.

use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::http::{Api, Auth};
use crate::png;
use crate::scenarios::{file_part, id_of};

fn ids(page: &Value) -> Vec<String> {
    page["docs"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

pub async fn used_by_and_deletes(base: &str) {
    let api = Api::new(base);
    let (cookie, _) = api
        .sign_up("Admin", "admin@example.com", "change-me-please")
        .await;
    let auth = Auth::Cookie(&cookie);
    let author = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "author", "data": { "name": "Ada" } }),
        )
        .await;
    let author = id_of(author.ok(201));
    let image = png::rgb(2, 2, |_, _| [9, 9, 9]);
    let form = Form::new().part("file", file_part(image, "ada.png", "image/png"));
    let asset = id_of(api.multipart("/api/assets", auth, form).await.ok(201));
    let post = api
        .post(
            "/api/documents",
            auth,
            &json!({ "type": "post", "data": {
                "title": "Hello",
                "slug": { "_type": "slug", "current": "hello" },
                "author": { "_type": "reference", "_ref": author },
                "cover": { "_type": "image", "asset": { "_type": "reference", "_ref": asset } },
            } }),
        )
        .await;
    let post = id_of(post.ok(201));

    let used = |path: String| {
        let api = api.clone();
        let cookie = cookie.clone();
        async move { ids(api.get(&path, Auth::Cookie(&cookie)).await.ok(200)) }
    };
    assert_eq!(
        used(format!("/api/documents/{author}/used-by")).await,
        std::slice::from_ref(&post)
    );
    assert_eq!(
        used(format!("/api/assets/{asset}/used-by")).await,
        std::slice::from_ref(&post)
    );
    assert!(
        used(format!(
            "/api/documents/{author}/used-by?perspective=published"
        ))
        .await
        .is_empty(),
        "nothing published yet"
    );
    let queried = api
        .post(
            "/api/documents/query",
            auth,
            &json!({ "where": { "_references": author } }),
        )
        .await;
    assert_eq!(ids(queried.ok(200)), std::slice::from_ref(&post));
    api.post(
        "/api/documents/query",
        auth,
        &json!({ "where": { "_references": { "greater_than": author } } }),
    )
    .await
    .error(400, "invalid_query");

    // Published content refers to both: deleting either is a 409 naming the referrer.
    api.post(&format!("/api/documents/{post}/publish"), auth, &json!({}))
        .await
        .ok(200);
    assert_eq!(
        used(format!(
            "/api/documents/{author}/used-by?perspective=published"
        ))
        .await,
        std::slice::from_ref(&post)
    );
    for path in [
        format!("/api/documents/{author}"),
        format!("/api/assets/{asset}"),
    ] {
        let refused = api.delete(&path, auth).await;
        let details = refused.error(409, "conflict");
        assert_eq!(
            details["referrers"],
            json!([post]),
            "{}",
            refused.describe()
        );
    }
    api.get(&format!("/api/documents/{author}"), auth)
        .await
        .ok(200);
    api.get(&format!("/media/{asset}/ada.png"), Auth::None)
        .await
        .ok(200);
    api.delete(&format!("/api/documents/{author}?force=maybe"), auth)
        .await
        .error(400, "bad_request");

    // Forced: gone, and the referrer keeps a reference that no longer resolves.
    api.delete(&format!("/api/documents/{author}?force=true"), auth)
        .await
        .ok(204);
    api.delete(&format!("/api/assets/{asset}?force=true"), auth)
        .await
        .ok(204);
    api.get(&format!("/media/{asset}/ada.png"), Auth::None)
        .await
        .error(404, "not_found");
    let read = api
        .get(
            &format!("/api/documents/{post}?perspective=published&depth=1"),
            auth,
        )
        .await;
    let data = &read.ok(200)["publishedData"];
    assert_eq!(
        data["author"],
        json!({ "_type": "reference", "_ref": author })
    );
    assert_eq!(
        used(format!(
            "/api/documents/{author}/used-by?perspective=published"
        ))
        .await,
        [post],
        "who still refers to the deleted id"
    );
}
