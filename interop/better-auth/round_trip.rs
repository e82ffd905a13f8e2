//! The Rust half of the Better Auth interop test, shared by `aphex-sqlite`, `aphex-pg` and
//! `aphex-mongo` (included with `#[path]`): drives `interop/better-auth/ba.mjs` — the real
//! `better-auth@1.7.5` — against a database prepared by OUR migrations (`ensure_schema` on
//! MongoDB, with `@better-auth/mongo-adapter`), and checks both directions.

use std::path::PathBuf;
use std::process::Command;

use aphex_core::service::{ClientInfo, CreateApiKey, SignUp};
use aphex_core::{Cms, Error};
use serde_json::{Value, json};

/// The secret both sides sign session cookies with.
pub const SECRET: &str = "interop-secret-0123456789abcdef0123456789";

/// The Node harness, ready to run against one database.
pub struct BetterAuth {
    dir: PathBuf,
    database_url: String,
}

impl BetterAuth {
    /// The harness for `database_url` (`sqlite:///abs.db`, `postgres://…` or `mongodb://…`), or `None` — after
    /// saying so loudly — when Node or the installed harness is missing outside CI. With
    /// `CI=true` a missing harness fails the test.
    pub fn available(database_url: &str) -> Option<BetterAuth> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/better-auth");
        let installed = dir.join("node_modules/.aphex-setup-stamp").exists();
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if installed && node {
            return Some(BetterAuth {
                dir,
                database_url: database_url.to_string(),
            });
        }
        let why = "the Better Auth interop harness is not installed (run interop/better-auth/setup.sh; ./scripts/test.sh does)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{why} and CI=true");
        }
        aphex_conformance::skip(why);
        None
    }

    /// Runs one command; returns its JSON result (`ok` true or false). Panics if the harness
    /// itself fails.
    pub fn call(&self, command: &str, args: Value) -> Value {
        let out = Command::new("node")
            .arg(self.dir.join("ba.mjs"))
            .arg(command)
            .arg(args.to_string())
            .env("BA_DATABASE_URL", &self.database_url)
            .env("BA_SECRET", SECRET)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "ba.mjs {command} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("ba.mjs {command}: {e}: {stdout}"))
    }

    /// Better Auth's own schema check (its migration planner and runtime check) finds nothing
    /// to change. It exists for SQL (kysely) databases only: on MongoDB, Better Auth has no
    /// schema to check (the round trip itself is the proof there).
    fn assert_schema_clean(&self) {
        if self.database_url.starts_with("mongodb") {
            return;
        }
        let schema = self.ok("check-schema", json!({}));
        assert_eq!(
            schema["clean"], true,
            "Better Auth wants to change our schema: {schema}"
        );
    }

    fn ok(&self, command: &str, args: Value) -> Value {
        let v = self.call(command, args);
        assert_eq!(v["ok"], true, "ba.mjs {command}: {v}");
        v
    }
}

/// A CMS with auth configured with [`SECRET`].
pub async fn cms(adapter: impl aphex_core::ports::DatabaseAdapter) -> Cms {
    Cms::builder()
        .database(adapter)
        .auth(aphex_core::service::AuthConfig::new(SECRET))
        .build()
        .await
        .expect("cms with auth")
}

