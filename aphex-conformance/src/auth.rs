//! The auth service on every backend: Better Auth's email/password, sessions, password reset and
//! API keys, including exact admission under concurrent API-key verification.

use aphex_core::auth::{cookie, password};
use aphex_core::model::{ApiKey, ApiKeyPatch, Capability, Role, SessionPatch, Verification, now};
use aphex_core::service::{AuthService, ClientInfo, CreateApiKey, SignUp, SignedIn};
use aphex_core::{Cms, Error};
use chrono::TimeDelta;

use crate::TestDb;
use crate::fixtures::{AUTH_SECRET, auth_id};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(auth:
        sign_up_creates_user_account_profile_and_session,
        sign_up_refuses_bad_input_and_duplicates,
        sign_in_checks_the_password,
        sessions_expire_refresh_and_revoke,
        signed_cookies_resolve_to_sessions,
        password_reset_through_a_verification_row,
        email_verified_flag,
        api_keys_are_stored_hashed_and_verify,
        api_key_expiry_usage_refill_and_rate_limit,
        api_keys_belong_to_their_owner,
        concurrent_verifications_admit_exactly_the_limit,
        concurrent_verifications_never_overspend_remaining,
        roles_and_capabilities,
    )
}

fn auth(cms: &Cms) -> &AuthService {
    cms.auth().expect("auth is configured")
}

fn sign_up(name: &str, email: &str, pw: &str) -> SignUp {
    SignUp::new(name, email, pw).client(
        ClientInfo::new()
            .ip_address("203.0.113.7")
            .user_agent("conformance"),
    )
}

async fn signed_up(cms: &Cms, email: &str) -> SignedIn {
    auth(cms)
        .sign_up_email(sign_up("User", email, "password-123"))
        .await
        .expect("sign up")
}

/// Sign-up writes the user (email lowercased), a `credential` account whose password is Better
/// Auth's scrypt format, a profile (first user admin, then editor) and a session.
pub async fn sign_up_creates_user_account_profile_and_session(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let first = auth(&cms)
        .sign_up_email(sign_up("Ada", "  Ada@Example.COM ", "correct horse"))
        .await
        .expect("sign up");
    assert_eq!(first.user.email, "ada@example.com");
    assert_eq!(first.user.name, "Ada");
    assert!(!first.user.email_verified);
    assert_eq!(first.user.id.len(), 32);
    assert!(first.user.id.bytes().all(|b| b.is_ascii_alphanumeric()));
    let accounts = db
        .adapter
        .list_accounts(&first.user.id)
        .await
        .expect("accounts");
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].provider_id, "credential");
    assert_eq!(accounts[0].account_id, first.user.id);
    let stored = accounts[0].password.clone().expect("password hash");
    assert!(password::verify(&stored, "correct horse").expect("verify"));
    let (salt, key) = stored.split_once(':').expect("salt:key");
    assert_eq!((salt.len(), key.len()), (32, 128));
    let profile = cms
        .profiles()
        .get(&first.user.id)
        .await
        .expect("profile")
        .expect("exists");
    assert_eq!(profile.role, Role::Admin, "the first user is an admin");
    assert_eq!(first.session.user_id, first.user.id);
    assert_eq!(first.session.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(first.session.user_agent.as_deref(), Some("conformance"));
    let lifetime = first.session.expires_at - first.session.created_at;
    assert_eq!(lifetime, TimeDelta::days(7), "sessions last seven days");
    assert_eq!(
        first.cookie,
        cookie::sign(AUTH_SECRET, &first.session.token)
    );

    let second = signed_up(&cms, "bob@example.com").await;
    let role = cms
        .profiles()
        .get(&second.user.id)
        .await
        .expect("profile")
        .expect("exists")
        .role;
    assert_eq!(role, Role::Editor, "later users are editors");
    let mut viewer = sign_up("Vi", "vi@example.com", "password-123");
    viewer.role = Some(Role::Viewer);
    let third = auth(&cms).sign_up_email(viewer).await.expect("sign up");
    assert_eq!(
        auth(&cms).role_of(&third.user.id).await.expect("role"),
        Role::Viewer
    );
}

