//! The five Better Auth tables through the `AuthStore` port: every lookup Better Auth uses, patch
//! updates that touch only the named columns, unique keys, cascades, delete-expired, millisecond
//! timestamp round trips, and the atomic API-key usage swap under concurrency.

use std::sync::Arc;

use aphex_core::Error;
use aphex_core::model::{
    Account, AccountPatch, ApiKey, ApiKeyPatch, ApiKeyUsage, Session, SessionPatch, Timestamp,
    User, UserPatch, Verification, now,
};
use aphex_core::ports::DatabaseAdapter;
use chrono::{DateTime, TimeDelta};

use crate::TestDb;
use crate::fixtures::{self, auth_id};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(auth_tables:
        users_crud,
        duplicate_email_or_id_is_a_conflict,
        sessions_crud,
        delete_expired_sessions_only_deletes_expired_ones,
        duplicate_session_token_is_a_conflict,
        session_of_an_unknown_user_is_not_found,
        accounts_crud,
        verifications,
        api_keys_crud,
        swap_api_key_usage_is_a_compare_and_swap,
        concurrent_usage_never_over_admits,
        deleting_a_user_cascades_sessions_and_accounts,
        timestamps_round_trip_at_millisecond_precision,
    )
}

fn ms(n: i64) -> TimeDelta {
    TimeDelta::milliseconds(n)
}

/// A fixed instant with a millisecond part (`2026-11-24T19:13:38.694Z`).
fn instant(iso: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(iso)
        .expect("valid RFC 3339")
        .to_utc()
}

async fn insert_user(db: &TestDb, email: &str) -> User {
    let user = fixtures::user("Test User", email);
    let stored = db.adapter.insert_user(&user).await.expect("insert user");
    assert_eq!(stored, user);
    stored
}

fn session(user_id: &str, created_at: Timestamp, expires_at: Timestamp) -> Session {
    Session {
        id: auth_id(),
        expires_at,
        token: auth_id(),
        created_at,
        updated_at: created_at,
        ip_address: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0 (conformance)".into()),
        user_id: user_id.to_owned(),
        active_organization_id: None,
    }
}

fn account(user_id: &str, provider_id: &str, account_id: &str) -> Account {
    let at = now();
    Account {
        id: auth_id(),
        account_id: account_id.to_owned(),
        provider_id: provider_id.to_owned(),
        user_id: user_id.to_owned(),
        access_token: None,
        refresh_token: None,
        id_token: None,
        access_token_expires_at: None,
        refresh_token_expires_at: None,
        scope: None,
        password: None,
        created_at: at,
        updated_at: at,
    }
}

fn verification(identifier: &str, value: &str, created_at: Timestamp) -> Verification {
    Verification {
        id: auth_id(),
        identifier: identifier.to_owned(),
        value: value.to_owned(),
        expires_at: created_at + TimeDelta::minutes(15),
        created_at,
        updated_at: created_at,
    }
}

fn api_key(reference_id: &str, created_at: Timestamp) -> ApiKey {
    ApiKey {
        id: auth_id(),
        config_id: "default".into(),
        name: Some("CI key".into()),
        start: Some("aphex_".into()),
        reference_id: reference_id.to_owned(),
        prefix: Some("aphex_".into()),
        key: format!("{}{}", auth_id(), auth_id()),
        refill_interval: None,
        refill_amount: None,
        last_refill_at: None,
        enabled: Some(true),
        rate_limit_enabled: Some(true),
        rate_limit_time_window: Some(86_400_000),
        rate_limit_max: Some(10_000),
        request_count: Some(0),
        remaining: None,
        last_request: None,
        expires_at: None,
        created_at,
        updated_at: created_at,
        permissions: Some(r#"{"documents":["read","write"]}"#.into()),
        metadata: None,
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: aphex_core::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "{what}: expected NotFound, got {result:?}"
    );
}

/// A `Conflict` naming `key` (the portable `<table>.<column>` name, the same on every backend).
#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: aphex_core::Result<T>, key: &str, what: &str) {
    match result {
        Err(Error::Conflict { constraint, .. }) => {
            assert_eq!(constraint, key, "{what}: the conflict names the key")
        }
        other => panic!("{what}: expected Conflict on {key}, got {other:?}"),
    }
}