/// Both directions: passwords, session cookies and API keys written by one side are accepted
/// by the other, and Better Auth finds nothing wrong with our schema.
pub async fn round_trip(cms: &Cms, ba: &BetterAuth) {
    let auth = cms.auth().expect("auth configured");

    ba.assert_schema_clean();

    // Better Auth signs up → Rust signs in with that password.
    let by_ba = ba.ok(
        "sign-up",
        json!({"email": "From-BA@Example.com", "password": "better auth pass 1", "name": "BA"}),
    );
    let ba_user = by_ba["userId"].as_str().expect("userId").to_string();
    let signed = auth
        .sign_in_email(
            "from-ba@example.com",
            "better auth pass 1",
            ClientInfo::default(),
        )
        .await
        .expect("Rust signs in a Better Auth user");
    assert_eq!(signed.user.id, ba_user);
    assert_eq!(signed.user.email, "from-ba@example.com");
    assert!(matches!(
        auth.sign_in_email(
            "from-ba@example.com",
            "wrong pass 123",
            ClientInfo::default()
        )
        .await,
        Err(Error::Unauthorized {
            code: "INVALID_EMAIL_OR_PASSWORD",
            ..
        })
    ));

    // Rust signs up → Better Auth signs in with that password.
    let by_rust = auth
        .sign_up_email(SignUp::new(
            "Rust",
            "From-Rust@Example.com",
            "rust side pass 1",
        ))
        .await
        .expect("Rust sign-up");
    let ba_sign_in = ba.ok(
        "sign-in",
        json!({"email": "from-rust@example.com", "password": "rust side pass 1"}),
    );
    assert_eq!(ba_sign_in["userId"], by_rust.user.id.as_str());
    let wrong = ba.call(
        "sign-in",
        json!({"email": "from-rust@example.com", "password": "not the password"}),
    );
    assert_eq!(wrong["ok"], false);
    assert_eq!(wrong["error"]["code"], "INVALID_EMAIL_OR_PASSWORD");

    // Session cookies: Better Auth accepts Rust's, Rust accepts Better Auth's.
    let session = ba.ok("get-session", json!({"cookie": by_rust.cookie}));
    assert_eq!(
        session["session"]["userId"],
        by_rust.user.id.as_str(),
        "{session}"
    );
    assert_eq!(session["session"]["token"], by_rust.session.token.as_str());
    let cookie = by_ba["cookie"].as_str().expect("cookie");
    let active = auth
        .session_from_cookie(cookie)
        .await
        .expect("lookup")
        .expect("Rust accepts Better Auth's session cookie");
    assert_eq!(active.user.id, ba_user);
    let forged = ba.ok(
        "get-session",
        json!({"cookie": format!("{}.AAAA", by_rust.session.token)}),
    );
    assert!(
        forged["session"].is_null(),
        "a forged cookie is refused: {forged}"
    );

    // API keys: Better Auth verifies Rust's key, Rust verifies Better Auth's.
    let rust_key = auth
        .create_api_key(&by_rust.user.id, {
            let mut v = CreateApiKey::new();
            v.name = Some("rust".into());
            v.prefix = Some("aphex_".into());
            v
        })
        .await
        .expect("Rust creates a key");
    let verified = ba.ok("verify-api-key", json!({"key": rust_key.key}));
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["keyId"], rust_key.api_key.id.as_str());
    assert_eq!(verified["referenceId"], by_rust.user.id.as_str());
    assert_eq!(verified["requestCount"], 1);
    let again = auth
        .verify_api_key(&rust_key.key)
        .await
        .expect("Rust verifies it too");
    assert_eq!(
        again.request_count,
        Some(2),
        "both sides count on the same row"
    );

    let ba_key = ba.ok(
        "create-api-key",
        json!({"userId": ba_user, "name": "ba", "prefix": "ba_"}),
    );
    let plaintext = ba_key["key"].as_str().expect("key");
    let row = auth
        .verify_api_key(plaintext)
        .await
        .expect("Rust verifies Better Auth's key");
    assert_eq!(row.id, ba_key["id"].as_str().expect("id"));
    assert_eq!(row.reference_id, ba_user);
    assert_eq!(row.request_count, Some(1));
    let not_a_key = ba.ok("verify-api-key", json!({"key": "aphex_nope"}));
    assert_eq!(not_a_key["valid"], false);

    organizations(cms, ba).await;

    // Everything both sides wrote still passes Better Auth's checks.
    ba.assert_schema_clean();
}

