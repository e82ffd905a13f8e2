//! CMS user profiles: one per Better Auth user (role + preferences), deleted with the user.

use std::time::Duration;

use aphex_core::model::{Role, User};
use aphex_core::{Cms, Error};
use serde_json::json;

use crate::TestDb;
use crate::fixtures::{self, auth_id};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(profiles:
        create_and_get,
        set_role_and_preferences,
        preferences_must_be_an_object,
        duplicate_create_is_a_conflict,
        profile_of_a_missing_user_is_not_found,
        deleting_the_user_deletes_the_profile,
        delete_then_not_found,
    )
}

async fn user(db: &TestDb, email: &str) -> User {
    db.adapter
        .insert_user(&fixtures::user("Someone", email))
        .await
        .expect("insert user")
}

async fn setup(db: &TestDb) -> (Cms, User) {
    let cms = db.cms().await;
    let user = user(db, "editor@example.com").await;
    (cms, user)
}

/// `create` stores role and preferences with equal timestamps; `get` returns the same profile;
/// a user without a profile has none.
pub async fn create_and_get(db: &TestDb) {
    let (cms, user) = setup(db).await;
    let profiles = cms.profiles();
    let prefs = json!({"theme": "dark", "language": "de", "sidebar": {"collapsed": true}});
    let created = profiles
        .create(&user.id, Role::Editor, Some(prefs.clone()))
        .await
        .expect("create");
    assert_eq!(created.user_id, user.id);
    assert_eq!(created.role, Role::Editor);
    assert_eq!(created.preferences, Some(prefs));
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(
        profiles.get(&user.id).await.expect("get"),
        Some(created.clone())
    );
    assert_eq!(
        db.adapter.find_profile(&user.id).await.expect("port"),
        Some(created)
    );

    let viewer = self::user(db, "viewer@example.com").await;
    assert_eq!(profiles.get(&viewer.id).await.expect("get"), None);
    let bare = profiles
        .create(&viewer.id, Role::Viewer, None)
        .await
        .expect("create without preferences");
    assert_eq!(bare.role, Role::Viewer);
    assert_eq!(bare.preferences, None);
    assert_eq!(profiles.get(&viewer.id).await.expect("get"), Some(bare));
    let admin = self::user(db, "admin@example.com").await;
    let admin = profiles
        .create(&admin.id, Role::Admin, Some(json!({})))
        .await
        .expect("create admin");
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(admin.preferences, Some(json!({})));
    assert_eq!(profiles.get(&auth_id()).await.expect("get"), None);
}

/// `set_role` changes only the role; `set_preferences` replaces (or clears) only the preferences;
/// both move `updated_at`; a user without a profile is `NotFound`.
pub async fn set_role_and_preferences(db: &TestDb) {
    let (cms, user) = setup(db).await;
    let profiles = cms.profiles();
    let created = profiles
        .create(&user.id, Role::Viewer, Some(json!({"theme": "light"})))
        .await
        .expect("create");

    tokio::time::sleep(Duration::from_millis(5)).await;
    let promoted = profiles
        .set_role(&user.id, Role::Admin)
        .await
        .expect("set role");
    assert_eq!(promoted.role, Role::Admin);
    assert_eq!(promoted.preferences, Some(json!({"theme": "light"})));
    assert_eq!(promoted.created_at, created.created_at);
    assert!(promoted.updated_at > created.updated_at);

    tokio::time::sleep(Duration::from_millis(5)).await;
    let prefs = profiles
        .set_preferences(&user.id, Some(json!({"language": "fr"})))
        .await
        .expect("set preferences");
    assert_eq!(prefs.role, Role::Admin);
    assert_eq!(
        prefs.preferences,
        Some(json!({"language": "fr"})),
        "replaced, not merged"
    );
    assert!(prefs.updated_at > promoted.updated_at);

    let cleared = profiles
        .set_preferences(&user.id, None)
        .await
        .expect("clear preferences");
    assert_eq!(cleared.preferences, None);
    assert_eq!(cleared.role, Role::Admin);
    assert_eq!(profiles.get(&user.id).await.expect("get"), Some(cleared));

    let other = self::user(db, "other@example.com").await;
    for err in [
        profiles.set_role(&other.id, Role::Editor).await.err(),
        profiles
            .set_preferences(&other.id, Some(json!({})))
            .await
            .err(),
        profiles.set_role(&auth_id(), Role::Editor).await.err(),
    ] {
        assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    }
    assert_eq!(profiles.get(&other.id).await.expect("get"), None);
}

