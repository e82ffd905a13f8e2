//! Organizations over HTTP, on one backend: creating and listing them, switching a session's
//! active organization, content routes acting in it (and API keys in theirs) so that every
//! route answers 404 for another organization's ids, members and roles (the last owner stays,
//! an admin makes no owners), custom roles, invitations (accept only by the invited email,
//! reject, cancel, expire).

use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::http::{Api, Auth};
use crate::png;
use crate::scenarios::{file_part, id_of};

const PASSWORD: &str = "a-long-enough-password";

async fn create_organization(api: &Api, auth: Auth<'_>, name: &str, slug: &str) -> String {
    let created = api
        .post(
            "/api/organizations",
            auth,
            &json!({ "name": name, "slug": slug, "metadata": { "plan": "team" } }),
        )
        .await;
    let org = created.ok(201);
    assert_eq!(org["slug"], slug);
    assert_eq!(org["metadata"], r#"{"plan":"team"}"#);
    id_of(org)
}

async fn activate(api: &Api, cookie: &str, organization: Option<&str>) {
    let reply = api
        .put(
            "/api/auth/session/organization",
            Auth::Cookie(cookie),
            &json!({ "organizationId": organization }),
        )
        .await;
    assert_eq!(reply.ok(200)["activeOrganizationId"], json!(organization));
}

async fn create_author(api: &Api, auth: Auth<'_>, name: &str) -> Value {
    api.post(
        "/api/documents",
        auth,
        &json!({ "type": "author", "data": { "name": name } }),
    )
    .await
    .ok(201)
    .clone()
}

/// Every document and asset route, with another organization's ids: 404 each, and nothing of
/// theirs changes.
async fn isolated(api: &Api, outsider: Auth<'_>, owner: Auth<'_>, doc: &str, asset: &str) {
    let before = api
        .get(&format!("/api/documents/{doc}"), owner)
        .await
        .ok(200)
        .clone();
    let versions_before = api
        .get(&format!("/api/documents/{doc}/versions"), owner)
        .await
        .ok(200)
        .clone();
    let asset_before = api
        .get(&format!("/api/assets/{asset}"), owner)
        .await
        .ok(200)
        .clone();
    let d = format!("/api/documents/{doc}");
    let a = format!("/api/assets/{asset}");
    let replies = [
        api.get(&d, outsider).await,
        api.get(&format!("{d}?perspective=published"), outsider)
            .await,
        api.put(&d, outsider, &json!({ "data": { "name": "Stolen" } }))
            .await,
        api.post(&format!("{d}/publish"), outsider, &json!({}))
            .await,
        api.delete(&format!("{d}/publish"), outsider).await,
        api.get(&format!("{d}/versions"), outsider).await,
        api.post(&format!("{d}/versions/1/restore"), outsider, &json!({}))
            .await,
        api.delete(&d, outsider).await,
        api.get(&a, outsider).await,
        api.patch(&a, outsider, &json!({ "title": "Stolen" })).await,
        api.delete(&a, outsider).await,
    ];
    for reply in replies {
        reply.error(404, "not_found");
    }
    // Nothing of theirs is listed, queried or counted either.
    for path in ["/api/documents?type=author", "/api/assets"] {
        let listed = api.get(path, outsider).await;
        let ids: Vec<&str> = listed.ok(200)["docs"]
            .as_array()
            .expect("docs")
            .iter()
            .filter_map(|d| d["id"].as_str())
            .collect();
        assert!(
            !ids.contains(&doc) && !ids.contains(&asset),
            "{path}: {ids:?}"
        );
    }
    let queried = api
        .post(
            "/api/documents/query",
            outsider,
            &json!({ "where": { "id": { "equals": doc } } }),
        )
        .await;
    assert_eq!(queried.ok(200)["totalDocs"], 0, "{}", queried.describe());
    // Theirs is as it was.
    assert_eq!(api.get(&d, owner).await.ok(200), &before);
    assert_eq!(
        api.get(&format!("{d}/versions"), owner).await.ok(200),
        &versions_before
    );
    assert_eq!(api.get(&a, owner).await.ok(200), &asset_before);
}

async fn upload(api: &Api, auth: Auth<'_>) -> String {
    let image = png::rgb(2, 2, |_, _| [1, 2, 3]);
    let form = Form::new().part("file", file_part(image, "logo.png", "image/png"));
    id_of(api.multipart("/api/assets", auth, form).await.ok(201))
}

pub async fn organizations(base: &str) {
    let api = Api::new(base);
    let (admin, _) = api.sign_up("Admin", "admin@example.com", PASSWORD).await;
    let (alice, alice_view) = api.sign_up("Alice", "alice@example.com", PASSWORD).await;
    let (bob, bob_view) = api.sign_up("Bob", "bob@example.com", PASSWORD).await;
    let (carol, _) = api.sign_up("Carol", "carol@example.com", PASSWORD).await;
    let alice_id = alice_view["user"]["id"].as_str().expect("id").to_owned();
    let bob_id = bob_view["user"]["id"].as_str().expect("id").to_owned();
    // Alice and Bob are viewers in the default organization (the CMS role); what they may do
    // in their own organizations comes from their membership there.
    let (admin_key, _) = api.create_key(&admin, &json!({ "name": "site" })).await;
    let default_doc = create_author(&api, Auth::Key(&admin_key), "In default").await;

    // Alice creates acme, Bob globex; each is its owner.
    let acme = create_organization(&api, Auth::Cookie(&alice), "Acme", "acme").await;
    let globex = create_organization(&api, Auth::Cookie(&bob), "Globex", "globex").await;
    let taken = api
        .post(
            "/api/organizations",
            Auth::Cookie(&carol),
            &json!({ "name": "Acme again", "slug": "acme" }),
        )
        .await;
    taken.error(409, "conflict");
    let mine = api.get("/api/organizations", Auth::Cookie(&alice)).await;
    let mine = mine.ok(200).as_array().expect("a list").clone();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["organization"]["id"], acme.as_str());
    assert_eq!(mine[0]["role"], "owner");

    // A session acts in its active organization; a key in the one it was created in.
    activate(&api, &alice, Some(&acme)).await;
    let session = api.get("/api/auth/session", Auth::Cookie(&alice)).await;
    assert_eq!(
        session.ok(200)["session"]["activeOrganizationId"],
        acme.as_str()
    );
    let acme_doc = create_author(&api, Auth::Cookie(&alice), "Acme author").await;
    assert_eq!(acme_doc["organizationId"], acme.as_str());
    let (acme_key, acme_key_view) = api.create_key(&alice, &json!({ "name": "acme" })).await;
    assert_eq!(acme_key_view["organizationId"], acme.as_str());
    let acme_asset = upload(&api, Auth::Key(&acme_key)).await;
    let (globex_key, globex_key_view) = api
        .create_key(&bob, &json!({ "name": "globex", "organizationId": globex }))
        .await;
    assert_eq!(globex_key_view["organizationId"], globex.as_str());
    let globex_doc = create_author(&api, Auth::Key(&globex_key), "Globex author").await;
    assert_eq!(globex_doc["organizationId"], globex.as_str());
    let globex_asset = upload(&api, Auth::Key(&globex_key)).await;
    // A key for an organization its creator is not in: as if it did not exist.
    api.post(
        "/api/auth/api-keys",
        Auth::Cookie(&alice),
        &json!({ "organizationId": globex }),
    )
    .await
    .error(404, "not_found");

    // The key of A gets 404 for B's ids, and the other way round; the default organization's
    // key sees neither, and they do not see its content.
    let (acme_id, globex_id) = (id_of(&acme_doc), id_of(&globex_doc));
    let default_id = id_of(&default_doc);
    for (outsider, owner, doc, asset) in [
        (&acme_key, &globex_key, &globex_id, &globex_asset),
        (&globex_key, &acme_key, &acme_id, &acme_asset),
        (&admin_key, &acme_key, &acme_id, &acme_asset),
    ] {
        isolated(&api, Auth::Key(outsider), Auth::Key(owner), doc, asset).await;
    }
    api.get(
        &format!("/api/documents/{default_id}"),
        Auth::Key(&acme_key),
    )
    .await
    .error(404, "not_found");
    // A reference to another organization's document does not resolve.
    let post = api
        .post(
            "/api/documents",
            Auth::Key(&acme_key),
            &json!({ "type": "post", "data": {
                "title": "Borrowed", "slug": { "_type": "slug", "current": "borrowed" },
                "author": { "_type": "reference", "_ref": globex_id }
            } }),
        )
        .await;
    let post_id = id_of(post.ok(201));
    let resolved = api
        .get(
            &format!("/api/documents/{post_id}?depth=1"),
            Auth::Key(&acme_key),
        )
        .await;
    assert_ne!(
        resolved.ok(200)["draftData"]["author"]["name"],
        "Globex author",
        "{}",
        resolved.describe()
    );
    // Media URLs stay public capability URLs, whichever organization owns the asset.
    let media = api
        .get(&format!("/media/{globex_asset}/logo.png"), Auth::None)
        .await;
    media.ok(200);
    // Switching back to the default organization leaves acme's content behind.
    activate(&api, &alice, None).await;
    api.get(&format!("/api/documents/{acme_id}"), Auth::Cookie(&alice))
        .await
        .error(404, "not_found");
    // Alice is a viewer in the default organization: she cannot write there.
    api.post(
        "/api/documents",
        Auth::Cookie(&alice),
        &json!({ "type": "author", "data": { "name": "Nope" } }),
    )
    .await
    .error(403, "forbidden");
    activate(&api, &alice, Some(&acme)).await;

    // Organizations are visible to their members only: 404 for anyone else, and to a key only
    // its own organization.
    for auth in [
        Auth::Cookie(&carol),
        Auth::Key(&globex_key),
        Auth::Key(&admin_key),
    ] {
        api.get(&format!("/api/organizations/{acme}"), auth)
            .await
            .error(404, "not_found");
        api.get(&format!("/api/organizations/{acme}/members"), auth)
            .await
            .error(404, "not_found");
    }
    api.put(
        "/api/auth/session/organization",
        Auth::Cookie(&carol),
        &json!({ "organizationId": acme }),
    )
    .await
    .error(404, "not_found");
    api.put(
        "/api/auth/session/organization",
        Auth::Key(&acme_key),
        &json!({ "organizationId": acme }),
    )
    .await
    .error(403, "forbidden");

    // Invitations: only the invited email accepts; a member can write but not publish.
    let invited = api
        .post(
            &format!("/api/organizations/{acme}/invitations"),
            Auth::Cookie(&alice),
            &json!({ "email": "Bob@Example.com" }),
        )
        .await;
    let invitation = id_of(invited.ok(201));
    assert_eq!(invited.json["status"], "pending");
    assert_eq!(invited.json["role"], "member");
    let path = format!("/api/invitations/{invitation}");
    api.get(&path, Auth::Cookie(&bob)).await.ok(200);
    api.get(&path, Auth::Cookie(&carol))
        .await
        .error(404, "not_found");
    api.post(&format!("{path}/accept"), Auth::Cookie(&carol), &json!({}))
        .await
        .error(403, "forbidden");
    let joined = api
        .post(&format!("{path}/accept"), Auth::Cookie(&bob), &json!({}))
        .await;
    assert_eq!(joined.ok(200)["role"], "member");
    api.post(&format!("{path}/accept"), Auth::Cookie(&bob), &json!({}))
        .await
        .error(400, "validation_failed");
    let listed = api.get("/api/organizations", Auth::Cookie(&bob)).await;
    assert_eq!(listed.ok(200).as_array().map(Vec::len), Some(2));
    // Bob's globex key still acts in globex only, though Bob is in acme now.
    api.get(
        &format!("/api/organizations/{acme}"),
        Auth::Key(&globex_key),
    )
    .await
    .error(404, "not_found");
    activate(&api, &bob, Some(&acme)).await;
    let bobs = create_author(&api, Auth::Cookie(&bob), "Bob in acme").await;
    assert_eq!(bobs["organizationId"], acme.as_str());
    let publish = format!("/api/documents/{}/publish", id_of(&bobs));
    api.post(&publish, Auth::Cookie(&bob), &json!({}))
        .await
        .error(403, "forbidden");
    // An admin publishes, manages members, but makes (or unmakes) no owners.
    let member_path = format!("/api/organizations/{acme}/members/{bob_id}");
    let promoted = api
        .put(
            &member_path,
            Auth::Cookie(&alice),
            &json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(promoted.ok(200)["role"], "admin");
    api.post(&publish, Auth::Cookie(&bob), &json!({}))
        .await
        .ok(200);
    api.put(
        &member_path,
        Auth::Cookie(&bob),
        &json!({ "role": "owner" }),
    )
    .await
    .error(403, "forbidden");
    let alice_path = format!("/api/organizations/{acme}/members/{alice_id}");
    api.delete(&alice_path, Auth::Cookie(&bob))
        .await
        .error(403, "forbidden");
    // An organization's admin is no CMS admin: users' CMS roles stay the default
    // organization's business.
    api.put(
        &format!("/api/users/{bob_id}/role"),
        Auth::Cookie(&bob),
        &json!({ "role": "admin" }),
    )
    .await
    .error(403, "forbidden");
    // The last owner can neither leave nor step down.
    api.delete(&alice_path, Auth::Cookie(&alice))
        .await
        .error(400, "validation_failed");
    api.put(
        &alice_path,
        Auth::Cookie(&alice),
        &json!({ "role": "admin" }),
    )
    .await
    .error(400, "validation_failed");

    // Custom roles carry their capabilities.
    let role = api
        .post(
            &format!("/api/organizations/{acme}/roles"),
            Auth::Cookie(&bob),
            &json!({ "role": "publisher", "capabilities": ["read", "publish_documents"] }),
        )
        .await;
    assert_eq!(
        role.ok(201)["permission"],
        r#"{"cms":["publish_documents","read"]}"#
    );
    let carol_invite = api
        .post(
            &format!("/api/organizations/{acme}/invitations"),
            Auth::Cookie(&bob),
            &json!({ "email": "carol@example.com", "role": "publisher" }),
        )
        .await;
    let carol_invite = id_of(carol_invite.ok(201));
    api.post(
        &format!("/api/invitations/{carol_invite}/accept"),
        Auth::Cookie(&carol),
        &json!({}),
    )
    .await
    .ok(200);
    let carol_view = api
        .get(&format!("/api/organizations/{acme}"), Auth::Cookie(&carol))
        .await;
    assert_eq!(
        carol_view.ok(200)["capabilities"],
        json!(["read", "publish_documents"])
    );
    activate(&api, &carol, Some(&acme)).await;
    api.post(
        &format!("/api/documents/{acme_id}/publish"),
        Auth::Cookie(&carol),
        &json!({}),
    )
    .await
    .ok(200);
    api.post(
        "/api/documents",
        Auth::Cookie(&carol),
        &json!({ "type": "author", "data": { "name": "Nope" } }),
    )
    .await
    .error(403, "forbidden");
    api.delete(
        &format!("/api/organizations/{acme}/roles/publisher"),
        Auth::Cookie(&alice),
    )
    .await
    .error(400, "validation_failed");

    // Reject, cancel, expire.
    let (dave, _) = api.sign_up("Dave", "dave@example.com", PASSWORD).await;
    let invite_dave = |expires_in: Option<u64>| {
        let api = api.clone();
        let acme = acme.clone();
        let alice = alice.clone();
        async move {
            let mut body = json!({ "email": "dave@example.com" });
            if let Some(seconds) = expires_in {
                body["expiresIn"] = json!(seconds);
            }
            let reply = api
                .post(
                    &format!("/api/organizations/{acme}/invitations"),
                    Auth::Cookie(&alice),
                    &body,
                )
                .await;
            id_of(reply.ok(201))
        }
    };
    let rejected = invite_dave(None).await;
    let reply = api
        .post(
            &format!("/api/invitations/{rejected}/reject"),
            Auth::Cookie(&dave),
            &json!({}),
        )
        .await;
    assert_eq!(reply.ok(200)["status"], "rejected");
    let canceled = invite_dave(None).await;
    let reply = api
        .delete(
            &format!("/api/invitations/{canceled}"),
            Auth::Cookie(&alice),
        )
        .await;
    assert_eq!(reply.ok(200)["status"], "canceled");
    api.post(
        &format!("/api/invitations/{canceled}/accept"),
        Auth::Cookie(&dave),
        &json!({}),
    )
    .await
    .error(400, "validation_failed");
    let expiring = invite_dave(Some(1)).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let expired = api
        .post(
            &format!("/api/invitations/{expiring}/accept"),
            Auth::Cookie(&dave),
            &json!({}),
        )
        .await;
    expired.error(400, "validation_failed");
    let statuses: Vec<Value> = api
        .get(
            &format!("/api/organizations/{acme}/invitations"),
            Auth::Cookie(&alice),
        )
        .await
        .ok(200)
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["status"].clone())
        .collect();
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    api.get(
        &format!("/api/organizations/{acme}/invitations"),
        Auth::Cookie(&carol),
    )
    .await
    .error(403, "forbidden");

    // Hostile input: a typed 4xx naming the problem, and nothing written.
    let a = Auth::Cookie(&alice);
    api.get("/api/organizations/%00", a)
        .await
        .error(404, "not_found");
    for body in [
        json!({ "name": "Nul\u{0}", "slug": "nul" }),
        json!({ "name": "Bad slug", "slug": "Bad Slug" }),
        json!({ "name": "", "slug": "empty" }),
        json!({ "name": "Orphan", "slug": "orphan", "parentId": "nope" }),
    ] {
        let reply = api.post("/api/organizations", a, &body).await;
        assert!(
            matches!(reply.status.as_u16(), 400 | 404),
            "{}",
            reply.describe()
        );
    }
    let invitations = format!("/api/organizations/{acme}/invitations");
    api.post(
        &invitations,
        a,
        &json!({ "email": "e@example.com", "expiresIn": u64::MAX }),
    )
    .await
    .error(400, "validation_failed");
    api.post(&invitations, a, &json!({ "email": "no-at-sign" }))
        .await
        .error(400, "validation_failed");
    api.post(
        &invitations,
        a,
        &json!({ "email": "e@example.com", "role": "emperor" }),
    )
    .await
    .error(400, "validation_failed");
    api.post(
        &format!("/api/organizations/{acme}/roles"),
        a,
        &json!({ "role": "flyer", "capabilities": ["fly"] }),
    )
    .await
    .error(400, "bad_request");
    api.put(&member_path, a, &json!({ "role": "nope" }))
        .await
        .error(400, "validation_failed");
    let orgs = api.get("/api/organizations", a).await;
    assert_eq!(orgs.ok(200).as_array().map(Vec::len), Some(1));
    let pending = api.get(&invitations, a).await;
    assert_eq!(pending.ok(200).as_array().map(Vec::len), Some(5));
    let member = api
        .get(&format!("/api/organizations/{acme}/members"), a)
        .await;
    assert!(
        member
            .ok(200)
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["userId"] == bob_id.as_str() && m["role"] == "admin"),
        "{}",
        member.describe()
    );

    // A member who leaves loses the organization: their session acts in the default one
    // again, and their key of that organization stops working.
    let (bob_acme_key, _) = api
        .create_key(&bob, &json!({ "name": "bob in acme" }))
        .await;
    api.get(
        &format!("/api/documents/{acme_id}"),
        Auth::Key(&bob_acme_key),
    )
    .await
    .ok(200);
    api.delete(&member_path, Auth::Cookie(&bob)).await.ok(204);
    api.get(
        &format!("/api/documents/{acme_id}"),
        Auth::Key(&bob_acme_key),
    )
    .await
    .error(403, "forbidden");
    api.get(&format!("/api/documents/{acme_id}"), Auth::Cookie(&bob))
        .await
        .error(404, "not_found");
    api.get(&format!("/api/documents/{default_id}"), Auth::Cookie(&bob))
        .await
        .ok(200);
    // The default organization's key reads as before organizations existed.
    let read = api
        .get(
            &format!("/api/documents/{default_id}"),
            Auth::Key(&admin_key),
        )
        .await;
    assert_eq!(read.ok(200)["draftData"]["name"], "In default");

    // Only an owner deletes the organization; its content stays unreachable afterwards.
    api.delete(&format!("/api/organizations/{acme}"), Auth::Cookie(&carol))
        .await
        .error(403, "forbidden");
    api.send(api.request(
        Method::DELETE,
        &format!("/api/organizations/{acme}"),
        Auth::Cookie(&alice),
    ))
    .await
    .ok(204);
    api.get(&format!("/api/documents/{acme_id}"), Auth::Key(&acme_key))
        .await
        .error(403, "forbidden");
}
