//! The bad-input table: every bad input gives a typed error naming what is wrong, query errors
//! send nothing to the database, and afterwards the database is unchanged.

use std::collections::BTreeMap;
use std::fmt::Debug;

use aphex_core::model::{Document, NewAsset, SchemaType};
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{AssetFilter, CreateDocument, WriteOptions};
use aphex_core::{Cms, Error, Result};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestDb;
use crate::query::{expect, post};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(bad_input:
        unknown_operator_is_refused,
        illegal_paths_are_refused,
        nesting_deeper_than_16_is_refused,
        more_than_1000_values_are_refused,
        malformed_operands_are_refused,
        limit_out_of_range_is_refused,
        depth_above_10_is_refused,
        bad_find_options_are_refused,
        asset_query_errors_send_nothing,
        oversize_document_type_is_refused,
        oversize_asset_fields_are_refused,
        oversize_schema_type_fields_are_refused,
        non_object_document_data_is_refused,
        malformed_ids_match_nothing_and_missing_versions_are_not_found,
        operator_like_data_round_trips_and_matches_literally,
        sql_injection_text_matches_nothing_and_changes_nothing,
        extreme_numbers_are_refused_by_name_before_the_database,
    )
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A CMS with a known document (published, then its draft edited) and an author.
async fn setup(db: &TestDb) -> (Cms, Uuid) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let known = post(&cms, json!({"title": "Known", "views": 1, "tags": ["a"]})).await;
    docs.publish(known.id, WriteOptions::default())
        .await
        .expect("publish");
    docs.update_draft(
        known.id,
        json!({"title": "Known v2", "views": 2, "tags": ["a", "b"]}),
        WriteOptions::default(),
    )
    .await
    .expect("edit");
    docs.create(CreateDocument::new("author", json!({"name": "Ann"})))
        .await
        .expect("author");
    (cms, known.id)
}

/// Everything a bad input could have changed.
#[derive(Debug, PartialEq)]
struct Snapshot {
    counts: BTreeMap<String, u64>,
    known: Option<Document>,
    known_versions: u64,
    assets: u64,
    schema_types: Vec<SchemaType>,
}

async fn snapshot(cms: &Cms, known: Uuid) -> Snapshot {
    let docs = cms.documents();
    Snapshot {
        counts: docs.counts_by_type().await.expect("counts by type"),
        known: docs
            .find_by_id(known, Perspective::Draft, 0)
            .await
            .expect("read the known document"),
        known_versions: docs
            .versions(known, crate::fixtures::paging(1000, 0))
            .await
            .expect("versions")
            .total_docs,
        assets: cms
            .assets()
            .count(&AssetFilter::default(), &crate::fixtures::filtered(None))
            .await
            .expect("count assets"),
        schema_types: cms.schema_types().list().await.expect("schema types"),
    }
}

#[track_caller]
fn assert_invalid_query<T: Debug>(result: Result<T>, expected_path: &str, what: &str) {
    match result {
        Err(Error::InvalidQuery { path, reason }) => assert_eq!(
            path, expected_path,
            "{what}: InvalidQuery names the path (reason: {reason})"
        ),
        other => panic!("{what}: expected InvalidQuery at `{expected_path}`, got {other:?}"),
    }
}

#[track_caller]
fn assert_validation<T: Debug>(result: Result<T>, expected_path: &str, what: &str) {
    match result {
        Err(Error::Validation(errors)) => {
            let paths: Vec<&str> = errors.fields().iter().map(|f| f.path.as_str()).collect();
            assert_eq!(
                paths,
                vec![expected_path],
                "{what}: Validation names exactly the bad field ({errors})"
            );
        }
        other => panic!("{what}: expected Validation at `{expected_path}`, got {other:?}"),
    }
}

/// `find` (typed and untyped) and `count` with these options are refused with InvalidQuery at
/// `path`, and nothing is sent to the database.
async fn refused(db: &TestDb, cms: &Cms, opts: &FindOptions, path: &str) {
    let before = db.statements();
    let docs = cms.documents();
    let what = format!("find {opts:?}");
    assert_invalid_query(
        docs.find(&crate::fixtures::typed(Some("post"), opts)).await,
        path,
        &what,
    );
    assert_invalid_query(
        docs.find(&crate::fixtures::typed(None, opts)).await,
        path,
        &what,
    );
    let published = opts.clone().perspective(Perspective::Published);
    assert_invalid_query(
        docs.find(&crate::fixtures::typed(Some("post"), &published))
            .await,
        path,
        &what,
    );
    assert_eq!(db.statements(), before, "{what}: nothing was sent");
}