/// Better Auth's organization plugin and the Rust organization service on the same tables:
/// what one side creates, invites, accepts and activates, the other sees and continues.
async fn organizations(cms: &Cms, ba: &BetterAuth) {
    let auth = cms.auth().expect("auth configured");
    let orgs = cms.organizations();
    let sign_up =
        |name: &str| SignUp::new(name, format!("{name}@orgs.example.com"), "org pass 1234");

    // Better Auth: Ada creates an organization and invites Bob; Bob accepts and activates it.
    let ada = ba.ok(
        "sign-up",
        json!({"email": "ada@orgs.example.com", "password": "org pass 1234", "name": "ada"}),
    );
    let bob = ba.ok(
        "sign-up",
        json!({"email": "bob@orgs.example.com", "password": "org pass 1234", "name": "bob"}),
    );
    let cookie = |v: &Value| v["cookie"].as_str().expect("cookie").to_owned();
    let user = |v: &Value| v["userId"].as_str().expect("userId").to_owned();
    let acme = ba.ok(
        "create-organization",
        json!({"cookie": cookie(&ada), "name": "Acme", "slug": "acme"}),
    );
    let acme_id = acme["id"].as_str().expect("id");
    let invited = ba.ok(
        "invite",
        json!({"cookie": cookie(&ada), "organizationId": acme_id, "email": "bob@orgs.example.com", "role": "admin"}),
    );
    ba.ok(
        "accept-invitation",
        json!({"cookie": cookie(&bob), "invitationId": invited["id"]}),
    );
    ba.ok(
        "set-active-organization",
        json!({"cookie": cookie(&bob), "organizationId": acme_id}),
    );
    // … and Rust sees all of it.
    let seen = orgs
        .get_by_slug("acme")
        .await
        .expect("read")
        .expect("Better Auth's organization");
    assert_eq!((seen.id.as_str(), seen.name.as_str()), (acme_id, "Acme"));
    let mut members: Vec<(String, String)> = orgs
        .members(acme_id)
        .await
        .expect("members")
        .into_iter()
        .map(|m| (m.user_id, m.role))
        .collect();
    members.sort();
    let mut expected = vec![
        (user(&ada), "owner".to_owned()),
        (user(&bob), "admin".to_owned()),
    ];
    expected.sort();
    assert_eq!(members, expected);
    let invitation = orgs
        .invitation(invited["id"].as_str().expect("id"))
        .await
        .expect("read")
        .expect("Better Auth's invitation");
    assert_eq!(
        invitation.status,
        aphex_core::model::InvitationStatus::Accepted
    );
    let session = auth
        .session_from_cookie(&cookie(&bob))
        .await
        .expect("lookup")
        .expect("Bob's session");
    assert_eq!(
        session.session.active_organization_id.as_deref(),
        Some(acme_id)
    );
    let scope = orgs.session_scope(&session.session).await.expect("scope");
    assert_eq!(scope.organization(), acme_id);
    // Rust continues Better Auth's organization: a custom role, and Bob may manage members.
    orgs.require(
        acme_id,
        &user(&bob),
        aphex_core::model::Capability::ManageMembers,
    )
    .await
    .expect("an admin manages members");

    // Rust: Cleo creates an organization and invites Dan; Dan accepts and activates it.
    let cleo = auth.sign_up_email(sign_up("cleo")).await.expect("cleo");
    let dan = auth.sign_up_email(sign_up("dan")).await.expect("dan");
    let globex = orgs
        .create(
            aphex_core::service::CreateOrganization::new("Globex", "globex").owner(&cleo.user.id),
        )
        .await
        .expect("create");
    orgs.create_role(
        &globex.id,
        "reviewer",
        &[aphex_core::model::Capability::Read],
    )
    .await
    .expect("custom role");
    let invitation = orgs
        .invite(
            &globex.id,
            &cleo.user.id,
            aphex_core::service::Invite::new("dan@orgs.example.com").role("member,reviewer"),
        )
        .await
        .expect("invite");
    orgs.accept_invitation(&invitation.id, &dan.user.id)
        .await
        .expect("accept");
    orgs.set_active(&dan.session.token, Some(&globex.id))
        .await
        .expect("activate");
    // … and Better Auth sees all of it.
    let full = ba.ok(
        "full-organization",
        json!({"cookie": cleo.cookie, "organizationId": globex.id}),
    );
    assert_eq!(full["organization"]["slug"], "globex", "{full}");
    let mut members: Vec<(String, String)> = full["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["userId"].as_str().unwrap_or_default().to_owned(),
                m["role"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    members.sort();
    let mut expected = vec![
        (cleo.user.id.clone(), "owner".to_owned()),
        (dan.user.id.clone(), "member,reviewer".to_owned()),
    ];
    expected.sort();
    assert_eq!(members, expected, "{full}");
    assert_eq!(full["invitations"][0]["status"], "accepted", "{full}");
    let dans = ba.ok("get-session", json!({"cookie": dan.cookie}));
    assert_eq!(
        dans["session"]["activeOrganizationId"],
        globex.id.as_str(),
        "{dans}"
    );
    let listed = ba.ok("list-organizations", json!({"cookie": dan.cookie}));
    assert_eq!(
        listed["organizations"],
        json!([{"id": globex.id, "slug": "globex"}]),
        "{listed}"
    );
}