/// Users: insert, find, find by email, patch (only the given columns), count, delete.
pub async fn users_crud(db: &TestDb) {
    let auth = &db.adapter;
    assert_eq!(auth.count_users().await.expect("count"), 0);
    let mut ada = fixtures::user("Ada Lovelace", "ada@example.com");
    ada.image = Some("https://example.com/ada.png".into());
    ada.email_verified = true;
    let stored = auth.insert_user(&ada).await.expect("insert");
    assert_eq!(stored, ada);
    let bob = insert_user(db, "bob@example.com").await;
    assert_eq!(auth.count_users().await.expect("count"), 2);

    assert_eq!(
        auth.find_user(&ada.id).await.expect("find"),
        Some(ada.clone())
    );
    assert_eq!(
        auth.find_user_by_email("ada@example.com")
            .await
            .expect("by email"),
        Some(ada.clone())
    );
    assert_eq!(
        auth.find_user_by_email("nobody@example.com")
            .await
            .expect("by email"),
        None
    );
    assert_eq!(
        auth.find_user_by_email("ADA@example.com")
            .await
            .expect("by email"),
        None,
        "an exact match: callers lowercase emails, as they are stored"
    );
    assert_eq!(auth.find_user(&auth_id()).await.expect("find"), None);

    let t1 = now() + ms(1234);
    let renamed = auth
        .update_user(
            &ada.id,
            &UserPatch {
                name: Some("Augusta Ada King".into()),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("rename");
    assert_eq!(
        renamed,
        User {
            name: "Augusta Ada King".into(),
            updated_at: t1,
            ..ada.clone()
        },
        "only the name and updated_at change"
    );
    let t2 = t1 + ms(1);
    let patched = auth
        .update_user(
            &ada.id,
            &UserPatch {
                email: Some("countess@example.com".into()),
                email_verified: Some(false),
                image: Some(None),
                ..Default::default()
            },
            t2,
        )
        .await
        .expect("patch");
    assert_eq!(
        patched,
        User {
            email: "countess@example.com".into(),
            email_verified: false,
            image: None,
            updated_at: t2,
            ..renamed.clone()
        }
    );
    assert_eq!(
        auth.find_user(&ada.id).await.expect("find"),
        Some(patched.clone())
    );
    assert_eq!(
        auth.find_user_by_email("ada@example.com")
            .await
            .expect("old email"),
        None
    );
    assert_eq!(
        auth.find_user_by_email("countess@example.com")
            .await
            .expect("new email"),
        Some(patched)
    );
    assert_eq!(
        auth.find_user(&bob.id).await.expect("find"),
        Some(bob.clone())
    );
    assert_not_found(
        auth.update_user(
            &auth_id(),
            &UserPatch {
                name: Some("x".into()),
                ..Default::default()
            },
            now(),
        )
        .await,
        "update of an unknown user",
    );

    assert!(auth.delete_user(&ada.id).await.expect("delete"));
    assert!(!auth.delete_user(&ada.id).await.expect("delete again"));
    assert_eq!(auth.find_user(&ada.id).await.expect("find"), None);
    assert_eq!(auth.count_users().await.expect("count"), 1);
}

/// A second user with a taken email (or id) is a `Conflict`; so is changing an email to a taken
/// one. Nothing changes.
pub async fn duplicate_email_or_id_is_a_conflict(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    assert_conflict(
        auth.insert_user(&fixtures::user("Other Ada", "ada@example.com"))
            .await,
        "user.email",
        "duplicate email",
    );
    let same_id = User {
        id: ada.id.clone(),
        ..fixtures::user("Clone", "fresh@example.com")
    };
    assert_conflict(auth.insert_user(&same_id).await, "user.id", "duplicate id");
    let bob = insert_user(db, "bob@example.com").await;
    assert_conflict(
        auth.update_user(
            &bob.id,
            &UserPatch {
                email: Some("ada@example.com".into()),
                ..Default::default()
            },
            now(),
        )
        .await,
        "user.email",
        "email changed to a taken one",
    );
    assert_eq!(auth.count_users().await.expect("count"), 2);
    assert_eq!(auth.find_user(&bob.id).await.expect("find"), Some(bob));
    assert_eq!(
        auth.find_user_by_email("ada@example.com")
            .await
            .expect("find"),
        Some(ada)
    );
}

/// Sessions: insert, find by token, list newest first, patch, delete one, delete all of a user.
pub async fn sessions_crud(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    let bob = insert_user(db, "bob@example.com").await;
    let t = now();
    let expires = t + TimeDelta::days(7);
    let oldest = session(&ada.id, t - ms(2000), expires);
    let middle = Session {
        ip_address: None,
        user_agent: None,
        ..session(&ada.id, t - ms(1000), expires)
    };
    let newest = session(&ada.id, t, expires);
    let bobs = session(&bob.id, t, expires);
    for s in [&middle, &newest, &oldest, &bobs] {
        assert_eq!(&auth.insert_session(s).await.expect("insert"), s);
    }

    assert_eq!(
        auth.find_session_by_token(&middle.token)
            .await
            .expect("find"),
        Some(middle.clone())
    );
    assert_eq!(
        auth.find_session_by_token(&auth_id()).await.expect("find"),
        None
    );
    assert_eq!(
        auth.list_sessions(&ada.id).await.expect("list"),
        vec![newest.clone(), middle.clone(), oldest.clone()],
        "newest first"
    );
    assert_eq!(auth.list_sessions(&auth_id()).await.expect("list"), vec![]);

    let refreshed_until = expires + TimeDelta::days(7);
    let t1 = t + ms(5);
    let updated = auth
        .update_session(
            &oldest.token,
            &SessionPatch {
                expires_at: Some(refreshed_until),
                ip_address: Some(Some("198.51.100.1".into())),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("update");
    assert_eq!(
        updated,
        Session {
            expires_at: refreshed_until,
            ip_address: Some("198.51.100.1".into()),
            updated_at: t1,
            ..oldest.clone()
        },
        "the user agent, token and owner are untouched"
    );
    let cleared = auth
        .update_session(
            &oldest.token,
            &SessionPatch {
                user_agent: Some(None),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("clear user agent");
    assert_eq!(
        cleared,
        Session {
            user_agent: None,
            ..updated
        }
    );
    assert_not_found(
        auth.update_session(&auth_id(), &SessionPatch::default(), t1)
            .await,
        "update of an unknown token",
    );

    assert!(auth.delete_session(&middle.token).await.expect("delete"));
    assert!(
        !auth
            .delete_session(&middle.token)
            .await
            .expect("delete again")
    );
    assert_eq!(
        auth.find_session_by_token(&middle.token)
            .await
            .expect("find"),
        None
    );
    assert_eq!(
        auth.delete_user_sessions(&ada.id)
            .await
            .expect("delete all"),
        2
    );
    assert_eq!(auth.list_sessions(&ada.id).await.expect("list"), vec![]);
    assert_eq!(
        auth.delete_user_sessions(&ada.id).await.expect("none left"),
        0
    );
    assert_eq!(
        auth.list_sessions(&bob.id).await.expect("list"),
        vec![bobs],
        "other users' sessions stay"
    );
}

/// Only sessions with `expires_at <= now` are deleted, to the millisecond.
pub async fn delete_expired_sessions_only_deletes_expired_ones(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    let t = instant("2026-11-24T19:13:38.000Z");
    let long_ago = session(&ada.id, t - TimeDelta::days(30), t - TimeDelta::days(23));
    let just_expired = session(&ada.id, t - ms(10), t - ms(1));
    let exactly_now = session(&ada.id, t - ms(10), t);
    let just_valid = session(&ada.id, t - ms(10), t + ms(1));
    let later = session(&ada.id, t - ms(10), t + TimeDelta::days(7));
    for s in [&long_ago, &just_expired, &exactly_now, &just_valid, &later] {
        auth.insert_session(s).await.expect("insert");
    }
    assert_eq!(
        auth.delete_expired_sessions(t)
            .await
            .expect("delete expired"),
        3
    );
    let mut left: Vec<String> = auth
        .list_sessions(&ada.id)
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.token)
        .collect();
    left.sort_unstable();
    let mut expected = vec![just_valid.token.clone(), later.token.clone()];
    expected.sort_unstable();
    assert_eq!(left, expected);
    assert_eq!(auth.delete_expired_sessions(t).await.expect("again"), 0);
}

/// A second session with a taken token is a `Conflict`.
pub async fn duplicate_session_token_is_a_conflict(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    let first = session(&ada.id, now(), now() + TimeDelta::days(1));
    auth.insert_session(&first).await.expect("insert");
    let second = Session {
        token: first.token.clone(),
        ..session(&ada.id, now(), now() + TimeDelta::days(2))
    };
    assert_conflict(
        auth.insert_session(&second).await,
        "session.token",
        "duplicate token",
    );
    assert_eq!(
        auth.find_session_by_token(&first.token)
            .await
            .expect("find"),
        Some(first)
    );
    assert_eq!(auth.list_sessions(&ada.id).await.expect("list").len(), 1);
}

/// A session (or account) for a user that does not exist is `NotFound`.
pub async fn session_of_an_unknown_user_is_not_found(db: &TestDb) {
    let auth = &db.adapter;
    let ghost = auth_id();
    let s = session(&ghost, now(), now() + TimeDelta::days(1));
    assert_not_found(auth.insert_session(&s).await, "session of an unknown user");
    assert_eq!(
        auth.find_session_by_token(&s.token).await.expect("find"),
        None
    );
    assert_not_found(
        auth.insert_account(&account(&ghost, "credential", &ghost))
            .await,
        "account of an unknown user",
    );
    assert_eq!(auth.list_accounts(&ghost).await.expect("list"), vec![]);
}

/// Accounts: insert, find by (provider, account id), list a user's, patch, delete.
pub async fn accounts_crud(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    let bob = insert_user(db, "bob@example.com").await;
    let t = now();
    let credential = Account {
        password: Some(format!("{}:{}", "ab".repeat(16), "cd".repeat(64))),
        created_at: t - ms(100),
        updated_at: t - ms(100),
        ..account(&ada.id, "credential", &ada.id)
    };
    let github = Account {
        access_token: Some("gho_access".into()),
        refresh_token: Some("ghr_refresh".into()),
        id_token: Some("eyJ.id.token".into()),
        access_token_expires_at: Some(instant("2026-11-24T20:13:38.694Z")),
        refresh_token_expires_at: Some(instant("2027-05-24T19:13:38.001Z")),
        scope: Some("read:user,user:email".into()),
        created_at: t,
        updated_at: t,
        ..account(&ada.id, "github", "gh-12345")
    };
    let bobs = account(&bob.id, "github", "gh-999");
    for a in [&credential, &github, &bobs] {
        assert_eq!(&auth.insert_account(a).await.expect("insert"), a);
    }

    assert_eq!(
        auth.find_account("github", "gh-12345").await.expect("find"),
        Some(github.clone())
    );
    assert_eq!(
        auth.find_account("credential", &ada.id)
            .await
            .expect("find"),
        Some(credential.clone())
    );
    assert_eq!(
        auth.find_account("gitlab", "gh-12345").await.expect("find"),
        None,
        "the provider is part of the key"
    );
    let mut listed = auth.list_accounts(&ada.id).await.expect("list");
    listed.sort_by(|a, b| a.provider_id.cmp(&b.provider_id));
    assert_eq!(listed, vec![credential.clone(), github.clone()]);
    assert_eq!(auth.list_accounts(&bob.id).await.expect("list"), vec![bobs]);

    let t1 = t + ms(77);
    let new_expiry = instant("2026-11-24T21:00:00.000Z");
    let updated = auth
        .update_account(
            &github.id,
            &AccountPatch {
                access_token: Some(Some("gho_new".into())),
                access_token_expires_at: Some(Some(new_expiry)),
                refresh_token: Some(None),
                refresh_token_expires_at: Some(None),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("update");
    assert_eq!(
        updated,
        Account {
            access_token: Some("gho_new".into()),
            access_token_expires_at: Some(new_expiry),
            refresh_token: None,
            refresh_token_expires_at: None,
            updated_at: t1,
            ..github.clone()
        },
        "id token, scope and keys are untouched"
    );
    let password = auth
        .update_account(
            &credential.id,
            &AccountPatch {
                password: Some(Some("00:11".into())),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("new password");
    assert_eq!(
        password,
        Account {
            password: Some("00:11".into()),
            updated_at: t1,
            ..credential.clone()
        }
    );
    assert_eq!(
        auth.find_account("github", "gh-12345").await.expect("find"),
        Some(updated)
    );
    assert_not_found(
        auth.update_account(&auth_id(), &AccountPatch::default(), t1)
            .await,
        "update of an unknown account",
    );

    assert!(auth.delete_account(&github.id).await.expect("delete"));
    assert!(!auth.delete_account(&github.id).await.expect("delete again"));
    assert_eq!(
        auth.find_account("github", "gh-12345").await.expect("find"),
        None
    );
    assert_eq!(
        auth.list_accounts(&ada.id).await.expect("list"),
        vec![password]
    );
}

/// Verifications: find returns the NEWEST of several with one identifier (whatever the insert
/// order); delete by id; delete-expired deletes only expired ones.
pub async fn verifications(db: &TestDb) {
    let auth = &db.adapter;
    let t = instant("2026-11-24T19:13:38.500Z");
    let old = verification("email-verification:ada@example.com", "old", t - ms(2000));
    let newest = verification("email-verification:ada@example.com", "newest", t);
    let middle = verification("email-verification:ada@example.com", "middle", t - ms(1));
    let other = verification("reset-password:tok", "other", t - ms(5000));
    for v in [&middle, &newest, &old, &other] {
        assert_eq!(&auth.insert_verification(v).await.expect("insert"), v);
    }
    assert_eq!(
        auth.find_verification("email-verification:ada@example.com")
            .await
            .expect("find"),
        Some(newest.clone())
    );
    assert_eq!(
        auth.find_verification("reset-password:tok")
            .await
            .expect("find"),
        Some(other.clone())
    );
    assert_eq!(
        auth.find_verification("email-verification:bob@example.com")
            .await
            .expect("find"),
        None
    );

    assert!(auth.delete_verification(&newest.id).await.expect("delete"));
    assert!(!auth.delete_verification(&newest.id).await.expect("again"));
    assert_eq!(
        auth.find_verification("email-verification:ada@example.com")
            .await
            .expect("find"),
        Some(middle.clone()),
        "the next newest"
    );

    // Expiry: old expires at t - 2000 + 15 min, middle at t - 1 ms + 15 min, other at t - 5000 +
    // 15 min. Cut at middle's expiry: old, other and middle (<=) go.
    assert_eq!(
        auth.delete_expired_verifications(middle.expires_at)
            .await
            .expect("delete expired"),
        3
    );
    let fresh = verification("x", "y", t);
    auth.insert_verification(&fresh).await.expect("insert");
    assert_eq!(
        auth.delete_expired_verifications(fresh.expires_at - ms(1))
            .await
            .expect("nothing expired"),
        0
    );
    assert_eq!(
        auth.find_verification("x").await.expect("find"),
        Some(fresh)
    );
}

/// API keys: insert, find by id and by hash, list an owner's (newest first), patch, delete,
/// delete-expired.
pub async fn api_keys_crud(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    let t = now();
    let first = ApiKey {
        refill_interval: Some(3_600_000),
        refill_amount: Some(100),
        last_refill_at: Some(t - ms(10)),
        remaining: Some(100),
        last_request: Some(t - ms(3)),
        request_count: Some(7),
        expires_at: Some(t + TimeDelta::days(30)),
        metadata: Some(r#"{"env":"ci"}"#.into()),
        ..api_key(&ada.id, t - ms(1000))
    };
    let second = ApiKey {
        name: None,
        start: None,
        prefix: None,
        enabled: None,
        rate_limit_enabled: None,
        rate_limit_time_window: None,
        rate_limit_max: None,
        request_count: None,
        permissions: None,
        ..api_key(&ada.id, t)
    };
    let someone_elses = api_key("org_1234567890", t);
    for k in [&first, &second, &someone_elses] {
        assert_eq!(&auth.insert_api_key(k).await.expect("insert"), k);
    }
    assert_conflict(
        auth.insert_api_key(&ApiKey {
            id: first.id.clone(),
            ..api_key(&ada.id, t)
        })
        .await,
        "apikey.id",
        "duplicate id",
    );

    assert_eq!(
        auth.find_api_key(&first.id).await.expect("find"),
        Some(first.clone())
    );
    assert_eq!(
        auth.find_api_key_by_hash(&second.key)
            .await
            .expect("by hash"),
        Some(second.clone())
    );
    assert_eq!(auth.find_api_key(&auth_id()).await.expect("find"), None);
    assert_eq!(
        auth.find_api_key_by_hash("no-such-hash")
            .await
            .expect("by hash"),
        None
    );
    assert_eq!(
        auth.list_api_keys(&ada.id).await.expect("list"),
        vec![second.clone(), first.clone()],
        "newest first"
    );
    assert_eq!(
        auth.list_api_keys("org_1234567890").await.expect("list"),
        vec![someone_elses.clone()]
    );

    let t1 = t + ms(9);
    let expiry = instant("2030-01-01T00:00:00.001Z");
    let patched = auth
        .update_api_key(
            &first.id,
            &ApiKeyPatch {
                name: Some(Some("Renamed".into())),
                enabled: Some(false),
                remaining: Some(Some(5)),
                expires_at: Some(Some(expiry)),
                metadata: Some(None),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("patch");
    assert_eq!(
        patched,
        ApiKey {
            name: Some("Renamed".into()),
            enabled: Some(false),
            remaining: Some(5),
            expires_at: Some(expiry),
            metadata: None,
            updated_at: t1,
            ..first.clone()
        },
        "only the patched settings and updated_at change"
    );
    let limits = auth
        .update_api_key(
            &second.id,
            &ApiKeyPatch {
                rate_limit_enabled: Some(true),
                rate_limit_time_window: Some(Some(60_000)),
                rate_limit_max: Some(Some(10)),
                refill_interval: Some(Some(1000)),
                refill_amount: Some(Some(1)),
                permissions: Some(Some("{}".into())),
                ..Default::default()
            },
            t1,
        )
        .await
        .expect("patch limits");
    assert_eq!(
        limits,
        ApiKey {
            rate_limit_enabled: Some(true),
            rate_limit_time_window: Some(60_000),
            rate_limit_max: Some(10),
            refill_interval: Some(1000),
            refill_amount: Some(1),
            permissions: Some("{}".into()),
            updated_at: t1,
            ..second.clone()
        }
    );
    assert_eq!(
        auth.find_api_key(&first.id).await.expect("find"),
        Some(patched)
    );
    assert_not_found(
        auth.update_api_key(&auth_id(), &ApiKeyPatch::default(), t1)
            .await,
        "update of an unknown key",
    );

    // delete-expired: `first` expires in 2030, `someone_elses` never; give `second` a past expiry.
    auth.update_api_key(
        &second.id,
        &ApiKeyPatch {
            expires_at: Some(Some(t - ms(1))),
            ..Default::default()
        },
        t1,
    )
    .await
    .expect("expire");
    assert_eq!(auth.delete_expired_api_keys(t).await.expect("expired"), 1);
    assert_eq!(auth.find_api_key(&second.id).await.expect("find"), None);
    assert_eq!(auth.delete_expired_api_keys(t).await.expect("again"), 0);
    assert!(
        auth.find_api_key(&someone_elses.id)
            .await
            .expect("find")
            .is_some()
    );

    assert!(auth.delete_api_key(&first.id).await.expect("delete"));
    assert!(!auth.delete_api_key(&first.id).await.expect("again"));
    assert_eq!(auth.list_api_keys(&ada.id).await.expect("list"), vec![]);
}

/// `swap_api_key_usage` writes only when EVERY stored counter equals the expected one (`None`
/// compares equal to a stored NULL); otherwise it returns `false` and the row is unchanged.
pub async fn swap_api_key_usage_is_a_compare_and_swap(db: &TestDb) {
    let auth = &db.adapter;
    let t = now();
    let key = ApiKey {
        remaining: Some(5),
        request_count: Some(0),
        ..api_key("owner", t - ms(100))
    };
    auth.insert_api_key(&key).await.expect("insert");
    let start = key.usage();
    assert_eq!(
        start,
        ApiKeyUsage {
            remaining: Some(5),
            request_count: Some(0),
            last_request: None,
            last_refill_at: None,
        }
    );

    let used = ApiKeyUsage {
        remaining: Some(4),
        request_count: Some(1),
        last_request: Some(t),
        last_refill_at: None,
    };
    assert!(
        auth.swap_api_key_usage(&key.id, &start, &used, t)
            .await
            .expect("swap"),
        "matching expectation (with NULL fields) writes"
    );
    let after = auth
        .find_api_key(&key.id)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(after.usage(), used);
    assert_eq!(after.updated_at, t);
    assert_eq!(
        after,
        ApiKey {
            remaining: Some(4),
            request_count: Some(1),
            last_request: Some(t),
            updated_at: t,
            ..key.clone()
        },
        "nothing but the counters and updated_at"
    );

    // Every stale or differing expectation fails and writes nothing.
    let t_later = t + ms(50);
    let next = ApiKeyUsage {
        remaining: Some(3),
        request_count: Some(2),
        last_request: Some(t_later),
        last_refill_at: Some(t_later),
    };
    let stale = [
        ("the old usage", start),
        (
            "remaining differs",
            ApiKeyUsage {
                remaining: Some(5),
                ..used
            },
        ),
        (
            "remaining NULL vs 4",
            ApiKeyUsage {
                remaining: None,
                ..used
            },
        ),
        (
            "request count differs",
            ApiKeyUsage {
                request_count: Some(0),
                ..used
            },
        ),
        (
            "request count NULL vs 1",
            ApiKeyUsage {
                request_count: None,
                ..used
            },
        ),
        (
            "last request NULL vs set",
            ApiKeyUsage {
                last_request: None,
                ..used
            },
        ),
        (
            "last request off by 1 ms",
            ApiKeyUsage {
                last_request: Some(t + ms(1)),
                ..used
            },
        ),
        (
            "last refill set vs NULL",
            ApiKeyUsage {
                last_refill_at: Some(t),
                ..used
            },
        ),
    ];
    for (what, expected) in stale {
        assert!(
            !auth
                .swap_api_key_usage(&key.id, &expected, &next, t_later)
                .await
                .expect("swap"),
            "{what}: must not write"
        );
        assert_eq!(
            auth.find_api_key(&key.id).await.expect("find"),
            Some(after.clone()),
            "{what}: row unchanged"
        );
    }
    assert!(
        !auth
            .swap_api_key_usage(&auth_id(), &used, &next, t_later)
            .await
            .expect("swap on unknown key"),
        "an unknown key is not written"
    );

    assert!(
        auth.swap_api_key_usage(&key.id, &used, &next, t_later)
            .await
            .expect("swap"),
        "the current usage with every field set matches"
    );
    let latest = auth
        .find_api_key(&key.id)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(latest.usage(), next);
    assert_eq!(latest.updated_at, t_later);

    // Back to all-NULL counters, and from all-NULL (an unlimited, never used key).
    let unlimited = ApiKeyUsage {
        remaining: None,
        request_count: None,
        last_request: None,
        last_refill_at: None,
    };
    assert!(
        auth.swap_api_key_usage(&key.id, &next, &unlimited, t_later)
            .await
            .expect("swap to NULLs")
    );
    assert_eq!(
        auth.find_api_key(&key.id)
            .await
            .expect("find")
            .expect("exists")
            .usage(),
        unlimited
    );
    assert!(
        auth.swap_api_key_usage(&key.id, &unlimited, &used, t_later)
            .await
            .expect("swap from NULLs")
    );
    assert_eq!(
        auth.find_api_key(&key.id)
            .await
            .expect("find")
            .expect("exists")
            .usage(),
        used
    );
}

/// 50 concurrent verifications of a key with `remaining = 10`, each "read, and if remaining > 0
/// swap in remaining - 1, retrying on a lost swap": exactly 10 are admitted and `remaining` ends
/// at 0. Never over-admits.
pub async fn concurrent_usage_never_over_admits(db: &TestDb) {
    let key = ApiKey {
        remaining: Some(10),
        request_count: Some(0),
        ..api_key("owner", now())
    };
    db.adapter.insert_api_key(&key).await.expect("insert");
    let tasks = (0..50).map(|_| {
        let auth: Arc<dyn DatabaseAdapter> = db.adapter.clone();
        let id = key.id.clone();
        tokio::spawn(async move {
            loop {
                let current = auth
                    .find_api_key(&id)
                    .await
                    .expect("read key")
                    .expect("key exists");
                let usage = current.usage();
                let remaining = usage.remaining.expect("limited key");
                if remaining <= 0 {
                    return false;
                }
                let at = now();
                let next = ApiKeyUsage {
                    remaining: Some(remaining - 1),
                    request_count: usage.request_count.map(|n| n + 1),
                    last_request: Some(at),
                    last_refill_at: usage.last_refill_at,
                };
                if auth
                    .swap_api_key_usage(&id, &usage, &next, at)
                    .await
                    .expect("swap")
                {
                    return true;
                }
            }
        })
    });
    let admitted = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .filter(|admitted| *admitted)
        .count();
    assert_eq!(admitted, 10, "exactly `remaining` requests are admitted");
    let end = db
        .adapter
        .find_api_key(&key.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(end.remaining, Some(0));
    assert_eq!(
        end.request_count,
        Some(10),
        "every admitted request counted once"
    );
}

/// Deleting a user deletes their sessions and accounts (and nothing of other users).
pub async fn deleting_a_user_cascades_sessions_and_accounts(db: &TestDb) {
    let auth = &db.adapter;
    let ada = insert_user(db, "ada@example.com").await;
    let bob = insert_user(db, "bob@example.com").await;
    let t = now();
    let ada_sessions = [
        session(&ada.id, t, t + TimeDelta::days(1)),
        session(&ada.id, t - ms(1), t + TimeDelta::days(1)),
    ];
    for s in &ada_sessions {
        auth.insert_session(s).await.expect("insert session");
    }
    let bob_session = session(&bob.id, t, t + TimeDelta::days(1));
    auth.insert_session(&bob_session).await.expect("insert");
    let ada_accounts = [
        account(&ada.id, "credential", &ada.id),
        account(&ada.id, "github", "gh-1"),
    ];
    for a in &ada_accounts {
        auth.insert_account(a).await.expect("insert account");
    }
    let bob_account = account(&bob.id, "credential", &bob.id);
    auth.insert_account(&bob_account).await.expect("insert");

    assert!(auth.delete_user(&ada.id).await.expect("delete"));
    assert_eq!(auth.list_sessions(&ada.id).await.expect("list"), vec![]);
    for s in &ada_sessions {
        assert_eq!(
            auth.find_session_by_token(&s.token).await.expect("find"),
            None
        );
    }
    assert_eq!(auth.list_accounts(&ada.id).await.expect("list"), vec![]);
    assert_eq!(
        auth.find_account("github", "gh-1").await.expect("find"),
        None
    );
    assert_eq!(
        auth.list_sessions(&bob.id).await.expect("list"),
        vec![bob_session]
    );
    assert_eq!(
        auth.list_accounts(&bob.id).await.expect("list"),
        vec![bob_account]
    );
}

/// Every timestamp reads back exactly as written, to the millisecond — whole seconds (`.000`),
/// `.001`, `.999`, far past and future — including the optional ones, and ordering follows time.
pub async fn timestamps_round_trip_at_millisecond_precision(db: &TestDb) {
    let auth = &db.adapter;
    let instants = [
        instant("2026-11-24T19:13:38.694Z"),
        instant("2026-11-24T19:13:38.000Z"),
        instant("2026-11-24T19:13:38.001Z"),
        instant("2026-11-24T19:13:38.999Z"),
        instant("1999-12-31T23:59:59.999Z"),
        instant("2100-02-28T00:00:00.010Z"),
    ];
    // Ordering by time, across whole-second and sub-second values.
    let owner = insert_user(db, "order@example.com").await;
    let base = instant("2026-11-24T19:13:38.000Z");
    let offsets = [999, 0, 1, 1000, 10, 100];
    for off in offsets {
        auth.insert_session(&session(&owner.id, base + ms(off), base + ms(off)))
            .await
            .expect("insert");
    }
    let listed: Vec<i64> = auth
        .list_sessions(&owner.id)
        .await
        .expect("list")
        .iter()
        .map(|s| (s.created_at - base).num_milliseconds())
        .collect();
    assert_eq!(listed, vec![1000, 999, 100, 10, 1, 0]);
    assert_eq!(
        auth.delete_expired_sessions(base + ms(99))
            .await
            .expect("delete expired"),
        3
    );
    let mut left: Vec<i64> = auth
        .list_sessions(&owner.id)
        .await
        .expect("list")
        .iter()
        .map(|s| (s.created_at - base).num_milliseconds())
        .collect();
    left.sort_unstable();
    assert_eq!(left, vec![100, 999, 1000]);

    for (i, at) in instants.iter().copied().enumerate() {
        let user = User {
            created_at: at,
            updated_at: at + ms(1),
            ..fixtures::user("T", &format!("t{i}@example.com"))
        };
        auth.insert_user(&user).await.expect("insert user");
        assert_eq!(
            auth.find_user(&user.id).await.expect("find"),
            Some(user.clone())
        );
        let s = session(&user.id, at, at + ms(999));
        auth.insert_session(&s).await.expect("insert session");
        assert_eq!(
            auth.find_session_by_token(&s.token).await.expect("find"),
            Some(s)
        );
        let a = Account {
            access_token_expires_at: Some(at),
            refresh_token_expires_at: Some(at - ms(1)),
            created_at: at,
            updated_at: at,
            ..account(&user.id, "github", &format!("gh-{i}"))
        };
        auth.insert_account(&a).await.expect("insert account");
        assert_eq!(
            auth.find_account("github", &a.account_id)
                .await
                .expect("find"),
            Some(a)
        );
        let v = verification(&format!("id-{i}"), "v", at);
        auth.insert_verification(&v)
            .await
            .expect("insert verification");
        assert_eq!(
            auth.find_verification(&v.identifier).await.expect("find"),
            Some(v)
        );
        let k = ApiKey {
            last_refill_at: Some(at),
            last_request: Some(at + ms(1)),
            expires_at: Some(at + ms(2)),
            ..api_key(&user.id, at)
        };
        auth.insert_api_key(&k).await.expect("insert key");
        assert_eq!(
            auth.find_api_key(&k.id).await.expect("find"),
            Some(k.clone())
        );
        // A swap compares the stored timestamps with the ones we read back.
        let read = auth
            .find_api_key(&k.id)
            .await
            .expect("find")
            .expect("exists");
        let next = ApiKeyUsage {
            last_request: Some(at + ms(3)),
            ..read.usage()
        };
        assert!(
            auth.swap_api_key_usage(&k.id, &read.usage(), &next, at + ms(3))
                .await
                .expect("swap"),
            "{at}: timestamps read back compare equal to the stored ones"
        );
    }
}
