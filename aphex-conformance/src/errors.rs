//! Errors a program can act on: every error has the same portable [`ErrorKind`] on every
//! backend, a `Conflict` names the violated key the same way everywhere
//! (`<table>.<column>`), and none of the errors that bad input or a stale write cause is
//! retryable.

use aphex_core::model::Role;
use aphex_core::query::FindOptions;
use aphex_core::service::{CreateDocument, SignUp, WriteOptions};
use aphex_core::{Error, ErrorKind, Result, Scope};
use serde_json::json;
use uuid::Uuid;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(errors:
        every_error_has_its_portable_kind,
        conflicts_name_the_same_key_everywhere,
    )
}

#[track_caller]
fn assert_kind<T: std::fmt::Debug>(result: Result<T>, kind: ErrorKind, what: &str) -> Error {
    let err = result.expect_err(what);
    assert_eq!(err.kind(), kind, "{what}: {err:?}");
    assert!(!err.is_retryable(), "{what} is not retryable");
    assert_eq!(err.transient(), None, "{what}");
    err
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T>, key: &str, what: &str) {
    match assert_kind(result, ErrorKind::Conflict, what) {
        Error::Conflict { constraint, .. } => assert_eq!(constraint, key, "{what}"),
        other => panic!("{what}: {other:?}"),
    }
}

/// Not found, revision conflict, validation, invalid query, unsupported: the kind a program
/// branches on is the same on every backend.
pub async fn every_error_has_its_portable_kind(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    assert_kind(
        docs.delete(Uuid::new_v4()).await,
        ErrorKind::NotFound,
        "deleting an unknown document",
    );
    let doc = docs
        .create(CreateDocument::new("post", json!({"title": "T"})))
        .await
        .expect("create");
    docs.update_draft(doc.id, json!({"title": "T2"}), WriteOptions::new())
        .await
        .expect("save");
    assert_kind(
        docs.update_draft(
            doc.id,
            json!({"title": "stale"}),
            WriteOptions::new().expect_revision(1),
        )
        .await,
        ErrorKind::RevisionConflict,
        "a stale save",
    );
    assert_kind(
        docs.publish(doc.id, WriteOptions::new().expect_revision(1))
            .await,
        ErrorKind::RevisionConflict,
        "a stale publish",
    );
    assert_kind(
        docs.create(CreateDocument::new("nope", json!({}))).await,
        ErrorKind::Validation,
        "an unknown type",
    );
    assert_kind(
        docs.find(&FindOptions::new().limit(0)).await,
        ErrorKind::InvalidQuery,
        "limit 0",
    );
    assert_kind(
        docs.find(&FindOptions::new().sort("bad path!")).await,
        ErrorKind::InvalidQuery,
        "a bad sort key",
    );
    if db.adapter.capabilities().transactions {
        db.adapter
            .begin()
            .await
            .expect("the backend declares transactions")
            .rollback()
            .await
            .expect("rollback");
    } else {
        assert_kind(
            db.adapter.begin().await,
            ErrorKind::Unsupported,
            "transactions on a backend without them",
        );
    }
}

/// A taken key is a `Conflict` naming it as `<table>.<column>` — through the services and
/// through the ports, whatever the backend's own message says.
pub async fn conflicts_name_the_same_key_everywhere(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let docs = cms.documents();
    let id = Uuid::new_v4();
    docs.create(CreateDocument::new("post", json!({})).id(id))
        .await
        .expect("create");
    assert_conflict(
        docs.create(CreateDocument::new("author", json!({"name": "x"})).id(id))
            .await,
        "cms_documents.id",
        "a taken document id",
    );

    let asset = crate::fixtures::text_file("a.txt");
    let stored = cms.assets().create(asset).await.expect("asset");
    assert_conflict(
        db.adapter.insert_asset(&Scope::default(), &stored).await,
        "cms_assets.id",
        "a taken asset id",
    );

    let auth = cms.auth().expect("auth");
    let up = auth
        .sign_up_email(SignUp::new("Ada", "ada@example.com", "long enough"))
        .await
        .expect("sign up");
    assert_conflict(
        auth.sign_up_email(SignUp::new("Ada 2", "ADA@example.com", "long enough"))
            .await,
        "user.email",
        "a taken email (service)",
    );
    let mut twin = crate::fixtures::user("Twin", "twin@example.com");
    twin.email = up.user.email.clone();
    assert_conflict(
        db.adapter.insert_user(&twin).await,
        "user.email",
        "a taken email (port)",
    );
    assert_conflict(
        cms.profiles().create(&up.user.id, Role::Viewer, None).await,
        "cms_user_profiles.user_id",
        "a second profile",
    );
    assert_eq!(cms.adapter().count_users().await.expect("count"), 1);
}
