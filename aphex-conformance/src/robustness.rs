//! Property tests ([`proptest`](mod@proptest)): arbitrary integers, strings and `where` / find-option JSON
//! driven through the services on every backend. A generated call passes when it returns — a
//! value, or an error a program can act on (validation, invalid query, not found, conflict,
//! unauthorized, ...). It fails on a panic, or on a `Backend` or `Unavailable` error: bad input
//! must be refused before it reaches a driver.
//!
//! The seed is fixed and the case count bounded (`APHEX_PROPTEST_CASES`, default
//! [`DEFAULT_CASES`]), so a run is repeatable and CI stays fast; a failure is shrunk to a
//! minimal input and reported with it.

use std::collections::BTreeMap;

use aphex_core::query::{FindOptions, MAX_LIMIT, Paging, Perspective, Where};
use aphex_core::service::{AssetFilter, CreateApiKey, CreateDocument, SignUp, WriteOptions};
use aphex_core::{Cms, ErrorKind, Result};
use chrono::TimeDelta;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::reference;

/// Cases per property unless `APHEX_PROPTEST_CASES` says otherwise.
pub const DEFAULT_CASES: u32 = 40;

/// The fixed seed of every property.
const SEED: [u8; 32] = *b"aphex-rs robustness fixed seed!!";

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(robustness:
        arbitrary_find_options_only_give_typed_errors,
        arbitrary_numbers_only_give_typed_errors,
        arbitrary_strings_only_give_typed_errors,
    )
}

fn case_count() -> u32 {
    std::env::var("APHEX_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `property` for `case_count()` inputs from `strategy` (fixed seed), on the current
/// runtime; panics with the shrunk failing input.
fn check<S: Strategy>(strategy: S, property: impl Fn(S::Value) -> Result<(), String>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases: case_count(),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &SEED));
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |input| {
            property(input).map_err(TestCaseError::fail)
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Runs one async step of a property to completion.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Handle::current().block_on(future)
}

/// `Ok` for a value or an error a program can act on; `Err` naming the call for a backend or
/// transient error (a panic fails the case by itself).
fn typed<T>(what: &str, result: Result<T>) -> Result<(), String> {
    match result {
        Err(e) if matches!(e.kind(), ErrorKind::Backend | ErrorKind::Unavailable) => {
            Err(format!("{what}: {e:?}"))
        }
        _ => Ok(()),
    }
}

// ---- strategies -----------------------------------------------------------------------------

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(MAX_LIMIT),
        Just(MAX_LIMIT + 1),
        Just(i64::MAX as u64),
        Just(i64::MAX as u64 + 1),
        Just(u64::MAX),
        0..5_000u64,
        any::<u64>(),
    ]
}

fn edge_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(-1),
        Just(i64::MAX),
        Just(i64::MIN),
        -10..10i64,
        any::<i64>(),
    ]
}

fn edge_i32() -> impl Strategy<Value = i32> {
    prop_oneof![Just(0), Just(-1), Just(i32::MAX), Just(i32::MIN), 0..100i32]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\0".to_owned()),
        Just("a\0b".to_owned()),
        Just(r"%_\*?[".to_owned()),
        Just("$where".to_owned()),
        Just("🦀 é \u{10FFFF}".to_owned()),
        Just("x".repeat(300)),
        Just("Robert'); DROP TABLE cms_documents;--".to_owned()),
        "\\PC{0,12}",
        ".{0,8}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "title",
            "views",
            "tags",
            "author",
            "author._ref",
            "seo.metaTitle",
            "id",
            "type",
            "status",
            "revision",
            "createdAt",
            "_meta.updatedAt",
            "_meta.nope",
            "publishedAt",
            "a..b",
            "0",
            "bad path",
        ])
        .prop_map(str::to_owned),
        hostile_string(),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        edge_i64().prop_map(Value::from),
        edge_u64().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        hostile_string().prop_map(Value::from),
        prop::sample::select(vec!["2026-11-24", "10000-01-01T00:00:00Z", "0000-01-01"])
            .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(path(), inner, 0..4).prop_map(object),
        ]
    })
}

fn object(map: BTreeMap<String, Value>) -> Value {
    Value::Object(map.into_iter().collect::<Map<_, _>>())
}

