//! Values every backend can store, or the same refusal everywhere: unusual values (astral
//! characters, the extreme integers, tiny and huge floats, reserved keys, 64 levels of nesting)
//! round-trip identically; NUL characters in strings or keys, deeper nesting, integers above
//! `i64::MAX` and oversize documents are refused with the same `Validation` error before
//! anything is written — documents, versions, assets, schema types, profiles and auth rows.

use aphex_core::model::NewAsset;
use aphex_core::query::Perspective;
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{
    CreateApiKey, CreateDocument, MAX_DATA_BYTES, MAX_DATA_DEPTH, SignUp, WriteOptions,
};
use aphex_core::{Cms, Error, Result};
use serde_json::{Value, json};

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(values:
        unusual_values_round_trip_identically,
        unstorable_document_data_is_refused_and_nothing_is_written,
        unstorable_strings_elsewhere_are_refused,
        lookups_by_unstorable_keys_find_nothing,
    )
}

/// `levels` nested arrays around `inner`.
fn nested(levels: usize, inner: Value) -> Value {
    (0..levels).fold(inner, |v, _| json!([v]))
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T>, path: &str, what: &str) {
    match result {
        Err(Error::Validation(errors)) => assert!(
            errors.fields().iter().any(|f| f.path.starts_with(path)),
            "{what}: the error names `{path}`: {errors}"
        ),
        other => panic!("{what}: expected a Validation error at `{path}`, got {other:?}"),
    }
}

/// Astral and combining characters, the extreme integers, subnormal and huge floats, empty and
/// reserved keys, long strings and 64 levels of nesting come back exactly as written, in the
/// document, its published copy and its version snapshots.
pub async fn unusual_values_round_trip_identically(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let data = json!({
        "title": "🦀 e\u{301} \u{10FFFF} \u{FFFD} \u{200B}",
        "numbers": [i64::MAX, i64::MIN, 0, -1, 9_007_199_254_740_993_i64,
                    1.5, -2.25, 5e-324, 1.7976931348623157e308, 1e-7, 123_456.789],
        "keys": {"": 1, "$where": 2, "a.b": 3, "%": 4, "ünï": 5},
        "long": "x".repeat(100_000),
        "deep": nested(MAX_DATA_DEPTH - 2, json!("bottom")),
        "empty": {"a": [], "o": {}, "s": "", "n": null},
    });
    let doc = docs
        .create(CreateDocument::new("post", data.clone()))
        .await
        .expect("create");
    assert_eq!(
        doc.draft_data.as_ref(),
        Some(&data),
        "as returned by create"
    );
    let read = docs
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.draft_data.as_ref(), Some(&data), "as read back");
    docs.publish(doc.id, WriteOptions::default())
        .await
        .expect("publish");
    let live = docs
        .find_by_id(doc.id, Perspective::Published, 0)
        .await
        .expect("read")
        .expect("published");
    assert_eq!(live.published_data.as_ref(), Some(&data), "published copy");
    let versions = docs
        .versions(doc.id, crate::fixtures::paging(10, 0))
        .await
        .expect("versions");
    assert!(versions.docs.iter().all(|v| v.data == data), "snapshots");
}

/// Each unstorable value gets the same `Validation` error, naming where it is, on create, draft
/// save and restore; nothing is written.
pub async fn unstorable_document_data_is_refused_and_nothing_is_written(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let known = docs
        .create(CreateDocument::new("post", json!({"title": "Known"})))
        .await
        .expect("create");
    let too_big = "x".repeat(MAX_DATA_BYTES);
    let cases = [
        (json!({"title": "a\u{0}b"}), "data.title", "NUL in a string"),
        (
            json!({"tags": ["ok", "b\u{0}"]}),
            "data.tags[1]",
            "NUL in an array",
        ),
        (json!({"x\u{0}y": 1}), "data.x\u{0}y", "NUL in a key"),
        (
            json!({"n": u64::MAX}),
            "data.n",
            "an integer above i64::MAX",
        ),
        (
            json!({"d": nested(MAX_DATA_DEPTH, json!(1))}),
            "data.d",
            "nesting too deep",
        ),
        (json!({ "s": too_big }), "data", "a document too large"),
    ];
    for (data, path, what) in cases {
        let created = docs.create(CreateDocument::new("post", data.clone())).await;
        assert_refused(created, path, &format!("create with {what}"));
        let saved = docs
            .update_draft(known.id, data, WriteOptions::default())
            .await;
        assert_refused(saved, path, &format!("draft save with {what}"));
    }
    let counts = docs.counts_by_type().await.expect("counts");
    assert_eq!(counts.get("post"), Some(&1), "nothing was created");
    let after = docs
        .find_by_id(known.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after.revision, 1, "nothing was saved");
    assert_eq!(
        docs.versions(known.id, crate::fixtures::paging(10, 0))
            .await
            .expect("versions")
            .total_docs,
        1
    );
    assert_refused(
        docs.create(CreateDocument::new("post", json!({})).created_by("u\u{0}"))
            .await,
        "createdBy",
        "a NUL in the author",
    );
    assert_refused(
        docs.publish(known.id, WriteOptions::default().user("u\u{0}"))
            .await,
        "user",
        "a NUL in the acting user",
    );
}