/// Bad input is refused with every failing field, and nothing is written.
pub async fn sign_up_refuses_bad_input_and_duplicates(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let err = auth(&cms)
        .sign_up_email(sign_up(" ", "not-an-email", "short"))
        .await
        .expect_err("bad input");
    let Error::Validation(e) = err else {
        panic!("validation error expected: {err:?}")
    };
    let mut paths: Vec<&str> = e.fields().iter().map(|f| f.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["email", "name", "password"]);
    let long = "x".repeat(129);
    assert!(matches!(
        auth(&cms)
            .sign_up_email(sign_up("A", "a@example.com", &long))
            .await,
        Err(Error::Validation(_))
    ));
    assert_eq!(
        db.adapter.count_users().await.expect("count"),
        0,
        "nothing written"
    );
    signed_up(&cms, "dup@example.com").await;
    let err = auth(&cms)
        .sign_up_email(sign_up("Dup", "DUP@example.com", "password-123"))
        .await
        .expect_err("duplicate");
    assert!(
        matches!(err, Error::Conflict { entity: "user", .. }),
        "{err:?}"
    );
    assert_eq!(db.adapter.count_users().await.expect("count"), 1);
}

/// Sign-in accepts the right password (any email case) and refuses everything else the same way.
pub async fn sign_in_checks_the_password(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let up = signed_up(&cms, "carol@example.com").await;
    let inn = auth(&cms)
        .sign_in_email("CAROL@example.com", "password-123", ClientInfo::default())
        .await
        .expect("sign in");
    assert_eq!(inn.user.id, up.user.id);
    assert_ne!(inn.session.token, up.session.token, "a new session");
    for (email, pw) in [
        ("carol@example.com", "password-124"),
        ("nobody@example.com", "password-123"),
        ("not an email", "password-123"),
    ] {
        let err = auth(&cms)
            .sign_in_email(email, pw, ClientInfo::default())
            .await
            .expect_err("refused");
        assert!(
            matches!(
                err,
                Error::Unauthorized {
                    code: "INVALID_EMAIL_OR_PASSWORD",
                    ..
                }
            ),
            "{email}: {err:?}"
        );
    }
}

/// Sessions resolve until they expire (then they are deleted), are extended once older than a
/// day, and can be signed out and revoked.
pub async fn sessions_expire_refresh_and_revoke(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let a = auth(&cms);
    let up = signed_up(&cms, "dan@example.com").await;
    let token = up.session.token.clone();
    let active = a.session(&token).await.expect("session").expect("valid");
    assert_eq!(active.user.id, up.user.id);
    assert_eq!(
        active.session.expires_at, up.session.expires_at,
        "a fresh session is not extended"
    );

    // Two days old: extended to a full seven days from now.
    let at = now();
    let aged = SessionPatch {
        expires_at: Some(at + TimeDelta::days(5)),
        ..Default::default()
    };
    db.adapter
        .update_session(&token, &aged, at)
        .await
        .expect("age it");
    let refreshed = a.session(&token).await.expect("session").expect("valid");
    let left = refreshed.session.expires_at - now();
    assert!(
        left > TimeDelta::days(7) - TimeDelta::minutes(1),
        "extended: {left}"
    );

    // Expired: gone, and deleted.
    let expired = SessionPatch {
        expires_at: Some(now() - TimeDelta::seconds(1)),
        ..Default::default()
    };
    db.adapter
        .update_session(&token, &expired, now())
        .await
        .expect("expire it");
    assert!(a.session(&token).await.expect("session").is_none());
    assert!(
        db.adapter
            .find_session_by_token(&token)
            .await
            .expect("read")
            .is_none()
    );

    let s1 = a
        .create_session(&up.user.id, ClientInfo::default())
        .await
        .expect("s1");
    let s2 = a
        .create_session(&up.user.id, ClientInfo::default())
        .await
        .expect("s2");
    a.sign_out(&s1.session.token).await.expect("sign out");
    a.sign_out(&s1.session.token)
        .await
        .expect("signing out twice is fine");
    assert!(
        a.session(&s1.session.token)
            .await
            .expect("session")
            .is_none()
    );
    let other = signed_up(&cms, "eve@example.com").await;
    assert!(
        matches!(
            a.revoke_session(&other.user.id, &s2.session.token).await,
            Err(Error::NotFound { .. })
        ),
        "a user cannot revoke someone else's session"
    );
    assert_eq!(a.list_sessions(&up.user.id).await.expect("list").len(), 1);
    assert_eq!(a.revoke_all_sessions(&up.user.id).await.expect("revoke"), 1);
    assert!(
        a.session(&s2.session.token)
            .await
            .expect("session")
            .is_none()
    );
    assert!(
        a.session(&other.session.token)
            .await
            .expect("session")
            .is_some()
    );
}

