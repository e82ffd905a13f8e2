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

    // Everything both sides wrote still passes Better Auth's checks.
    ba.assert_schema_clean();
}