/// Preferences that are not a JSON object are a validation error at `preferences`, on create and
/// on update, and nothing changes.
pub async fn preferences_must_be_an_object(db: &TestDb) {
    let (cms, user) = setup(db).await;
    let profiles = cms.profiles();
    for bad in [json!([1, 2]), json!("dark"), json!(3), json!(null)] {
        let err = profiles
            .create(&user.id, Role::Editor, Some(bad.clone()))
            .await
            .expect_err("create with non-object preferences");
        assert!(
            matches!(&err, Error::Validation(e) if e.fields()[0].path == "preferences"),
            "{bad}: {err:?}"
        );
    }
    assert_eq!(profiles.get(&user.id).await.expect("get"), None);
    let created = profiles
        .create(&user.id, Role::Editor, Some(json!({"a": 1})))
        .await
        .expect("create");
    for bad in [json!([1, 2]), json!("dark"), json!(true)] {
        let err = profiles
            .set_preferences(&user.id, Some(bad.clone()))
            .await
            .expect_err("non-object preferences");
        assert!(
            matches!(&err, Error::Validation(e) if e.fields()[0].path == "preferences"),
            "{bad}: {err:?}"
        );
    }
    assert_eq!(profiles.get(&user.id).await.expect("get"), Some(created));
}

/// A second profile for the same user is a `Conflict`, and the first is unchanged.
pub async fn duplicate_create_is_a_conflict(db: &TestDb) {
    let (cms, user) = setup(db).await;
    let profiles = cms.profiles();
    let first = profiles
        .create(&user.id, Role::Editor, Some(json!({"theme": "dark"})))
        .await
        .expect("create");
    let err = profiles
        .create(&user.id, Role::Admin, None)
        .await
        .expect_err("duplicate");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(profiles.get(&user.id).await.expect("get"), Some(first));
}

/// A profile for a user that does not exist is `NotFound`, and nothing is stored.
pub async fn profile_of_a_missing_user_is_not_found(db: &TestDb) {
    let cms = db.cms().await;
    let ghost = auth_id();
    let err = cms
        .profiles()
        .create(&ghost, Role::Editor, None)
        .await
        .expect_err("no such user");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(cms.profiles().get(&ghost).await.expect("get"), None);
}

/// Deleting the user (port `delete_user`) deletes the profile with it.
pub async fn deleting_the_user_deletes_the_profile(db: &TestDb) {
    let (cms, user) = setup(db).await;
    let other = self::user(db, "stays@example.com").await;
    cms.profiles()
        .create(&user.id, Role::Admin, Some(json!({"x": 1})))
        .await
        .expect("create");
    let kept = cms
        .profiles()
        .create(&other.id, Role::Viewer, None)
        .await
        .expect("create other");
    assert!(db.adapter.delete_user(&user.id).await.expect("delete user"));
    assert_eq!(cms.profiles().get(&user.id).await.expect("get"), None);
    assert_eq!(
        cms.profiles().get(&other.id).await.expect("get"),
        Some(kept)
    );
    let err = cms
        .profiles()
        .delete(&user.id)
        .await
        .expect_err("already gone");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

/// `delete` removes the profile (not the user); a second delete is `NotFound`; the user can get a
/// new profile afterwards.
pub async fn delete_then_not_found(db: &TestDb) {
    let (cms, user) = setup(db).await;
    let profiles = cms.profiles();
    profiles
        .create(&user.id, Role::Editor, None)
        .await
        .expect("create");
    profiles.delete(&user.id).await.expect("delete");
    assert_eq!(profiles.get(&user.id).await.expect("get"), None);
    let err = profiles.delete(&user.id).await.expect_err("second delete");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        db.adapter.find_user(&user.id).await.expect("find user"),
        Some(user.clone()),
        "the user stays"
    );
    let again = profiles
        .create(&user.id, Role::Viewer, None)
        .await
        .expect("a new profile");
    assert_eq!(again.role, Role::Viewer);
}