/// A signed cookie resolves to its session; a forged, tampered or foreign one does not.
pub async fn signed_cookies_resolve_to_sessions(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let a = auth(&cms);
    let up = signed_up(&cms, "fay@example.com").await;
    let found = a
        .session_from_cookie(&up.cookie)
        .await
        .expect("lookup")
        .expect("valid");
    assert_eq!(found.session.token, up.session.token);
    let unencoded = up
        .cookie
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    assert!(
        a.session_from_cookie(&unencoded)
            .await
            .expect("lookup")
            .is_some(),
        "decoded form"
    );
    for bad in [
        up.session.token.clone(),
        cookie::sign("another-secret-0123456789abcdef0123456", &up.session.token),
        format!("{}.{}", auth_id(), "c2lnbmF0dXJl"),
        String::new(),
    ] {
        assert!(
            a.session_from_cookie(&bad).await.expect("lookup").is_none(),
            "{bad}"
        );
    }
}

/// Password reset stores `reset-password:<token>` for an hour; the token sets a new password
/// once.
pub async fn password_reset_through_a_verification_row(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let a = auth(&cms);
    let up = signed_up(&cms, "gil@example.com").await;
    assert_eq!(
        a.request_password_reset("nobody@example.com")
            .await
            .expect("request"),
        None
    );
    let token = a
        .request_password_reset("GIL@example.com")
        .await
        .expect("request")
        .expect("a token");
    let row = db
        .adapter
        .find_verification(&format!("reset-password:{token}"))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(row.value, up.user.id);
    assert_eq!(row.expires_at - row.created_at, TimeDelta::hours(1));
    assert!(matches!(
        a.reset_password(&token, "short").await,
        Err(Error::Validation(_))
    ));
    a.reset_password(&token, "new-password-1")
        .await
        .expect("reset");
    a.sign_in_email("gil@example.com", "new-password-1", ClientInfo::default())
        .await
        .expect("new password works");
    assert!(
        a.sign_in_email("gil@example.com", "password-123", ClientInfo::default())
            .await
            .is_err()
    );
    let reused = a
        .reset_password(&token, "another-pass-1")
        .await
        .expect_err("used once");
    assert!(
        matches!(
            reused,
            Error::Unauthorized {
                code: "INVALID_TOKEN",
                ..
            }
        ),
        "{reused:?}"
    );
    let at = now();
    db.adapter
        .insert_verification(&Verification {
            id: auth_id(),
            identifier: "reset-password:expiredtoken".into(),
            value: up.user.id.clone(),
            expires_at: at - TimeDelta::seconds(1),
            created_at: at - TimeDelta::hours(2),
            updated_at: at - TimeDelta::hours(2),
        })
        .await
        .expect("insert");
    let expired = a
        .reset_password("expiredtoken", "another-pass-1")
        .await
        .expect_err("expired");
    assert!(matches!(
        expired,
        Error::Unauthorized {
            code: "INVALID_TOKEN",
            ..
        }
    ));
}

/// The email-verified flag can be set and cleared.
pub async fn email_verified_flag(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let up = signed_up(&cms, "hal@example.com").await;
    let user = auth(&cms)
        .set_email_verified(&up.user.id, true)
        .await
        .expect("set");
    assert!(user.email_verified);
    let read = db
        .adapter
        .find_user(&up.user.id)
        .await
        .expect("read")
        .expect("exists");
    assert!(read.email_verified);
    assert!(matches!(
        auth(&cms).set_email_verified("missing", true).await,
        Err(Error::NotFound { .. })
    ));
}