/// Like [`refused`], for a bad `where`, also through `count`.
async fn refused_where(db: &TestDb, cms: &Cms, w: Where, path: &str) {
    let before = db.statements();
    let what = format!("count {w:?}");
    for perspective in [Perspective::Draft, Perspective::Published] {
        assert_invalid_query(
            cms.documents()
                .count(&crate::fixtures::counting(
                    Some("post"),
                    Some(&w),
                    perspective,
                ))
                .await,
            path,
            &what,
        );
    }
    assert_eq!(db.statements(), before, "{what}: nothing was sent");
    refused(db, cms, &FindOptions::new().filter(w), path).await;
}

/// The JSON find options `body` do not parse: InvalidQuery at `path` (through
/// `FindOptions::from_json` and serde alike).
#[track_caller]
fn refused_json(body: Value, path: &str) {
    assert_invalid_query(FindOptions::from_json(&body), path, &format!("{body}"));
    assert!(
        serde_json::from_value::<FindOptions>(body.clone()).is_err(),
        "{body} deserializes"
    );
}

/// The JSON `where` does not parse: InvalidQuery at `path`, as a bare `where` and inside find
/// options.
#[track_caller]
fn refused_where_json(w: Value, path: &str) {
    assert_invalid_query(Where::from_json(&w), path, &format!("where {w}"));
    refused_json(json!({ "where": w }), path);
}

fn nested_json(levels: usize) -> Value {
    (0..levels).fold(json!({"title": "Known v2"}), |inner, i| {
        let key = if i % 2 == 0 { "or" } else { "and" };
        json!({ key: [inner] })
    })
}

fn nested_where(levels: usize) -> Where {
    (0..levels).fold(Where::path("title").equals("Known v2"), |inner, i| {
        if i % 2 == 0 {
            Where::or([inner])
        } else {
            Where::and([inner])
        }
    })
}