fn operator() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "equals",
            "not_equals",
            "in",
            "not_in",
            "exists",
            "greater_than",
            "greater_than_equal",
            "less_than",
            "less_than_equal",
            "like",
            "contains",
            "starts_with",
            "ends_with",
            "all",
            "bogus",
        ])
        .prop_map(str::to_owned),
        hostile_string(),
    ]
}

/// `where` JSON within (and just outside) the documented language.
fn where_json() -> impl Strategy<Value = Value> {
    let condition = (
        path(),
        prop_oneof![
            json_value(),
            btree_map(operator(), json_value(), 1..3).prop_map(object),
        ],
    )
        .prop_map(|(p, v)| json!({ p: v }));
    condition.prop_recursive(3, 16, 4, |inner| {
        (prop::sample::select(vec!["and", "or"]), vec(inner, 0..4))
            .prop_map(|(k, items)| json!({ k: items }))
    })
}

fn find_options_json() -> impl Strategy<Value = Value> {
    let option = prop_oneof![
        where_json().prop_map(|w| ("where".to_owned(), w)),
        prop_oneof![
            path().prop_map(Value::from),
            vec(path().prop_map(|p| Value::from(format!("-{p}"))), 0..3).prop_map(Value::Array),
        ]
        .prop_map(|s| ("sort".to_owned(), s)),
        (
            prop::sample::select(vec!["limit", "offset", "page", "depth"]),
            prop_oneof![edge_u64().prop_map(Value::from), json_leaf()],
        )
            .prop_map(|(k, v)| (k.to_owned(), v)),
        prop_oneof![Just(json!("draft")), Just(json!("published")), json_leaf()]
            .prop_map(|p| ("perspective".to_owned(), p)),
        prop_oneof![Just(json!("post")), json_leaf()].prop_map(|t| ("type".to_owned(), t)),
        (hostile_string(), json_leaf()),
    ];
    vec(option, 0..5).prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
}

// ---- setup ----------------------------------------------------------------------------------

/// A CMS with content to query: an author, a published post referring to it, edited since.
async fn content(db: &TestDb) -> (Cms, Uuid) {
    let cms = db.cms_with_auth().await;
    let docs = cms.documents();
    let author = docs
        .create(CreateDocument::new("author", json!({"name": "Ada"})))
        .await
        .expect("author");
    let post = docs
        .create(CreateDocument::new(
            "post",
            json!({"title": "Known", "views": 5, "tags": ["a", "%"],
                   "author": reference(author.id)}),
        ))
        .await
        .expect("post");
    docs.publish(post.id, WriteOptions::new())
        .await
        .expect("publish");
    docs.update_draft(post.id, json!({"title": "Known v2"}), WriteOptions::new())
        .await
        .expect("edit");
    (cms, post.id)
}

// ---- properties -----------------------------------------------------------------------------

/// Any JSON as find options: parsing refuses what is not the language, and whatever parses runs
/// (documents and assets, find and count) without a backend error.
pub async fn arbitrary_find_options_only_give_typed_errors(db: &TestDb) {
    let (cms, _) = content(db).await;
    check(find_options_json(), |json| {
        let Ok(options) = FindOptions::from_json(&json) else {
            return Ok(());
        };
        block_on(async {
            typed("find", cms.documents().find(&options).await)?;
            typed("count", cms.documents().count(&options).await)?;
            let assets = cms.assets();
            typed(
                "find assets",
                assets.find(&AssetFilter::new(), &options).await,
            )?;
            typed(
                "count assets",
                assets.count(&AssetFilter::new(), &options).await,
            )
        })
    });
}