/// Only the hash is stored; the plaintext verifies and counts one request.
pub async fn api_keys_are_stored_hashed_and_verify(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let a = auth(&cms);
    let up = signed_up(&cms, "ida@example.com").await;
    let created = a
        .create_api_key(&up.user.id, {
            let mut v = CreateApiKey::new();
            v.name = Some("ci".into());
            v.prefix = Some("aphex_".into());
            v.metadata = Some(serde_json::json!({"team": "docs"}));
            v.permissions = Some(serde_json::json!({"documents": ["read"]}));
            v
        })
        .await
        .expect("create");
    let key = &created.key;
    assert!(key.starts_with("aphex_") && key.len() == 70);
    let row = &created.api_key;
    assert_eq!(row.key, aphex_core::auth::api_key::hash(key));
    assert_ne!(&row.key, key);
    assert_eq!(row.start.as_deref(), Some(&key[..6]));
    assert_eq!(row.config_id, "default");
    assert_eq!(row.reference_id, up.user.id);
    assert_eq!(row.enabled, Some(true));
    assert_eq!(row.rate_limit_enabled, Some(true));
    assert_eq!(row.rate_limit_time_window, Some(86_400_000));
    assert_eq!(row.rate_limit_max, Some(10_000));
    assert_eq!(row.request_count, Some(0));
    assert_eq!(row.metadata.as_deref(), Some(r#"{"team":"docs"}"#));
    let verified = a.verify_api_key(key).await.expect("verify");
    assert_eq!(verified.id, row.id);
    assert_eq!(verified.request_count, Some(1));
    let stored = db
        .adapter
        .find_api_key(&row.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.request_count, Some(1));
    assert!(stored.last_request.is_some());
    let err = a.verify_api_key("aphex_wrong").await.expect_err("unknown");
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                code: "INVALID_API_KEY",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(a.list_api_keys(&up.user.id).await.expect("list").len(), 1);
    let bad = a
        .create_api_key(&up.user.id, {
            let mut v = CreateApiKey::new();
            v.name = Some("x".repeat(33));
            v.prefix = Some("bad prefix".into());
            v.expires_in = Some(TimeDelta::hours(1));
            v.refill_amount = Some(5);
            v.metadata = Some(serde_json::json!([1]));
            v
        })
        .await
        .expect_err("invalid");
    let Error::Validation(e) = bad else {
        panic!("{bad:?}")
    };
    assert_eq!(e.fields().len(), 5, "{e}");
}

/// Disabled, expired (deleted), used-up (deleted), refilled and rate-limited keys behave as in
/// Better Auth.
pub async fn api_key_expiry_usage_refill_and_rate_limit(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let a = auth(&cms);
    let up = signed_up(&cms, "jo@example.com").await;
    let uid = up.user.id.as_str();
    let new =
        |input: CreateApiKey| async move { a.create_api_key(uid, input).await.expect("create") };

    let k = new(CreateApiKey::default()).await;
    let off = ApiKeyPatch {
        enabled: Some(false),
        ..Default::default()
    };
    a.update_api_key(uid, &k.api_key.id, &off)
        .await
        .expect("disable");
    assert!(matches!(
        a.verify_api_key(&k.key).await,
        Err(Error::Unauthorized {
            code: "KEY_DISABLED",
            ..
        })
    ));

    let k = new({
        let mut v = CreateApiKey::new();
        v.expires_in = Some(TimeDelta::days(1));
        v
    })
    .await;
    let past = ApiKeyPatch {
        expires_at: Some(Some(now() - TimeDelta::seconds(1))),
        ..Default::default()
    };
    a.update_api_key(uid, &k.api_key.id, &past)
        .await
        .expect("expire");
    assert!(matches!(
        a.verify_api_key(&k.key).await,
        Err(Error::Unauthorized {
            code: "KEY_EXPIRED",
            ..
        })
    ));
    assert!(
        db.adapter
            .find_api_key(&k.api_key.id)
            .await
            .expect("read")
            .is_none(),
        "deleted"
    );

    let k = new({
        let mut v = CreateApiKey::new();
        v.remaining = Some(2);
        v.rate_limit_enabled = Some(false);
        v
    })
    .await;
    assert_eq!(
        a.verify_api_key(&k.key).await.expect("1st").remaining,
        Some(1)
    );
    assert_eq!(
        a.verify_api_key(&k.key).await.expect("2nd").remaining,
        Some(0)
    );
    let used = a.verify_api_key(&k.key).await.expect_err("used up");
    assert!(
        matches!(
            used,
            Error::RateLimited {
                code: "USAGE_EXCEEDED",
                ..
            }
        ),
        "{used:?}"
    );
    assert!(
        db.adapter
            .find_api_key(&k.api_key.id)
            .await
            .expect("read")
            .is_none(),
        "deleted"
    );

    let k = new({
        let mut v = CreateApiKey::new();
        v.refill_amount = Some(2);
        v.refill_interval_ms = Some(150);
        v.rate_limit_enabled = Some(false);
        v
    })
    .await;
    assert_eq!(
        k.api_key.remaining,
        Some(2),
        "remaining starts at the refill amount"
    );
    a.verify_api_key(&k.key).await.expect("1st");
    a.verify_api_key(&k.key).await.expect("2nd");
    let empty = a
        .verify_api_key(&k.key)
        .await
        .expect_err("empty until refilled");
    assert!(matches!(
        empty,
        Error::RateLimited {
            code: "USAGE_EXCEEDED",
            ..
        }
    ));
    assert!(
        db.adapter
            .find_api_key(&k.api_key.id)
            .await
            .expect("read")
            .is_some(),
        "kept: it refills"
    );
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let refilled = a.verify_api_key(&k.key).await.expect("refilled");
    assert_eq!(refilled.remaining, Some(1));
    assert!(refilled.last_refill_at.is_some());

    let k = new({
        let mut v = CreateApiKey::new();
        v.rate_limit_max = Some(3);
        v.rate_limit_time_window_ms = Some(60_000);
        v
    })
    .await;
    for n in 1..=3 {
        assert_eq!(
            a.verify_api_key(&k.key)
                .await
                .expect("within the window")
                .request_count,
            Some(n)
        );
    }
    let limited = a.verify_api_key(&k.key).await.expect_err("window full");
    let Error::RateLimited {
        code: "RATE_LIMITED",
        retry_after_ms: Some(ms),
        ..
    } = limited
    else {
        panic!("{limited:?}")
    };
    assert!(ms > 0 && ms <= 60_000, "{ms}");
}

/// Another user can neither change nor delete a key.
pub async fn api_keys_belong_to_their_owner(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let a = auth(&cms);
    let owner = signed_up(&cms, "kim@example.com").await;
    let other = signed_up(&cms, "lee@example.com").await;
    let k = a
        .create_api_key(&owner.user.id, CreateApiKey::default())
        .await
        .expect("create");
    let patch = ApiKeyPatch {
        name: Some(Some("mine".into())),
        ..Default::default()
    };
    assert!(matches!(
        a.update_api_key(&other.user.id, &k.api_key.id, &patch)
            .await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        a.delete_api_key(&other.user.id, &k.api_key.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        a.list_api_keys(&other.user.id)
            .await
            .expect("list")
            .is_empty()
    );
    let renamed = a
        .update_api_key(&owner.user.id, &k.api_key.id, &patch)
        .await
        .expect("owner renames");
    assert_eq!(renamed.name.as_deref(), Some("mine"));
    a.delete_api_key(&owner.user.id, &k.api_key.id)
        .await
        .expect("owner deletes");
    assert!(matches!(
        a.verify_api_key(&k.key).await,
        Err(Error::Unauthorized {
            code: "INVALID_API_KEY",
            ..
        })
    ));
    assert!(matches!(
        a.create_api_key("no-such-user", CreateApiKey::default())
            .await,
        Err(Error::NotFound { .. })
    ));
}

/// Verifies `key` as a client does: a retryable refusal (the key stayed contended for the
/// service's whole budget, [`Transient::Contended`](aphex_core::Transient::Contended)) is tried
/// again, up to 20 times; every other answer is final.
pub async fn verify_retrying(auth: &AuthService, key: &str) -> Result<ApiKey, Error> {
    let mut tries = 0;
    loop {
        match auth.verify_api_key(key).await {
            Err(e) if e.is_retryable() && tries < 20 => tries += 1,
            outcome => return outcome,
        }
    }
}

async fn race(cms: &Cms, key: &str, n: usize) -> (usize, Vec<Error>) {
    let tasks = (0..n).map(|_| {
        let a = auth(cms).clone();
        let key = key.to_string();
        tokio::spawn(async move { verify_retrying(&a, &key).await })
    });
    let mut admitted = 0;
    let mut refused = Vec::new();
    for r in futures::future::join_all(tasks).await {
        match r.expect("task") {
            Ok(_) => admitted += 1,
            Err(e) => refused.push(e),
        }
    }
    (admitted, refused)
}

/// 100 concurrent verifications of a key allowing 10 per window admit exactly 10.
pub async fn concurrent_verifications_admit_exactly_the_limit(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let up = signed_up(&cms, "max@example.com").await;
    let k = auth(&cms)
        .create_api_key(&up.user.id, {
            let mut v = CreateApiKey::new();
            v.rate_limit_max = Some(10);
            v.rate_limit_time_window_ms = Some(3_600_000);
            v
        })
        .await
        .expect("create");
    let (admitted, refused) = race(&cms, &k.key, 100).await;
    assert_eq!(admitted, 10, "exactly the limit is admitted");
    assert_eq!(refused.len(), 90);
    assert!(
        refused.iter().all(|e| matches!(
            e,
            Error::RateLimited {
                code: "RATE_LIMITED",
                ..
            }
        )),
        "{refused:?}"
    );
    let stored = db
        .adapter
        .find_api_key(&k.api_key.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.request_count, Some(10));
}

/// 100 concurrent verifications of a key with 10 uses left spend exactly 10.
pub async fn concurrent_verifications_never_overspend_remaining(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let up = signed_up(&cms, "rem@example.com").await;
    let k = auth(&cms)
        .create_api_key(&up.user.id, {
            let mut v = CreateApiKey::new();
            v.remaining = Some(10);
            v.rate_limit_enabled = Some(false);
            v
        })
        .await
        .expect("create");
    let (admitted, refused) = race(&cms, &k.key, 100).await;
    assert_eq!(admitted, 10);
    assert!(
        refused.iter().all(|e| matches!(
            e,
            Error::RateLimited {
                code: "USAGE_EXCEEDED",
                ..
            } | Error::Unauthorized {
                code: "INVALID_API_KEY",
                ..
            }
        )),
        "{refused:?}"
    );
}

/// Admins can do everything, editors content, viewers only read.
pub async fn roles_and_capabilities(db: &TestDb) {
    use Capability::*;
    let all = [
        Read,
        WriteDocuments,
        PublishDocuments,
        ManageAssets,
        ManageSchema,
        ManageUsers,
    ];
    let allowed = |role: Role| {
        all.iter()
            .filter(|c| role.can(**c))
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(allowed(Role::Admin), all);
    assert_eq!(
        allowed(Role::Editor),
        [Read, WriteDocuments, PublishDocuments, ManageAssets]
    );
    assert_eq!(allowed(Role::Viewer), [Read]);
    assert!(matches!(
        Role::Viewer.require(WriteDocuments),
        Err(Error::Forbidden { .. })
    ));
    Role::Editor
        .require(PublishDocuments)
        .expect("editors publish");
    let cms = db.cms_with_auth().await;
    let admin = signed_up(&cms, "root@example.com").await;
    let editor = signed_up(&cms, "ed@example.com").await;
    assert_eq!(
        auth(&cms).role_of(&admin.user.id).await.expect("role"),
        Role::Admin
    );
    assert_eq!(
        auth(&cms).role_of(&editor.user.id).await.expect("role"),
        Role::Editor
    );
    assert_eq!(
        auth(&cms).role_of("unknown").await.expect("role"),
        Role::Viewer,
        "least privilege"
    );
    cms.profiles()
        .set_role(&editor.user.id, Role::Viewer)
        .await
        .expect("demote");
    assert_eq!(
        auth(&cms).role_of(&editor.user.id).await.expect("role"),
        Role::Viewer
    );
}