/// A LIKE pattern matching exactly `text`.
fn like_literal(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

fn titles(result: &aphex_core::query::FindResult<Document>) -> Vec<String> {
    result
        .docs
        .iter()
        .map(|d| crate::query::label(d, Perspective::Draft))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Query errors
// ---------------------------------------------------------------------------------------------

/// An unknown operator is refused, naming the path it was used on.
pub async fn unknown_operator_is_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let before = db.statements();
    refused_where_json(json!({"title": {"regex": "x"}}), "title");
    refused_where_json(json!({"title": {"$gt": ""}}), "title");
    refused_where_json(json!({"title": {"equals": "x", "bogus": 1}}), "title");
    refused_where_json(json!({"and": [{"views": {"gt": 1}}]}), "views");
    refused_where_json(
        json!({"or": [{"title": "x"}, {"seo.metaTitle": {"eq": "x"}}]}),
        "seo.metaTitle",
    );
    refused_where_json(json!({"title": {"EQUALS": "x"}}), "title");
    refused_where_json(json!({"title": {"not": {"equals": "x"}}}), "title");
    assert_eq!(db.statements(), before, "nothing was sent");
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// Paths with characters outside `[A-Za-z0-9_.-]`, empty segments, array positions, unknown
/// `_meta` fields or more than 256 bytes are refused, in filters and sort keys.
pub async fn illegal_paths_are_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let long = "a".repeat(257);
    let paths = [
        "ti$tle",
        "a b",
        "a..b",
        "tags.0",
        "0",
        "a;drop",
        "",
        ".title",
        "title.",
        "_meta.title",
        "$where",
        "a'b",
        "a\"b",
        "a\\b",
        "a/b",
        "a[0]",
        "é",
        "title\n",
        long.as_str(),
    ];
    for path in paths {
        refused_where(db, &cms, Where::path(path).equals("x"), path).await;
        refused_where(db, &cms, Where::path(path).exists(false), path).await;
        refused_where(
            db,
            &cms,
            Where::and([
                Where::path("title").equals("Known v2"),
                Where::or([Where::path(path).in_list(["x"])]),
            ]),
            path,
        )
        .await;
        // The JSON form parses (paths are checked against the target) and is refused by find.
        let opts = FindOptions::from_json(&json!({"where": { path: "x" }})).expect("parses");
        refused(db, &cms, &opts, path).await;
        if !path.is_empty() {
            refused(db, &cms, &FindOptions::new().sort(path), path).await;
            refused(db, &cms, &FindOptions::new().sort(format!("-{path}")), path).await;
        }
    }
    // Just inside the rules: 256 bytes, `_`, `-`, digits inside a segment, `_meta` columns.
    let longest = "a".repeat(256);
    for path in [longest.as_str(), "a_b-c.d1", "_meta.createdAt", "-x"] {
        let found = cms
            .documents()
            .find(&crate::fixtures::typed(
                Some("post"),
                &FindOptions::new().filter(Where::path(path).exists(true)),
            ))
            .await;
        assert!(found.is_ok(), "path {path} is legal: {found:?}");
    }
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// `and`/`or` nested 16 deep is accepted; 17 is refused, naming the key that goes too deep.
pub async fn nesting_deeper_than_16_is_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let ok = FindOptions::from_json(&json!({"where": nested_json(16)})).expect("16 levels parse");
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &ok))
        .await
        .expect("16 levels run");
    assert_eq!(titles(&found), vec!["Known v2"]);
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().filter(nested_where(16)),
        ))
        .await
        .expect("16 levels run");
    assert_eq!(titles(&found), vec!["Known v2"]);
    // The innermost wrapper (an `or`) is the 17th level.
    refused_where_json(nested_json(17), "or");
    // Parsing stops at the first key 17 levels down: with 40 levels that is an `and`.
    refused_where_json(nested_json(40), "and");
    refused_where_json(json!({"and": [{"title": "x"}, nested_json(16)]}), "or");
    refused_where(db, &cms, nested_where(17), "or").await;
    refused_where(db, &cms, Where::and([nested_where(16)]), "or").await;
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// `in`, `not_in` and `all` take at most 1000 values.
pub async fn more_than_1000_values_are_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let values = |n: usize| -> Vec<String> {
        (1..n)
            .map(|i| format!("v{i}"))
            .chain(["Known v2".to_string()])
            .collect()
    };
    let ok = FindOptions::from_json(&json!({"where": {"title": {"in": values(1000)}}}))
        .expect("1000 values parse");
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &ok))
        .await
        .expect("runs");
    assert_eq!(titles(&found), vec!["Known v2"]);
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().filter(Where::path("title").not_in(values(1000))),
        ))
        .await
        .expect("runs");
    assert_eq!(titles(&found), Vec::<String>::new());
    refused_where_json(json!({"title": {"in": values(1001)}}), "title");
    refused_where_json(json!({"title": values(1001)}), "title");
    refused_where_json(json!({"title": {"not_in": values(1001)}}), "title");
    refused_where_json(json!({"tags": {"all": values(1001)}}), "tags");
    refused_where(
        db,
        &cms,
        Where::path("title").in_list(values(1001)),
        "title",
    )
    .await;
    refused_where(db, &cms, Where::path("title").not_in(values(1001)), "title").await;
    refused_where(db, &cms, Where::path("tags").all(values(1001)), "tags").await;
    refused_where(db, &cms, Where::path("id").in_list(values(1001)), "id").await;
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// Operands of the wrong shape are refused, naming the path.
pub async fn malformed_operands_are_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let before = db.statements();
    for (w, path) in [
        (json!({"title": {"in": "x"}}), "title"),
        (json!({"title": {"not_in": 5}}), "title"),
        (json!({"title": {"in": [[1]]}}), "title"),
        (json!({"title": {"in": [{"a": 1}]}}), "title"),
        (json!({"title": {"exists": "yes"}}), "title"),
        (json!({"title": {"exists": 1}}), "title"),
        (json!({"title": {"exists": null}}), "title"),
        (json!({"views": {"greater_than": true}}), "views"),
        (json!({"views": {"greater_than_equal": false}}), "views"),
        (json!({"views": {"less_than": null}}), "views"),
        (json!({"views": {"less_than_equal": [1]}}), "views"),
        (
            json!({"views": {"greater_than": {"$numberInt": "1"}}}),
            "views",
        ),
        (json!({"title": {"like": 5}}), "title"),
        (json!({"title": {"like": null}}), "title"),
        (json!({"title": {"starts_with": null}}), "title"),
        (json!({"title": {"ends_with": ["x"]}}), "title"),
        (json!({"title": {"starts_with": 1}}), "title"),
        (json!({"title": {"contains": null}}), "title"),
        (json!({"title": {"contains": {"a": 1}}}), "title"),
        (json!({"title": {"contains": ["a"]}}), "title"),
        (json!({"title": {"equals": {"a": 1}}}), "title"),
        (json!({"title": {"equals": [1]}}), "title"),
        (json!({"title": {"not_equals": {"$gt": ""}}}), "title"),
        (json!({"tags": {"all": [null]}}), "tags"),
        (json!({"tags": {"all": "x"}}), "tags"),
        (json!({"tags": {"all": [["x"]]}}), "tags"),
        (json!({"title": {}}), "title"),
        (json!({"and": {"title": "x"}}), "and"),
        (json!({"and": "x"}), "and"),
        (json!({"or": [1]}), "or"),
        (json!({"and": [[]]}), "and"),
        (json!({"or": null}), "or"),
        (json!({"and": [{"or": [{"title": {"in": "x"}}]}]}), "title"),
    ] {
        refused_where_json(w, path);
    }
    for w in [json!([1]), json!("x"), json!(null), json!(5)] {
        refused_json(json!({ "where": w }), "where");
        assert_invalid_query(Where::from_json(&w), "where", &format!("where {w}"));
    }
    assert_eq!(db.statements(), before, "nothing was sent");
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// `limit` must be 1..=1000.
pub async fn limit_out_of_range_is_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    refused(db, &cms, &FindOptions::new().limit(0), "limit").await;
    refused(db, &cms, &FindOptions::new().limit(1001), "limit").await;
    refused(db, &cms, &FindOptions::new().limit(u64::MAX), "limit").await;
    let parsed = FindOptions::from_json(&json!({"limit": 0})).expect("parses");
    refused(db, &cms, &parsed, "limit").await;
    for bad in [json!(-1), json!("10"), json!(1.5), json!(null)] {
        refused_json(json!({ "limit": bad }), "limit");
    }
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().limit(1000),
        ))
        .await
        .expect("limit 1000 is accepted");
    assert_eq!(found.limit, 1000);
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// `depth` must be 0..=10, for lists and single reads.
pub async fn depth_above_10_is_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    refused(db, &cms, &FindOptions::new().depth(11), "depth").await;
    refused(db, &cms, &FindOptions::new().depth(u32::MAX), "depth").await;
    let parsed = FindOptions::from_json(&json!({"depth": 11})).expect("parses");
    refused(db, &cms, &parsed, "depth").await;
    refused_json(json!({"depth": -1}), "depth");
    refused_json(json!({"depth": 5_000_000_000_u64}), "depth");
    refused_json(json!({"depth": "1"}), "depth");
    let before = db.statements();
    for perspective in [Perspective::Draft, Perspective::Published] {
        assert_invalid_query(
            cms.documents().find_by_id(known, perspective, 11).await,
            "depth",
            "find_by_id at depth 11",
        );
    }
    assert_eq!(db.statements(), before, "nothing was sent");
    cms.documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().depth(10),
        ))
        .await
        .expect("depth 10 is accepted");
    cms.documents()
        .find_by_id(known, Perspective::Draft, 10)
        .await
        .expect("depth 10 is accepted")
        .expect("exists");
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// Unknown option keys, bad perspectives, sorts, pages and offsets are refused.
pub async fn bad_find_options_are_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let before = db.statements();
    refused_json(json!({"filter": {}}), "filter");
    refused_json(json!({"where": {}, "limits": 5}), "limits");
    refused_json(json!({"Where": {}}), "Where");
    refused_json(json!({"perspective": "live"}), "perspective");
    refused_json(json!({"perspective": "Published"}), "perspective");
    refused_json(json!({"perspective": 1}), "perspective");
    refused_json(json!({"sort": 5}), "sort");
    refused_json(json!({"sort": [1]}), "sort");
    refused_json(json!({"sort": {"title": 1}}), "sort");
    refused_json(json!({"page": -1}), "page");
    refused_json(json!({"page": "2"}), "page");
    refused_json(json!({"offset": -1}), "offset");
    refused_json(json!({"offset": 1.5}), "offset");
    refused_json(json!([1]), "");
    refused_json(json!("where"), "");
    assert_eq!(db.statements(), before, "nothing was sent");
    refused(db, &cms, &FindOptions::new().page(0), "page").await;
    refused(db, &cms, &FindOptions::new().page(1).offset(0), "page").await;
    refused(
        db,
        &cms,
        &FindOptions::new().page(u64::MAX).limit(2),
        "page",
    )
    .await;
    refused(db, &cms, &FindOptions::new().offset(u64::MAX), "offset").await;
    let nine = (0..9).fold(FindOptions::new(), |o, i| o.sort(format!("k{i}")));
    refused(db, &cms, &nine, "sort").await;
    let eight = (0..8).fold(FindOptions::new(), |o, i| o.sort(format!("k{i}")));
    cms.documents()
        .find(&crate::fixtures::typed(Some("post"), &eight))
        .await
        .expect("8 sort keys are accepted");
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// Asset queries are checked the same way: bad paths and limits send nothing.
pub async fn asset_query_errors_send_nothing(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let before = db.statements();
    let assets = cms.assets();
    let none = AssetFilter::default();
    for (w, path) in [
        (Where::path("ti$tle").equals("x"), "ti$tle"),
        (Where::path("notAColumn").equals("x"), "notAColumn"),
        (Where::path("metadata.0").equals("x"), "metadata.0"),
        (nested_where(17), "or"),
        (
            Where::path("size").in_list((0..1001).collect::<Vec<i64>>()),
            "size",
        ),
    ] {
        let what = format!("assets {w:?}");
        assert_invalid_query(
            assets
                .find(&none, &FindOptions::new().filter(w.clone()))
                .await,
            path,
            &what,
        );
        assert_invalid_query(
            assets
                .count(&none, &crate::fixtures::filtered(Some(&w)))
                .await,
            path,
            &what,
        );
    }
    for (opts, path) in [
        (FindOptions::new().limit(0), "limit"),
        (FindOptions::new().limit(1001), "limit"),
        (FindOptions::new().sort("bad path"), "bad path"),
        (FindOptions::new().page(1).offset(1), "page"),
    ] {
        let what = format!("assets {opts:?}");
        assert_invalid_query(assets.find(&none, &opts).await, path, &what);
    }
    assert_eq!(db.statements(), before, "nothing was sent");
    assert_eq!(snapshot(&cms, known).await, before_state);
}