/// Extreme page sizes, offsets, pages, depths, version numbers, revisions, asset sizes and
/// API-key limits.
pub async fn arbitrary_numbers_only_give_typed_errors(db: &TestDb) {
    let (cms, known) = content(db).await;
    let auth = cms.auth().expect("auth");
    let owner = auth
        .sign_up_email(SignUp::new("Num", "num@example.com", "long enough"))
        .await
        .expect("sign up")
        .user
        .id;
    let numbers = (
        (
            edge_u64(),
            edge_u64(),
            edge_u64(),
            any::<u32>(),
            any::<bool>(),
        ),
        (edge_i64(), edge_i64(), edge_i64()),
        (edge_i32(), edge_i32(), edge_i32(), edge_i32(), edge_i64()),
    );
    check(
        numbers,
        |((a, b, c, depth, published), (n, rev, size), (w, h, lim, win, exp))| {
            let perspective = if published {
                Perspective::Published
            } else {
                Perspective::Draft
            };
            let docs = cms.documents();
            block_on(async {
                let o = FindOptions::new()
                    .limit(a)
                    .offset(b)
                    .perspective(perspective);
                typed("find with offset", docs.find(&o).await)?;
                let o = FindOptions::new().limit(a).page(c).depth(depth);
                typed("find with page", docs.find(&o).await)?;
                typed("by id", docs.find_by_id(known, perspective, depth).await)?;
                if let Ok(paging) = Paging::new(a, b) {
                    typed("versions", docs.versions(known, paging).await)?;
                }
                if let Ok(paging) = Paging::page(a, c) {
                    typed("versions by page", docs.versions(known, paging).await)?;
                }
                typed("version", docs.version(known, n).await)?;
                typed(
                    "restore",
                    docs.restore(known, n, WriteOptions::new().expect_revision(rev))
                        .await,
                )?;
                let mut asset = crate::fixtures::text_file("n.bin");
                asset.size = size;
                asset.width = Some(w);
                asset.height = Some(h);
                typed("asset", cms.assets().create(asset).await)?;
                typed("total size", cms.assets().total_size().await)?;
                let mut key = CreateApiKey::new()
                    .rate_limit(true, win, lim)
                    .remaining(lim);
                key.refill_interval_ms = Some(win);
                key.refill_amount = Some(w);
                key.expires_in = TimeDelta::try_seconds(exp);
                if let Ok(created) = auth.create_api_key(&owner, key).await {
                    typed("verify", auth.verify_api_key(&created.key).await)?;
                    typed("verify again", auth.verify_api_key(&created.key).await)?;
                }
                Ok(())
            })
        },
    );
}

/// Arbitrary strings as data, keys, `where` values and paths, lookup keys, credentials and
/// asset fields.
pub async fn arbitrary_strings_only_give_typed_errors(db: &TestDb) {
    let (cms, known) = content(db).await;
    let auth = cms.auth().expect("auth");
    check((hostile_string(), path()), |(s, p)| {
        let docs = cms.documents();
        block_on(async {
            let data = json!({ "title": s.clone(), "tags": [s.clone()], s.clone(): 1 });
            typed(
                "create",
                docs.create(CreateDocument::new("post", data.clone())).await,
            )?;
            typed(
                "create typed",
                docs.create(CreateDocument::new(s.clone(), json!({}))).await,
            )?;
            typed(
                "save",
                docs.update_draft(known, data, WriteOptions::new()).await,
            )?;
            for w in [
                Where::path("title").equals(s.as_str()),
                Where::path("title").contains(s.as_str()),
                Where::path("tags").all([s.as_str()]),
                Where::path(p.as_str()).like(s.as_str()),
                Where::path(p.as_str()).starts_with(s.as_str()),
                Where::path("_meta.createdAt").greater_than(s.as_str()),
                Where::path("status").in_list([s.as_str()]),
            ] {
                let o = FindOptions::new().filter(w).sort(p.clone());
                typed("find", docs.find(&o).await)?;
                typed("count", docs.count(&o.doc_type(s.clone())).await)?;
            }
            typed("schema", cms.schema_types().get(&s).await)?;
            typed("profile", cms.profiles().get(&s).await)?;
            typed("session", auth.session(&s).await)?;
            typed("cookie", auth.session_from_cookie(&s).await)?;
            typed("api key", auth.verify_api_key(&s).await)?;
            typed("sign out", auth.sign_out(&s).await)?;
            typed(
                "reset",
                auth.reset_password(&s, "a long new password").await,
            )?;
            typed(
                "sign in",
                auth.sign_in_email(&s, &s, Default::default()).await,
            )?;
            let filter = AssetFilter::new().search(s.clone()).mime_type(s.clone());
            typed(
                "assets",
                cms.assets().find(&filter, &FindOptions::new()).await,
            )?;
            let mut asset = crate::fixtures::text_file(&s);
            asset.metadata = Some(json!({ s.clone(): s.clone() }));
            asset.title = Some(s.clone());
            asset.created_by = Some(s.clone());
            typed("asset", cms.assets().create(asset).await)
        })
    });
}