fn asset(filename: &str) -> NewAsset {
    crate::fixtures::text_file(filename)
}

/// NUL characters in asset fields and metadata, schema definitions, profile preferences and
/// auth rows are refused the same way on every backend, and nothing is written.
pub async fn unstorable_strings_elsewhere_are_refused(db: &TestDb) {
    let cms = db.cms_with_auth().await;
    let assets = cms.assets();
    assert_refused(
        assets.create(asset("a\u{0}.txt")).await,
        "filename",
        "asset",
    );
    let mut with_meta = asset("ok.txt");
    with_meta.metadata = Some(json!({"k": "v\u{0}"}));
    assert_refused(assets.create(with_meta).await, "metadata.k", "metadata");
    let mut titled = asset("ok.txt");
    titled.title = Some("t\u{0}".into());
    assert_refused(assets.create(titled).await, "title", "asset title");
    let stored = assets.create(asset("kept.txt")).await.expect("create");
    let patch = aphex_core::model::AssetPatch {
        alt: Some(Some("a\u{0}".into())),
        ..Default::default()
    };
    assert_refused(assets.update(stored.id, &patch).await, "alt", "asset patch");
    assert_eq!(
        assets
            .count(&Default::default(), &Default::default())
            .await
            .expect("count"),
        1
    );

    let bad_type = SchemaTypeDef::document("note", "Note\u{0}").field(FieldDef::string("body"));
    assert_refused(
        cms.schema_types().register(bad_type).await,
        "schema.title",
        "schema title",
    );
    assert!(
        cms.schema_types().get("note").await.expect("get").is_none(),
        "nothing registered"
    );

    let auth = cms.auth().expect("auth");
    assert_refused(
        auth.sign_up_email(SignUp::new("Nul\u{0}", "nul@example.com", "long enough"))
            .await,
        "name",
        "user name",
    );
    assert_eq!(cms.adapter().count_users().await.expect("count"), 0);
    let up = auth
        .sign_up_email(SignUp::new("Ok", "ok@example.com", "long enough"))
        .await
        .expect("sign up");
    assert_refused(
        auth.create_api_key(
            &up.user.id,
            CreateApiKey::new().metadata(json!({"k": "\u{0}"})),
        )
        .await,
        "metadata.k",
        "key metadata",
    );
    assert!(
        auth.list_api_keys(&up.user.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_refused(
        cms.profiles()
            .set_preferences(&up.user.id, Some(json!({"theme": "\u{0}"})))
            .await,
        "preferences.theme",
        "preferences",
    );
}

/// Looking something up by a key that cannot have been stored (a NUL in it) finds nothing, on
/// every backend, without an error from the database.
pub async fn lookups_by_unstorable_keys_find_nothing(db: &TestDb) {
    let cms: Cms = db.cms_with_auth().await;
    let auth = cms.auth().expect("auth");
    assert!(
        cms.schema_types()
            .get("post\u{0}")
            .await
            .expect("get")
            .is_none()
    );
    assert!(matches!(
        cms.schema_types().delete("post\u{0}").await,
        Err(Error::NotFound { .. })
    ));
    assert!(cms.profiles().get("u\u{0}").await.expect("get").is_none());
    assert!(auth.session("t\u{0}").await.expect("session").is_none());
    auth.sign_out("t\u{0}").await.expect("signing out nothing");
    assert!(matches!(
        auth.sign_in_email("a\u{0}@example.com", "whatever-pass", Default::default())
            .await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(matches!(
        auth.reset_password("t\u{0}", "a new long password").await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(auth.list_api_keys("u\u{0}").await.expect("list").is_empty());
    assert!(matches!(
        cms.documents()
            .find(&aphex_core::query::FindOptions::new().doc_type("post\u{0}"))
            .await,
        Err(Error::InvalidQuery { path, .. }) if path == "type"
    ));
}