// ---------------------------------------------------------------------------------------------
// Write errors
// ---------------------------------------------------------------------------------------------

/// A document type longer than 100 characters, empty or unknown is a validation error on
/// `type`; a registered 100-character type is fine.
pub async fn oversize_document_type_is_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let docs = cms.documents();
    let long = format!("t{}", "a".repeat(100));
    for (doc_type, what) in [
        (long.as_str(), "101-character type"),
        ("", "empty type"),
        ("   ", "blank type"),
        ("nope", "unknown type"),
        ("seo", "object type"),
    ] {
        assert_validation(
            docs.create(CreateDocument::new(doc_type, json!({"title": "x"})))
                .await,
            "type",
            what,
        );
    }
    assert_eq!(snapshot(&cms, known).await, before_state);

    let hundred = format!("t{}", "a".repeat(99));
    cms.schema_types()
        .register(
            SchemaTypeDef::document(hundred.as_str(), "Hundred").field(FieldDef::string("title")),
        )
        .await
        .expect("a 100-character type name is accepted");
    let created = docs
        .create(CreateDocument::new(hundred.as_str(), json!({"title": "x"})))
        .await
        .expect("a document of a 100-character type");
    assert_eq!(created.doc_type, hundred);
    let read = docs
        .find_by_id(created.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.doc_type, hundred);
    assert_eq!(
        docs.counts_by_type()
            .await
            .expect("counts")
            .get(&hundred)
            .copied(),
        Some(1)
    );
}

fn asset() -> NewAsset {
    NewAsset {
        asset_type: "image".into(),
        filename: "a.png".into(),
        original_filename: "A.png".into(),
        mime_type: "image/png".into(),
        size: 10,
        url: "/media/a.png".into(),
        path: "media/a.png".into(),
        storage_adapter: None,
        width: Some(1),
        height: Some(1),
        metadata: None,
        title: None,
        description: None,
        alt: None,
        credit_line: None,
        created_by: None,
    }
}

/// Asset fields longer than the seed's column lengths are validation errors naming the field;
/// values at the limits (counted in characters) are stored and read back unchanged.
pub async fn oversize_asset_fields_are_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let assets = cms.assets();
    let s = |n: usize| "x".repeat(n);
    let cases: Vec<(NewAsset, &str)> = vec![
        (
            NewAsset {
                filename: s(256),
                ..asset()
            },
            "filename",
        ),
        (
            NewAsset {
                original_filename: s(256),
                ..asset()
            },
            "originalFilename",
        ),
        (
            NewAsset {
                mime_type: s(101),
                ..asset()
            },
            "mimeType",
        ),
        (
            NewAsset {
                asset_type: s(21),
                ..asset()
            },
            "assetType",
        ),
        (
            NewAsset {
                storage_adapter: Some(s(51)),
                ..asset()
            },
            "storageAdapter",
        ),
        (
            NewAsset {
                title: Some(s(256)),
                ..asset()
            },
            "title",
        ),
        (
            NewAsset {
                filename: String::new(),
                ..asset()
            },
            "filename",
        ),
    ];
    for (input, path) in cases {
        let what = format!("asset with a bad {path}");
        assert_validation(assets.create(input).await, path, &what);
    }
    assert_eq!(snapshot(&cms, known).await, before_state);

    let at_limits = NewAsset {
        filename: s(255),
        original_filename: "é".repeat(255),
        mime_type: s(100),
        asset_type: s(20),
        storage_adapter: Some(s(50)),
        title: Some("ü".repeat(255)),
        ..asset()
    };
    let created = assets
        .create(at_limits.clone())
        .await
        .expect("values at the limits are accepted");
    let read = assets
        .find_by_id(created.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, created);
    assert_eq!(read.filename, at_limits.filename);
    assert_eq!(read.original_filename, at_limits.original_filename);
    assert_eq!(read.title, at_limits.title);
    assert_eq!(read.storage_adapter, s(50));
}

/// Schema type names over 100 and titles over 200 characters are validation errors naming the
/// field; the limits themselves are fine.
pub async fn oversize_schema_type_fields_are_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let types = cms.schema_types();
    let name = |n: usize| format!("t{}", "a".repeat(n - 1));
    assert_validation(
        types
            .register(SchemaTypeDef::document(name(101), "T").field(FieldDef::string("title")))
            .await,
        "name",
        "101-character name",
    );
    assert_validation(
        types
            .register(
                SchemaTypeDef::document("longTitle", "x".repeat(201))
                    .field(FieldDef::string("title")),
            )
            .await,
        "title",
        "201-character title",
    );
    assert_eq!(snapshot(&cms, known).await, before_state);
    let stored = types
        .register(
            SchemaTypeDef::document(name(100), "x".repeat(200)).field(FieldDef::string("title")),
        )
        .await
        .expect("limits are accepted");
    assert_eq!(stored.name, name(100));
    assert_eq!(stored.title, "x".repeat(200));
    let read = types.get(&name(100)).await.expect("get").expect("stored");
    assert_eq!(read, stored);
}

/// Document data must be a JSON object, on create and on update.
pub async fn non_object_document_data_is_refused(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let docs = cms.documents();
    for data in [
        json!([1, 2]),
        json!("x"),
        json!(null),
        json!(5),
        json!(true),
    ] {
        let what = format!("data {data}");
        assert_validation(
            docs.create(CreateDocument::new("post", data.clone())).await,
            "data",
            &what,
        );
        assert_validation(
            docs.update_draft(known, data.clone(), WriteOptions::default())
                .await,
            "data",
            &what,
        );
        assert_validation(
            docs.update_draft(known, data, WriteOptions::default().expect_revision(2))
                .await,
            "data",
            &what,
        );
    }
    assert_eq!(snapshot(&cms, known).await, before_state);
}

/// A malformed id in a filter matches nothing; unknown ids and version numbers are NotFound
/// (or `None` for reads), and nothing changes.
pub async fn malformed_ids_match_nothing_and_missing_versions_are_not_found(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let docs = cms.documents();
    expect(&cms, json!({"id": "not-a-uuid"}), &[]).await;
    expect(&cms, json!({"id": {"in": ["x", "y"]}}), &[]).await;
    expect(&cms, json!({"id": known.to_string()}), &["Known v2"]).await;
    expect(&cms, json!({"id": format!("{known}x")}), &[]).await;
    let missing = Uuid::new_v4();
    for number in [0, 999, -1] {
        let result = docs.restore(known, number, WriteOptions::default()).await;
        assert!(
            matches!(
                result,
                Err(Error::NotFound {
                    entity: "version",
                    ..
                })
            ),
            "restore version {number}: {result:?}"
        );
        assert_eq!(docs.version(known, number).await.expect("read"), None);
    }
    let result = docs.restore(missing, 1, WriteOptions::default()).await;
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "restore on a missing document: {result:?}"
    );
    let result = docs
        .update_draft(missing, json!({"title": "x"}), WriteOptions::default())
        .await;
    assert!(
        matches!(
            result,
            Err(Error::NotFound {
                entity: "document",
                ..
            })
        ),
        "update of a missing document: {result:?}"
    );
    let result = docs.publish(missing, WriteOptions::default()).await;
    assert!(
        matches!(
            result,
            Err(Error::NotFound {
                entity: "document",
                ..
            })
        ),
        "publish of a missing document: {result:?}"
    );
    assert!(
        docs.find_by_id(missing, Perspective::Draft, 0)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(snapshot(&cms, known).await, before_state);
}

// ---------------------------------------------------------------------------------------------
// Data that looks like query syntax
// ---------------------------------------------------------------------------------------------

/// Operator-like keys and values (`{"$gt": ""}`, `"$where"`) stored as data round-trip unchanged
/// and are only ever matched literally; they can never become operators.
pub async fn operator_like_data_round_trips_and_matches_literally(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let docs = cms.documents();
    let data = json!({
        "title": "$where",
        "filter": {"$gt": ""},
        "$where": "function() { return true; }",
        "nested": {"$ne": null, "$in": [1, 2], "$or": [{"a": 1}]},
        "list": [{"$regex": ".*"}, "$all"],
        "dollar": "$gt",
        "tags": ["$in", "{\"$gt\": \"\"}"]
    });
    let created = docs
        .create(CreateDocument::new("post", data.clone()))
        .await
        .expect("create");
    assert_eq!(created.draft_data.as_ref(), Some(&data));
    let read = docs
        .find_by_id(created.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.draft_data.as_ref(), Some(&data));
    let updated = docs
        .update_draft(created.id, data.clone(), WriteOptions::default())
        .await
        .expect("update");
    assert_eq!(updated.draft_data.as_ref(), Some(&data));
    let version = docs
        .version(created.id, 1)
        .await
        .expect("read version")
        .expect("first version");
    assert_eq!(version.data, data);
    post(
        &cms,
        json!({"title": "plain", "filter": "x", "dollar": "gt"}),
    )
    .await;
    let before_state = snapshot(&cms, known).await;

    expect(&cms, json!({"title": "$where"}), &["$where"]).await;
    expect(&cms, json!({"title": {"starts_with": "$"}}), &["$where"]).await;
    expect(&cms, json!({"title": {"like": "$%"}}), &["$where"]).await;
    expect(&cms, json!({"dollar": "$gt"}), &["$where"]).await;
    expect(&cms, json!({"dollar": {"in": ["$gt", "$ne"]}}), &["$where"]).await;
    expect(&cms, json!({"dollar": {"contains": "$"}}), &["$where"]).await;
    expect(&cms, json!({"tags": {"contains": "$in"}}), &["$where"]).await;
    expect(&cms, json!({"tags": {"all": ["$in"]}}), &["$where"]).await;
    expect(&cms, json!({"tags": {"contains": "{\"$gt\""}}), &["$where"]).await;
    expect(&cms, json!({"filter": "x"}), &["plain"]).await;
    expect(
        &cms,
        json!({"filter": {"exists": true}}),
        &["$where", "plain"],
    )
    .await;
    expect(&cms, json!({"filter": "{\"$gt\": \"\"}"}), &[]).await;
    expect(&cms, json!({"filter": ""}), &[]).await;
    expect(&cms, json!({"filter": {"greater_than": ""}}), &["plain"]).await;
    expect(
        &cms,
        json!({"title": {"not_equals": "$where"}}),
        &["Known v2", "plain"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"in": ["$where", "$ne"]}}),
        &["$where"],
    )
    .await;
    expect(&cms, json!({"status": "$ne"}), &[]).await;
    expect(&cms, json!({"type": {"in": ["$gt"]}}), &[]).await;
    expect(&cms, json!({"createdBy": "$where"}), &[]).await;

    refused_where_json(json!({"filter": {"$gt": ""}}), "filter");
    refused_where_json(json!({"filter": {"equals": {"$gt": ""}}}), "filter");
    refused_where_json(json!({"title": {"in": [{"$gt": ""}]}}), "title");
    refused_where_json(json!({"$or": [{"title": "x"}]}), "$or");
    let opts = FindOptions::from_json(&json!({"where": {"$where": "x"}})).expect("parses");
    refused(db, &cms, &opts, "$where").await;
    refused(db, &cms, &FindOptions::new().sort("$natural"), "$natural").await;
    refused_where(db, &cms, Where::path("filter.$gt").equals(""), "filter.$gt").await;
    assert_eq!(snapshot(&cms, known).await, before_state);
    let read = docs
        .find_by_id(created.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.draft_data.as_ref(), Some(&data), "still unchanged");
}

/// SQL-injection text is an ordinary value: it matches nothing (except literally) and changes
/// nothing.
pub async fn sql_injection_text_matches_nothing_and_changes_nothing(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let injections = [
        "x' OR '1'='1",
        "x' OR 1=1 --",
        "'; DROP TABLE cms_documents; --",
        "\") OR 1=1 --",
        "%' OR '%'='",
        "Known v2' --",
        "1; DELETE FROM cms_documents",
        "x\\' OR 1=1 #",
    ];
    for text in injections {
        for w in [
            json!({"title": text}),
            json!({"title": {"in": [text]}}),
            json!({"title": {"contains": text}}),
            json!({"title": {"starts_with": text}}),
            json!({"title": {"ends_with": text}}),
            json!({"title": {"like": text}}),
            json!({"title": {"greater_than": text, "less_than": text}}),
            json!({"tags": {"contains": text}}),
            json!({"tags": {"all": [text]}}),
            json!({"createdBy": text}),
            json!({"createdBy": {"contains": text}}),
            json!({"type": text}),
            json!({"type": {"like": text}}),
            json!({"status": text}),
            json!({"id": text}),
            json!({"createdAt": text}),
        ] {
            expect(&cms, w, &[]).await;
        }
        expect(&cms, json!({"title": {"not_equals": text}}), &["Known v2"]).await;
        expect(&cms, json!({"title": {"not_in": [text]}}), &["Known v2"]).await;
    }
    assert_eq!(snapshot(&cms, known).await, before_state);
    let tables_intact = cms
        .documents()
        .count(&crate::fixtures::counting(None, None, Perspective::Draft))
        .await
        .expect("count");
    assert_eq!(tables_intact, 2);

    // Stored as data, injection text round-trips and matches exactly itself.
    for text in injections {
        let doc = post(&cms, json!({ "title": text })).await;
        let read = cms
            .documents()
            .find_by_id(doc.id, Perspective::Draft, 0)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(read.draft_data, Some(json!({ "title": text })));
    }
    for text in injections {
        expect(&cms, json!({"title": text}), &[text]).await;
        expect(
            &cms,
            json!({"title": {"like": like_literal(text)}}),
            &[text],
        )
        .await;
    }
    expect(
        &cms,
        json!({"title": {"contains": "' OR '"}}),
        &["x' OR '1'='1", "%' OR '%'='"],
    )
    .await;
}

/// Every number a caller gives is checked once, before a driver sees it: a page past the
/// largest offset, an offset above `i64::MAX` (what SQL `OFFSET` and MongoDB `skip` take), a
/// non-finite number or a timestamp outside the years 1–9999 in a `where` is `InvalidQuery`
/// naming the option or path, and nothing is sent. The largest valid values run (and find
/// nothing).
pub async fn extreme_numbers_are_refused_by_name_before_the_database(db: &TestDb) {
    let (cms, known) = setup(db).await;
    let before_state = snapshot(&cms, known).await;
    let max_offset = aphex_core::query::MAX_OFFSET;
    refused(
        db,
        &cms,
        &FindOptions::new().offset(max_offset + 1),
        "offset",
    )
    .await;
    refused(db, &cms, &FindOptions::new().offset(u64::MAX), "offset").await;
    refused(db, &cms, &FindOptions::new().page(u64::MAX), "page").await;
    refused(
        db,
        &cms,
        &FindOptions::new().limit(1000).page(u64::MAX / 1000),
        "page",
    )
    .await;
    refused(db, &cms, &FindOptions::new().page(0), "page").await;
    for (w, path) in [
        (Where::path("views").greater_than(f64::NAN), "views"),
        (Where::path("views").less_than(f64::INFINITY), "views"),
        (
            Where::path("rating").in_list([1.0, f64::NEG_INFINITY]),
            "rating",
        ),
        (
            Where::path("_meta.createdAt").greater_than("+10000-01-01T00:00:00"),
            "_meta.createdAt",
        ),
        (
            Where::path("updatedAt").less_than("0000-12-31"),
            "updatedAt",
        ),
    ] {
        refused_where(db, &cms, w, path).await;
    }
    let assets = cms.assets();
    let far = FindOptions::new().offset(u64::MAX);
    assert_invalid_query(
        assets.find(&AssetFilter::new(), &far).await,
        "offset",
        "assets past the largest offset",
    );
    // The extremes that are valid run and find nothing.
    let last = cms
        .documents()
        .find(&FindOptions::new().limit(1000).offset(max_offset))
        .await
        .expect("the largest offset is fine");
    assert!(last.docs.is_empty());
    assert!(!last.has_next_page);
    let year_9999 = Where::path("createdAt").greater_than("9999-12-31T23:59:59.999Z");
    let none = cms
        .documents()
        .find(&FindOptions::new().filter(year_9999))
        .await
        .expect("year 9999 is fine");
    assert_eq!(none.total_docs, 0);
    for n in [i64::MAX, i64::MIN, 0] {
        assert_eq!(
            cms.documents().version(known, n).await.expect("a lookup"),
            None,
            "version {n}"
        );
    }
    assert_eq!(snapshot(&cms, known).await, before_state);
}
