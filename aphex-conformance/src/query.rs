//! The `where` language, sorting, pagination, perspectives and counts, through the public
//! document service. Every case asserts the exact set (or order) of matching documents, and every
//! filtered find is cross-checked against `count`.

use std::collections::BTreeMap;
use std::time::Duration;

use aphex_core::model::{Document, to_iso_millis};
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::service::{CreateDocument, WriteOptions};
use aphex_core::{Cms, Error};
use chrono::FixedOffset;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::reference;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(query:
        long_lists_and_wide_filters_work,
        equals_on_json_paths,
        equals_null_matches_missing_and_null,
        equals_on_nested_paths,
        not_equals_is_the_complement_of_equals,
        in_and_not_in,
        empty_in_matches_nothing_and_empty_not_in_everything,
        exists_true_and_false,
        ordered_operators_on_numbers,
        ordered_operators_on_strings,
        like_on_json_paths,
        contains_starts_with_ends_with_on_strings,
        contains_on_arrays,
        all_requires_every_value,
        scalar_operators_do_not_look_inside_arrays,
        type_mismatch_never_matches,
        booleans_are_not_numbers,
        integers_and_floats_compare_numerically,
        large_integers_compare_exactly,
        column_type,
        column_status,
        column_revision,
        column_created_and_updated_at_with_iso_strings,
        column_published_at,
        column_created_by_can_be_null,
        column_id_with_uuid_and_malformed_strings,
        contains_is_literal_for_like_wildcards,
        contains_is_literal_for_quotes,
        contains_is_literal_for_regex_metacharacters,
        starts_with_and_ends_with_are_literal,
        text_operators_on_columns_are_literal,
        text_operators_ignore_ascii_case_like_does_not,
        like_wildcards_and_escapes,
        nested_and_or,
        several_keys_and_operators_are_anded,
        empty_and_matches_all_empty_or_matches_none,
        sort_number_path_with_missing_values,
        sort_string_path_by_code_point,
        sort_mixed_types,
        sort_several_keys,
        sort_nested_path,
        sort_on_columns,
        default_sort_is_latest_update_first,
        ties_are_broken_by_id,
        pagination_by_page,
        pagination_by_offset,
        pagination_defaults_and_empty_results,
        page_and_offset_together_are_refused,
        published_perspective_shows_only_published_documents,
        perspective_decides_which_data_is_matched,
        type_argument_scopes_the_query,
        count_and_counts_by_type,
        find_options_from_json_match_the_builder,
    )
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A document's label: its `title` (posts) or `name` (authors) in `perspective`, else its id.
pub(crate) fn label(doc: &Document, perspective: Perspective) -> String {
    doc.data(perspective)
        .and_then(|d| d.get("title").or_else(|| d.get("name")))
        .and_then(Value::as_str)
        .map_or_else(|| doc.id.to_string(), String::from)
}

/// Creates a `post` draft.
pub(crate) async fn post(cms: &Cms, data: Value) -> Document {
    cms.documents()
        .create(CreateDocument::new("post", data))
        .await
        .expect("creating a post")
}

/// Creates a `post` draft with the id `Uuid::from_u128(n)`, so id order is known.
async fn post_n(cms: &Cms, n: u128, data: Value) -> Document {
    cms.documents()
        .create(CreateDocument::new("post", data).id(Uuid::from_u128(n)))
        .await
        .expect("creating a post with a chosen id")
}

async fn author(cms: &Cms, name: &str) -> Document {
    cms.documents()
        .create(CreateDocument::new("author", json!({ "name": name })))
        .await
        .expect("creating an author")
}

async fn publish(cms: &Cms, doc: &Document) -> Document {
    cms.documents()
        .publish(doc.id, WriteOptions::default())
        .await
        .expect("publishing")
}

async fn edit(cms: &Cms, doc: &Document, data: Value) -> Document {
    cms.documents()
        .update_draft(doc.id, data, WriteOptions::default())
        .await
        .expect("editing a draft")
}

/// Lets the clock move on so the next write gets a later millisecond timestamp.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

fn sorted(labels: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Sorted labels of the documents (of `doc_type`) matching `w` (JSON form) in `perspective`.
/// Also checks that `count` and `total_docs` agree with the number of documents found.
pub(crate) async fn matching_in(
    cms: &Cms,
    doc_type: Option<&str>,
    perspective: Perspective,
    w: &Value,
) -> Vec<String> {
    let parsed =
        Where::from_json(w).unwrap_or_else(|e| panic!("where {w} should parse, got {e:?}"));
    let opts = FindOptions::new()
        .filter(parsed.clone())
        .perspective(perspective)
        .limit(1000);
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(doc_type, &opts))
        .await
        .unwrap_or_else(|e| panic!("find with where {w} failed: {e:?}"));
    let counted = cms
        .documents()
        .count(&crate::fixtures::counting(
            doc_type,
            Some(&parsed),
            perspective,
        ))
        .await
        .unwrap_or_else(|e| panic!("count with where {w} failed: {e:?}"));
    assert_eq!(
        found.total_docs,
        found.docs.len() as u64,
        "total_docs for where {w}"
    );
    assert_eq!(counted, found.total_docs, "count agrees with find for {w}");
    let mut labels: Vec<String> = found.docs.iter().map(|d| label(d, perspective)).collect();
    labels.sort();
    labels
}

/// Asserts the exact set of documents (of `doc_type`, in `perspective`) matching `w`.
pub(crate) async fn expect_in(
    cms: &Cms,
    doc_type: Option<&str>,
    perspective: Perspective,
    w: Value,
    expected: &[&str],
) {
    let got = matching_in(cms, doc_type, perspective, &w).await;
    assert_eq!(
        got,
        sorted(expected),
        "documents matching {w} ({perspective:?}, type {doc_type:?})"
    );
}

/// Asserts the exact set of posts matching `w` in the draft perspective.
pub(crate) async fn expect(cms: &Cms, w: Value, expected: &[&str]) {
    expect_in(cms, Some("post"), Perspective::Draft, w, expected).await;
}

/// Labels of a find, in result order.
async fn order(cms: &Cms, opts: FindOptions) -> Vec<String> {
    let perspective = opts.perspective;
    cms.documents()
        .find(&crate::fixtures::typed(Some("post"), &opts))
        .await
        .unwrap_or_else(|e| panic!("find {opts:?} failed: {e:?}"))
        .docs
        .iter()
        .map(|d| label(d, perspective))
        .collect()
}

fn sort_by(keys: &[&str]) -> FindOptions {
    keys.iter()
        .fold(FindOptions::new(), |opts, key| opts.sort(*key))
}

fn strings(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|s| s.to_string()).collect()
}

/// Labels of every catalog post.
const ALL: [&str; 8] = [
    "Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta",
];

fn all_but(excluded: &[&str]) -> Vec<&'static str> {
    ALL.iter()
        .copied()
        .filter(|l| !excluded.contains(l))
        .collect()
}

/// The catalog: two authors and eight posts whose fields mix types on purpose (numbers, numeric
/// strings, booleans, `1`/`0`, null, missing) so that every operator has decoys.
struct Catalog {
    ann: Uuid,
    bob: Uuid,
}

async fn catalog(cms: &Cms) -> Catalog {
    let ann = author(cms, "Ann").await.id;
    let bob = author(cms, "Bob").await.id;
    let posts = [
        json!({"title": "Alpha", "views": 10, "rating": 4.5, "featured": true,
               "tags": ["rust", "databases"],
               "seo": {"metaTitle": "Alpha SEO", "metaDescription": "first"},
               "author": reference(ann), "my-field": "hyphen",
               "meta": {"a": {"b": {"c": 1}}}}),
        json!({"title": "Beta", "views": 2, "rating": 3, "featured": false, "tags": ["go"],
               "seo": {"metaTitle": "beta seo"}, "author": reference(bob)}),
        json!({"title": "Gamma", "views": 100, "rating": -1.5, "tags": [], "seo": {},
               "author": reference(ann), "blocks": [{"name": "x"}]}),
        json!({"title": "Delta", "views": null, "featured": null, "tags": null, "seo": null}),
        json!({"title": "Epsilon", "views": "10", "rating": "4.5", "featured": "true",
               "tags": "rust", "seo": "Alpha SEO"}),
        json!({"title": "Zeta", "views": 10.0, "featured": 1, "tags": ["Rust", 5, true]}),
        json!({"title": "Eta", "views": true, "featured": 0, "author": {"_ref": 5}}),
        json!({"title": "Theta"}),
    ];
    for data in posts {
        post(cms, data).await;
    }
    Catalog { ann, bob }
}

// ---------------------------------------------------------------------------------------------
// Operators on JSON paths
// ---------------------------------------------------------------------------------------------

/// `equals` (and a bare value) matches the same type and value only.
pub async fn equals_on_json_paths(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(&cms, json!({"views": 10}), &["Alpha", "Zeta"]).await;
    expect(&cms, json!({"views": {"equals": 10}}), &["Alpha", "Zeta"]).await;
    expect(&cms, json!({"views": {"equals": "10"}}), &["Epsilon"]).await;
    expect(&cms, json!({"views": 100}), &["Gamma"]).await;
    expect(&cms, json!({"views": 11}), &[]).await;
    expect(&cms, json!({"rating": 4.5}), &["Alpha"]).await;
    expect(&cms, json!({"rating": -1.5}), &["Gamma"]).await;
    expect(&cms, json!({"title": "Beta"}), &["Beta"]).await;
    expect(&cms, json!({"title": "beta"}), &[]).await;
    expect(&cms, json!({"title": "Bet"}), &[]).await;
    expect(&cms, json!({"featured": true}), &["Alpha"]).await;
    expect(&cms, json!({"featured": false}), &["Beta"]).await;
    expect(&cms, json!({"featured": "true"}), &["Epsilon"]).await;
    expect(&cms, json!({"unknownField": "x"}), &[]).await;
}

/// `equals: null` (and a bare `null`) matches missing and null values.
pub async fn equals_null_matches_missing_and_null(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(&cms, json!({"views": null}), &["Delta", "Theta"]).await;
    expect(
        &cms,
        json!({"views": {"equals": null}}),
        &["Delta", "Theta"],
    )
    .await;
    expect(
        &cms,
        json!({"featured": {"equals": null}}),
        &["Gamma", "Delta", "Theta"],
    )
    .await;
    expect(&cms, json!({"unknownField": null}), &ALL).await;
    expect(
        &cms,
        json!({"seo.metaTitle": null}),
        &all_but(&["Alpha", "Beta"]),
    )
    .await;
}

/// Dot paths reach into nested objects (`seo.metaTitle`, `author._ref`, deeper), keys may hold
/// `-`, and a path through a non-object is simply missing.
pub async fn equals_on_nested_paths(db: &TestDb) {
    let cms = db.cms().await;
    let c = catalog(&cms).await;
    let ann = c.ann.to_string();
    let bob = c.bob.to_string();
    expect(&cms, json!({"seo.metaTitle": "Alpha SEO"}), &["Alpha"]).await;
    expect(&cms, json!({"seo.metaTitle": "beta seo"}), &["Beta"]).await;
    expect(&cms, json!({"seo": "Alpha SEO"}), &["Epsilon"]).await;
    expect(&cms, json!({"seo.metaDescription": "first"}), &["Alpha"]).await;
    expect(&cms, json!({"author._ref": ann}), &["Alpha", "Gamma"]).await;
    expect(&cms, json!({"author._ref": bob}), &["Beta"]).await;
    expect(
        &cms,
        json!({"author._ref": {"in": [bob, ann]}}),
        &["Alpha", "Beta", "Gamma"],
    )
    .await;
    expect(&cms, json!({"author._ref": 5}), &["Eta"]).await;
    expect(
        &cms,
        json!({"author._type": "reference"}),
        &["Alpha", "Beta", "Gamma"],
    )
    .await;
    expect(&cms, json!({"meta.a.b.c": 1}), &["Alpha"]).await;
    expect(&cms, json!({"meta.a.b": 1}), &[]).await;
    expect(&cms, json!({"my-field": "hyphen"}), &["Alpha"]).await;
    expect(&cms, json!({"title.length": 5}), &[]).await;
}

/// `not_equals` matches exactly what `equals` does not, missing and null values included.
pub async fn not_equals_is_the_complement_of_equals(db: &TestDb) {
    let cms = db.cms().await;
    let c = catalog(&cms).await;
    expect(
        &cms,
        json!({"views": {"not_equals": 10}}),
        &all_but(&["Alpha", "Zeta"]),
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_equals": "10"}}),
        &all_but(&["Epsilon"]),
    )
    .await;
    expect(
        &cms,
        json!({"featured": {"not_equals": true}}),
        &all_but(&["Alpha"]),
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_equals": null}}),
        &all_but(&["Delta", "Theta"]),
    )
    .await;
    expect(
        &cms,
        json!({"seo.metaTitle": {"not_equals": "Alpha SEO"}}),
        &all_but(&["Alpha"]),
    )
    .await;
    expect(
        &cms,
        json!({"author._ref": {"not_equals": c.ann.to_string()}}),
        &all_but(&["Alpha", "Gamma"]),
    )
    .await;
    expect(&cms, json!({"unknownField": {"not_equals": "x"}}), &ALL).await;
}

/// `in` (and a bare array) matches any listed value; `null` in the list adds missing/null;
/// `not_in` is the exact complement.
pub async fn in_and_not_in(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(&cms, json!({"views": {"in": [2, 100]}}), &["Beta", "Gamma"]).await;
    expect(&cms, json!({"views": [2, "10"]}), &["Beta", "Epsilon"]).await;
    expect(
        &cms,
        json!({"views": {"in": [10, null]}}),
        &["Alpha", "Zeta", "Delta", "Theta"],
    )
    .await;
    expect(&cms, json!({"featured": {"in": [true]}}), &["Alpha"]).await;
    expect(
        &cms,
        json!({"featured": {"in": [false, 1]}}),
        &["Beta", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"in": ["Alpha", "Theta", "Omega"]}}),
        &["Alpha", "Theta"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_in": [2, 100]}}),
        &all_but(&["Beta", "Gamma"]),
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_in": [10, null]}}),
        &["Beta", "Gamma", "Epsilon", "Eta"],
    )
    .await;
    expect(
        &cms,
        json!({"featured": {"not_in": [true, false]}}),
        &all_but(&["Alpha", "Beta"]),
    )
    .await;
}

/// `in: []` matches nothing, `not_in: []` everything.
pub async fn empty_in_matches_nothing_and_empty_not_in_everything(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(&cms, json!({"views": {"in": []}}), &[]).await;
    expect(&cms, json!({"views": []}), &[]).await;
    expect(&cms, json!({"views": {"not_in": []}}), &ALL).await;
    expect(&cms, json!({"unknownField": {"not_in": []}}), &ALL).await;
}

/// `exists: true` = present and non-null; `exists: false` = missing or null.
pub async fn exists_true_and_false(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"views": {"exists": true}}),
        &all_but(&["Delta", "Theta"]),
    )
    .await;
    expect(
        &cms,
        json!({"views": {"exists": false}}),
        &["Delta", "Theta"],
    )
    .await;
    expect(
        &cms,
        json!({"tags": {"exists": true}}),
        &["Alpha", "Beta", "Gamma", "Epsilon", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"seo.metaTitle": {"exists": true}}),
        &["Alpha", "Beta"],
    )
    .await;
    expect(
        &cms,
        json!({"seo.metaTitle": {"exists": false}}),
        &all_but(&["Alpha", "Beta"]),
    )
    .await;
    expect(
        &cms,
        json!({"seo": {"exists": true}}),
        &["Alpha", "Beta", "Gamma", "Epsilon"],
    )
    .await;
    expect(&cms, json!({"unknownField": {"exists": true}}), &[]).await;
    expect(&cms, json!({"unknownField": {"exists": false}}), &ALL).await;
}

/// `greater_than` & co. on numbers compare numerically and only match numbers.
pub async fn ordered_operators_on_numbers(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"views": {"greater_than": 5}}),
        &["Alpha", "Gamma", "Zeta"],
    )
    .await;
    expect(&cms, json!({"views": {"greater_than": 10}}), &["Gamma"]).await;
    expect(
        &cms,
        json!({"views": {"greater_than_equal": 10}}),
        &["Alpha", "Gamma", "Zeta"],
    )
    .await;
    expect(&cms, json!({"views": {"less_than": 10}}), &["Beta"]).await;
    expect(
        &cms,
        json!({"views": {"less_than_equal": 10}}),
        &["Alpha", "Beta", "Zeta"],
    )
    .await;
    expect(&cms, json!({"rating": {"less_than": 0}}), &["Gamma"]).await;
    expect(&cms, json!({"rating": {"greater_than": 3}}), &["Alpha"]).await;
    expect(
        &cms,
        json!({"rating": {"greater_than_equal": 3}}),
        &["Alpha", "Beta"],
    )
    .await;
    expect(
        &cms,
        json!({"rating": {"less_than_equal": -1.5}}),
        &["Gamma"],
    )
    .await;
    expect(&cms, json!({"seo.metaTitle": {"greater_than": 0}}), &[]).await;
}

/// `greater_than` & co. on strings compare by code point and only match strings.
pub async fn ordered_operators_on_strings(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"title": {"greater_than": "Epsilon"}}),
        &["Eta", "Gamma", "Theta", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"greater_than_equal": "Epsilon"}}),
        &["Epsilon", "Eta", "Gamma", "Theta", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"less_than_equal": "Delta"}}),
        &["Alpha", "Beta", "Delta"],
    )
    .await;
    expect(&cms, json!({"title": {"less_than": "Beta"}}), &["Alpha"]).await;
    // Upper case sorts before lower case: every title is below "a".
    expect(&cms, json!({"title": {"less_than": "a"}}), &ALL).await;
    expect(&cms, json!({"title": {"greater_than": "a"}}), &[]).await;
    expect(
        &cms,
        json!({"seo.metaTitle": {"greater_than": "B"}}),
        &["Beta"],
    )
    .await;
}

/// `like` on a JSON path: whole string, case-sensitive, `%` and `_` wildcards.
pub async fn like_on_json_paths(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"title": {"like": "%eta"}}),
        &["Beta", "Theta", "Zeta"],
    )
    .await;
    expect(&cms, json!({"title": {"like": "_eta"}}), &["Beta", "Zeta"]).await;
    expect(&cms, json!({"title": {"like": "Alpha"}}), &["Alpha"]).await;
    expect(&cms, json!({"title": {"like": "alpha"}}), &[]).await;
    expect(&cms, json!({"title": {"like": "Alp"}}), &[]).await;
    expect(&cms, json!({"title": {"like": "%"}}), &ALL).await;
    expect(&cms, json!({"views": {"like": "1%"}}), &["Epsilon"]).await;
    expect(
        &cms,
        json!({"seo.metaTitle": {"like": "% SEO"}}),
        &["Alpha"],
    )
    .await;
}

/// `contains`, `starts_with`, `ends_with` on string values; they never stringify numbers.
pub async fn contains_starts_with_ends_with_on_strings(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"title": {"contains": "ETA"}}),
        &["Beta", "Zeta", "Eta", "Theta"],
    )
    .await;
    expect(
        &cms,
        json!({"seo.metaTitle": {"contains": "seo"}}),
        &["Alpha", "Beta"],
    )
    .await;
    expect(&cms, json!({"title": {"starts_with": "ET"}}), &["Eta"]).await;
    expect(
        &cms,
        json!({"title": {"starts_with": "e"}}),
        &["Epsilon", "Eta"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"ends_with": "TA"}}),
        &["Beta", "Delta", "Zeta", "Eta", "Theta"],
    )
    .await;
    expect(&cms, json!({"title": {"contains": ""}}), &ALL).await;
    expect(&cms, json!({"views": {"contains": "1"}}), &["Epsilon"]).await;
    expect(&cms, json!({"views": {"starts_with": "1"}}), &["Epsilon"]).await;
    expect(&cms, json!({"views": {"ends_with": "0"}}), &["Epsilon"]).await;
    expect(&cms, json!({"featured": {"contains": "tru"}}), &["Epsilon"]).await;
}

/// `contains` on an array: a string operand matches a string element containing it
/// (case-insensitively); a number or boolean operand matches an equal element.
pub async fn contains_on_arrays(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"tags": {"contains": "rust"}}),
        &["Alpha", "Epsilon", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"tags": {"contains": "RUST"}}),
        &["Alpha", "Epsilon", "Zeta"],
    )
    .await;
    expect(&cms, json!({"tags": {"contains": "data"}}), &["Alpha"]).await;
    expect(&cms, json!({"tags": {"contains": "o"}}), &["Beta"]).await;
    expect(&cms, json!({"tags": {"contains": 5}}), &["Zeta"]).await;
    expect(&cms, json!({"tags": {"contains": 5.0}}), &["Zeta"]).await;
    expect(&cms, json!({"tags": {"contains": true}}), &["Zeta"]).await;
    expect(&cms, json!({"tags": {"contains": false}}), &[]).await;
    expect(&cms, json!({"tags": {"contains": "5"}}), &[]).await;
    expect(&cms, json!({"tags": {"contains": "true"}}), &[]).await;
}

/// `all`: the value is an array holding every listed value (equal elements, same type).
pub async fn all_requires_every_value(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"tags": {"all": ["rust", "databases"]}}),
        &["Alpha"],
    )
    .await;
    expect(
        &cms,
        json!({"tags": {"all": ["databases", "rust"]}}),
        &["Alpha"],
    )
    .await;
    expect(&cms, json!({"tags": {"all": ["databases"]}}), &["Alpha"]).await;
    expect(&cms, json!({"tags": {"all": ["rust"]}}), &["Alpha"]).await;
    expect(&cms, json!({"tags": {"all": ["Rust", 5, true]}}), &["Zeta"]).await;
    expect(&cms, json!({"tags": {"all": [5]}}), &["Zeta"]).await;
    expect(&cms, json!({"tags": {"all": ["5"]}}), &[]).await;
    expect(&cms, json!({"tags": {"all": ["rust", "go"]}}), &[]).await;
    expect(&cms, json!({"tags": {"all": ["data"]}}), &[]).await;
    expect(&cms, json!({"tags": {"all": []}}), &[]).await;
    expect(&cms, json!({"views": {"all": [10]}}), &[]).await;
}

/// Scalar operators compare the value itself: an array is never "equal" to one of its elements,
/// and paths do not step into arrays.
pub async fn scalar_operators_do_not_look_inside_arrays(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(&cms, json!({"tags": "rust"}), &["Epsilon"]).await;
    expect(&cms, json!({"tags": "go"}), &[]).await;
    expect(&cms, json!({"tags": {"in": ["go", "rust"]}}), &["Epsilon"]).await;
    expect(
        &cms,
        json!({"tags": {"not_equals": "rust"}}),
        &all_but(&["Epsilon"]),
    )
    .await;
    expect(&cms, json!({"tags": {"greater_than": "a"}}), &["Epsilon"]).await;
    expect(&cms, json!({"tags": {"like": "%"}}), &["Epsilon"]).await;
    expect(&cms, json!({"tags": {"starts_with": "r"}}), &["Epsilon"]).await;
    expect(&cms, json!({"blocks.name": "x"}), &[]).await;
    expect(&cms, json!({"blocks.name": {"exists": true}}), &[]).await;
    expect(&cms, json!({"blocks.name": {"exists": false}}), &ALL).await;
}

/// Numbers vs numeric strings vs booleans vs null vs missing: a type mismatch never matches
/// (and never errors) for `equals`, `in` and the ordered operators, and `not_equals` matches it.
pub async fn type_mismatch_never_matches(db: &TestDb) {
    let cms = db.cms().await;
    for data in [
        json!({"title": "num", "views": 5}),
        json!({"title": "str", "views": "5"}),
        json!({"title": "str50", "views": "50"}),
        json!({"title": "bool", "views": true}),
        json!({"title": "null", "views": null}),
        json!({"title": "missing"}),
        json!({"title": "5", "views": 6}),
    ] {
        post(&cms, data).await;
    }
    expect(&cms, json!({"views": 5}), &["num"]).await;
    expect(&cms, json!({"views": "5"}), &["str"]).await;
    expect(&cms, json!({"views": true}), &["bool"]).await;
    expect(&cms, json!({"views": {"in": [5]}}), &["num"]).await;
    expect(&cms, json!({"views": {"in": ["5"]}}), &["str"]).await;
    expect(
        &cms,
        json!({"views": {"in": [true, "5"]}}),
        &["bool", "str"],
    )
    .await;
    expect(&cms, json!({"views": {"in": [null]}}), &["null", "missing"]).await;
    expect(&cms, json!({"views": {"greater_than": 4}}), &["num", "5"]).await;
    expect(
        &cms,
        json!({"views": {"greater_than": "4"}}),
        &["str", "str50"],
    )
    .await;
    expect(&cms, json!({"views": {"greater_than": "5"}}), &["str50"]).await;
    expect(&cms, json!({"views": {"less_than": 100}}), &["num", "5"]).await;
    expect(
        &cms,
        json!({"views": {"less_than": "6"}}),
        &["str", "str50"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_equals": 5}}),
        &["str", "str50", "bool", "null", "missing", "5"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_equals": "5"}}),
        &["num", "str50", "bool", "null", "missing", "5"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_equals": true}}),
        &["num", "str", "str50", "null", "missing", "5"],
    )
    .await;
    expect(&cms, json!({"title": {"equals": 5}}), &[]).await;
    expect(&cms, json!({"title": "5"}), &["5"]).await;
    expect(&cms, json!({"title": {"greater_than": 0}}), &[]).await;
}

/// Booleans are not numbers: `true` is not `1`, `false` is not `0`, and booleans are not ordered
/// against numbers.
pub async fn booleans_are_not_numbers(db: &TestDb) {
    let cms = db.cms().await;
    for data in [
        json!({"title": "t", "featured": true}),
        json!({"title": "f", "featured": false}),
        json!({"title": "one", "featured": 1}),
        json!({"title": "zero", "featured": 0}),
        json!({"title": "strtrue", "featured": "true"}),
        json!({"title": "missing"}),
    ] {
        post(&cms, data).await;
    }
    expect(&cms, json!({"featured": true}), &["t"]).await;
    expect(&cms, json!({"featured": false}), &["f"]).await;
    expect(&cms, json!({"featured": 1}), &["one"]).await;
    expect(&cms, json!({"featured": 0}), &["zero"]).await;
    expect(&cms, json!({"featured": "true"}), &["strtrue"]).await;
    expect(&cms, json!({"featured": {"in": [1, 0]}}), &["one", "zero"]).await;
    expect(&cms, json!({"featured": {"in": [true]}}), &["t"]).await;
    expect(
        &cms,
        json!({"featured": {"in": [true, false]}}),
        &["t", "f"],
    )
    .await;
    expect(
        &cms,
        json!({"featured": {"not_equals": true}}),
        &["f", "one", "zero", "strtrue", "missing"],
    )
    .await;
    expect(
        &cms,
        json!({"featured": {"not_in": [true, false]}}),
        &["one", "zero", "strtrue", "missing"],
    )
    .await;
    expect(&cms, json!({"featured": {"greater_than": 0}}), &["one"]).await;
    expect(&cms, json!({"featured": {"less_than": 1}}), &["zero"]).await;
    expect(
        &cms,
        json!({"featured": {"exists": true}}),
        &["t", "f", "one", "zero", "strtrue"],
    )
    .await;
}

/// Integers and floats are one kind: `10` equals `10.0`, and `2 < 10` while `"2" > "10"`.
pub async fn integers_and_floats_compare_numerically(db: &TestDb) {
    let cms = db.cms().await;
    post_n(&cms, 7, json!({"title": "s2", "views": "2"})).await;
    post_n(&cms, 3, json!({"title": "f10", "views": 10.0})).await;
    post_n(&cms, 5, json!({"title": "i2", "views": 2})).await;
    post_n(&cms, 2, json!({"title": "i10", "views": 10})).await;
    post_n(&cms, 6, json!({"title": "neg", "views": -3})).await;
    post_n(&cms, 1, json!({"title": "f2.5", "views": 2.5})).await;
    post_n(&cms, 4, json!({"title": "s10", "views": "10"})).await;
    expect(&cms, json!({"views": 10}), &["i10", "f10"]).await;
    expect(&cms, json!({"views": 10.0}), &["i10", "f10"]).await;
    expect(
        &cms,
        json!({"views": {"in": [10.0, 2]}}),
        &["i10", "f10", "i2"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"greater_than": 2}}),
        &["i10", "f10", "f2.5"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"greater_than": 2.4}}),
        &["i10", "f10", "f2.5"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"less_than": 10}}),
        &["i2", "f2.5", "neg"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"less_than_equal": 9.99}}),
        &["i2", "f2.5", "neg"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"greater_than": -3.5}}),
        &["i10", "f10", "i2", "f2.5", "neg"],
    )
    .await;
    expect(&cms, json!({"views": {"greater_than": "10"}}), &["s2"]).await;
    expect(&cms, json!({"views": {"less_than": "2"}}), &["s10"]).await;
    expect(
        &cms,
        json!({"views": {"not_equals": 10}}),
        &["i2", "f2.5", "s2", "s10", "neg"],
    )
    .await;
    // Numbers before strings; 10 and 10.0 tie and fall back to id order; "10" < "2".
    assert_eq!(
        order(&cms, sort_by(&["views"])).await,
        strings(&["neg", "i2", "f2.5", "i10", "f10", "s10", "s2"])
    );
}

/// 64-bit integers are compared exactly, beyond the 2^53 range where doubles lose precision.
pub async fn large_integers_compare_exactly(db: &TestDb) {
    let cms = db.cms().await;
    post(
        &cms,
        json!({"title": "2^53+1", "views": 9_007_199_254_740_993_i64}),
    )
    .await;
    post(
        &cms,
        json!({"title": "2^53", "views": 9_007_199_254_740_992_i64}),
    )
    .await;
    post(&cms, json!({"title": "max", "views": i64::MAX})).await;
    expect(
        &cms,
        json!({"views": 9_007_199_254_740_993_i64}),
        &["2^53+1"],
    )
    .await;
    expect(&cms, json!({"views": 9_007_199_254_740_992_i64}), &["2^53"]).await;
    expect(
        &cms,
        json!({"views": {"greater_than": 9_007_199_254_740_992_i64}}),
        &["2^53+1", "max"],
    )
    .await;
    expect(&cms, json!({"views": {"in": [i64::MAX]}}), &["max"]).await;
    // A float operand is compared exactly too.
    expect(
        &cms,
        json!({"views": 9_007_199_254_740_992.0_f64}),
        &["2^53"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"greater_than": 9_007_199_254_740_992.0_f64}}),
        &["2^53+1", "max"],
    )
    .await;
    // A float in the list does not make the integers in it inexact.
    expect(
        &cms,
        json!({"views": {"in": [9_007_199_254_740_992_i64, 0.5]}}),
        &["2^53"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"not_in": [9_007_199_254_740_992_i64, 0.5]}}),
        &["2^53+1", "max"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"less_than": i64::MAX}}),
        &["2^53", "2^53+1"],
    )
    .await;
    assert_eq!(
        order(&cms, sort_by(&["-views"])).await,
        strings(&["max", "2^53+1", "2^53"])
    );
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/// `type` is a text column: every operator works on it.
pub async fn column_type(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    let any = |w: Value, expected: Vec<&'static str>| {
        let cms = &cms;
        async move { expect_in(cms, None, Perspective::Draft, w, &expected).await }
    };
    let authors = vec!["Ann", "Bob"];
    let posts = ALL.to_vec();
    let everything: Vec<&str> = authors.iter().chain(posts.iter()).copied().collect();
    any(json!({"type": "author"}), authors.clone()).await;
    any(json!({"_meta.type": "author"}), authors.clone()).await;
    any(json!({"type": {"not_equals": "post"}}), authors.clone()).await;
    any(json!({"type": {"in": ["author", "nope"]}}), authors.clone()).await;
    any(json!({"type": {"not_in": ["post"]}}), authors.clone()).await;
    any(json!({"type": {"like": "auth%"}}), authors.clone()).await;
    any(json!({"type": {"like": "AUTH%"}}), vec![]).await;
    any(json!({"type": {"contains": "UTH"}}), authors.clone()).await;
    any(json!({"type": {"starts_with": "Po"}}), posts.clone()).await;
    any(json!({"type": {"ends_with": "HOR"}}), authors.clone()).await;
    any(json!({"type": {"greater_than": "b"}}), posts.clone()).await;
    any(
        json!({"type": {"less_than_equal": "author"}}),
        authors.clone(),
    )
    .await;
    any(json!({"type": {"exists": true}}), everything.clone()).await;
    any(json!({"type": {"exists": false}}), vec![]).await;
    any(json!({"type": null}), vec![]).await;
    any(json!({"type": 5}), vec![]).await;
    any(json!({"type": {"not_equals": 5}}), everything).await;
}

/// `status`: equality, lists, text operators and ordering by name; unknown statuses never match.
pub async fn column_status(db: &TestDb) {
    let cms = db.cms().await;
    post(&cms, json!({"title": "d"})).await;
    let p = post(&cms, json!({"title": "p"})).await;
    publish(&cms, &p).await;
    let u = post(&cms, json!({"title": "u"})).await;
    publish(&cms, &u).await;
    cms.documents()
        .unpublish(u.id, WriteOptions::default())
        .await
        .expect("unpublish");
    expect(&cms, json!({"status": "published"}), &["p"]).await;
    expect(&cms, json!({"_meta.status": "draft"}), &["d"]).await;
    expect(
        &cms,
        json!({"status": {"in": ["draft", "unpublished"]}}),
        &["d", "u"],
    )
    .await;
    expect(
        &cms,
        json!({"status": {"not_equals": "draft"}}),
        &["p", "u"],
    )
    .await;
    expect(&cms, json!({"status": "bogus"}), &[]).await;
    expect(&cms, json!({"status": {"in": ["bogus"]}}), &[]).await;
    expect(
        &cms,
        json!({"status": {"not_equals": "bogus"}}),
        &["d", "p", "u"],
    )
    .await;
    expect(
        &cms,
        json!({"status": {"not_in": ["bogus", "draft"]}}),
        &["p", "u"],
    )
    .await;
    expect(&cms, json!({"status": {"starts_with": "PUB"}}), &["p"]).await;
    expect(&cms, json!({"status": {"like": "%published"}}), &["p", "u"]).await;
    expect(
        &cms,
        json!({"status": {"contains": "publish"}}),
        &["p", "u"],
    )
    .await;
    expect(
        &cms,
        json!({"status": {"greater_than": "draft"}}),
        &["p", "u"],
    )
    .await;
    expect(&cms, json!({"status": {"less_than": "published"}}), &["d"]).await;
    expect(&cms, json!({"status": {"exists": true}}), &["d", "p", "u"]).await;
    expect(&cms, json!({"status": true}), &[]).await;
}

/// `revision` is an integer column: numeric comparisons, floats allowed, strings never match.
pub async fn column_revision(db: &TestDb) {
    let cms = db.cms().await;
    let a = post(&cms, json!({"title": "A"})).await;
    post(&cms, json!({"title": "B"})).await;
    let c = post(&cms, json!({"title": "C"})).await;
    edit(&cms, &a, json!({"title": "A"})).await;
    edit(&cms, &a, json!({"title": "A"})).await;
    edit(&cms, &c, json!({"title": "C"})).await;
    expect(&cms, json!({"revision": 3}), &["A"]).await;
    expect(&cms, json!({"_meta.revision": 1}), &["B"]).await;
    expect(&cms, json!({"revision": 2.0}), &["C"]).await;
    expect(&cms, json!({"revision": 2.5}), &[]).await;
    expect(&cms, json!({"revision": {"greater_than": 1}}), &["A", "C"]).await;
    expect(
        &cms,
        json!({"revision": {"greater_than_equal": 2}}),
        &["A", "C"],
    )
    .await;
    expect(&cms, json!({"revision": {"less_than": 2.5}}), &["B", "C"]).await;
    expect(
        &cms,
        json!({"revision": {"less_than_equal": 2}}),
        &["B", "C"],
    )
    .await;
    expect(&cms, json!({"revision": {"in": [1, 3]}}), &["A", "B"]).await;
    expect(&cms, json!({"revision": {"not_in": [1]}}), &["A", "C"]).await;
    expect(&cms, json!({"revision": "3"}), &[]).await;
    expect(&cms, json!({"revision": {"greater_than": "1"}}), &[]).await;
    expect(&cms, json!({"revision": true}), &[]).await;
    expect(
        &cms,
        json!({"revision": {"not_equals": "3"}}),
        &["A", "B", "C"],
    )
    .await;
    expect(&cms, json!({"revision": {"exists": false}}), &[]).await;
}

/// `createdAt`/`updatedAt` take ISO strings (any offset, or a bare date) and compare as instants;
/// unparseable strings and non-strings never match.
pub async fn column_created_and_updated_at_with_iso_strings(db: &TestDb) {
    let cms = db.cms().await;
    let a = post(&cms, json!({"title": "A"})).await;
    tick().await;
    let b = post(&cms, json!({"title": "B"})).await;
    tick().await;
    let c = post(&cms, json!({"title": "C"})).await;
    tick().await;
    edit(&cms, &a, json!({"title": "A"})).await;
    let iso = |d: &Document| to_iso_millis(&d.created_at);
    expect(&cms, json!({"createdAt": iso(&b)}), &["B"]).await;
    expect(&cms, json!({"_meta.createdAt": iso(&b)}), &["B"]).await;
    let plus_two = b
        .created_at
        .with_timezone(&FixedOffset::east_opt(2 * 3600).expect("offset"))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    expect(&cms, json!({"createdAt": plus_two}), &["B"]).await;
    expect(
        &cms,
        json!({"createdAt": {"greater_than": iso(&b)}}),
        &["C"],
    )
    .await;
    expect(
        &cms,
        json!({"createdAt": {"greater_than_equal": iso(&b)}}),
        &["B", "C"],
    )
    .await;
    expect(&cms, json!({"createdAt": {"less_than": iso(&b)}}), &["A"]).await;
    expect(
        &cms,
        json!({"createdAt": {"less_than_equal": iso(&b)}}),
        &["A", "B"],
    )
    .await;
    expect(
        &cms,
        json!({"createdAt": {"in": [iso(&a), iso(&c)]}}),
        &["A", "C"],
    )
    .await;
    expect(
        &cms,
        json!({"createdAt": {"not_equals": iso(&b)}}),
        &["A", "C"],
    )
    .await;
    expect(
        &cms,
        json!({"createdAt": {"greater_than": "2000-01-01"}}),
        &["A", "B", "C"],
    )
    .await;
    expect(
        &cms,
        json!({"createdAt": {"less_than": "2000-01-01T00:00:00Z"}}),
        &[],
    )
    .await;
    expect(&cms, json!({"createdAt": "yesterday"}), &[]).await;
    expect(
        &cms,
        json!({"createdAt": {"greater_than": "not a date"}}),
        &[],
    )
    .await;
    expect(
        &cms,
        json!({"createdAt": {"not_equals": "not a date"}}),
        &["A", "B", "C"],
    )
    .await;
    expect(&cms, json!({"createdAt": 5}), &[]).await;
    expect(&cms, json!({"createdAt": {"exists": false}}), &[]).await;
    expect(
        &cms,
        json!({"updatedAt": {"greater_than": iso(&b)}}),
        &["A", "C"],
    )
    .await;
    expect(
        &cms,
        json!({"_meta.updatedAt": {"greater_than": iso(&c)}}),
        &["A"],
    )
    .await;
}

/// `publishedAt` is a nullable timestamp column: null until published.
pub async fn column_published_at(db: &TestDb) {
    let cms = db.cms().await;
    post(&cms, json!({"title": "d"})).await;
    let p = post(&cms, json!({"title": "p"})).await;
    let p = publish(&cms, &p).await;
    let at = to_iso_millis(&p.published_at.expect("published_at set"));
    expect(&cms, json!({"publishedAt": {"exists": true}}), &["p"]).await;
    expect(&cms, json!({"publishedAt": null}), &["d"]).await;
    expect(&cms, json!({"publishedAt": at}), &["p"]).await;
    expect(
        &cms,
        json!({"publishedAt": {"greater_than": "2000-01-01"}}),
        &["p"],
    )
    .await;
    expect(
        &cms,
        json!({"publishedAt": {"less_than": "2000-01-01"}}),
        &[],
    )
    .await;
    expect(
        &cms,
        json!({"publishedAt": {"not_equals": "2000-01-01"}}),
        &["d", "p"],
    )
    .await;
}

/// `createdBy`/`updatedBy` are nullable text columns.
pub async fn column_created_by_can_be_null(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    for (title, by) in [
        ("one", Some("alice")),
        ("two", Some("Bob")),
        ("three", None),
    ] {
        let mut input = CreateDocument::new("post", json!({ "title": title }));
        if let Some(by) = by {
            input = input.created_by(by);
        }
        let doc = docs.create(input).await.expect("create");
        if title == "three" {
            docs.update_draft(
                doc.id,
                json!({"title": title}),
                WriteOptions::default().user("carol"),
            )
            .await
            .expect("edit");
        }
    }
    expect(&cms, json!({"createdBy": "alice"}), &["one"]).await;
    expect(&cms, json!({"_meta.createdBy": "Bob"}), &["two"]).await;
    expect(&cms, json!({"createdBy": null}), &["three"]).await;
    expect(
        &cms,
        json!({"createdBy": {"exists": true}}),
        &["one", "two"],
    )
    .await;
    expect(&cms, json!({"createdBy": {"exists": false}}), &["three"]).await;
    expect(
        &cms,
        json!({"createdBy": {"not_equals": "alice"}}),
        &["two", "three"],
    )
    .await;
    expect(
        &cms,
        json!({"createdBy": {"in": ["Bob", null]}}),
        &["two", "three"],
    )
    .await;
    expect(
        &cms,
        json!({"createdBy": {"not_in": ["Bob", null]}}),
        &["one"],
    )
    .await;
    expect(
        &cms,
        json!({"createdBy": {"not_in": ["Bob"]}}),
        &["one", "three"],
    )
    .await;
    expect(&cms, json!({"createdBy": {"contains": "B"}}), &["two"]).await;
    expect(&cms, json!({"createdBy": {"contains": "LIC"}}), &["one"]).await;
    expect(&cms, json!({"createdBy": {"like": "bob"}}), &[]).await;
    expect(&cms, json!({"createdBy": {"like": "B_b"}}), &["two"]).await;
    expect(
        &cms,
        json!({"createdBy": {"greater_than": "B"}}),
        &["one", "two"],
    )
    .await;
    expect(&cms, json!({"createdBy": {"less_than": "a"}}), &["two"]).await;
    expect(&cms, json!({"createdBy": 5}), &[]).await;
    expect(&cms, json!({"updatedBy": "carol"}), &["three"]).await;
    expect(&cms, json!({"_meta.updatedBy": "alice"}), &["one"]).await;
}

/// `id` takes a UUID string (any letter case); a malformed string simply matches nothing.
pub async fn column_id_with_uuid_and_malformed_strings(db: &TestDb) {
    let cms = db.cms().await;
    let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    post_n(&cms, 2, json!({"title": "B"})).await;
    post_n(&cms, 3, json!({"title": "C"})).await;
    post_n(&cms, 1, json!({"title": "A"})).await;
    let s = |u: Uuid| u.to_string();
    expect(&cms, json!({"id": s(b)}), &["B"]).await;
    expect(&cms, json!({"_meta.id": s(b)}), &["B"]).await;
    expect(&cms, json!({"id": s(b).to_uppercase()}), &["B"]).await;
    expect(&cms, json!({"id": s(Uuid::new_v4())}), &[]).await;
    expect(&cms, json!({"id": "not-a-uuid"}), &[]).await;
    expect(&cms, json!({"id": ""}), &[]).await;
    expect(&cms, json!({"id": 5}), &[]).await;
    expect(&cms, json!({"id": null}), &[]).await;
    expect(
        &cms,
        json!({"id": {"in": [s(a), "garbage", s(c)]}}),
        &["A", "C"],
    )
    .await;
    expect(&cms, json!({"id": {"in": ["garbage"]}}), &[]).await;
    expect(&cms, json!({"id": {"not_in": [s(a)]}}), &["B", "C"]).await;
    expect(
        &cms,
        json!({"id": {"not_in": ["garbage"]}}),
        &["A", "B", "C"],
    )
    .await;
    expect(&cms, json!({"id": {"not_equals": s(a)}}), &["B", "C"]).await;
    expect(
        &cms,
        json!({"id": {"not_equals": "not-a-uuid"}}),
        &["A", "B", "C"],
    )
    .await;
    expect(&cms, json!({"id": {"greater_than": s(b)}}), &["C"]).await;
    expect(&cms, json!({"id": {"less_than_equal": s(b)}}), &["A", "B"]).await;
    expect(&cms, json!({"id": {"greater_than": "zzz"}}), &[]).await;
    expect(&cms, json!({"id": {"exists": true}}), &["A", "B", "C"]).await;
}

// ---------------------------------------------------------------------------------------------
// Literal text matching and case
// ---------------------------------------------------------------------------------------------

/// Titles holding every special character, each with decoys that a wildcard, escape or regex
/// interpretation of the operand would match.
const SPECIALS: &[&str] = &[
    "50% off",
    "500 off",
    "100%",
    "a_c",
    "abc",
    "a.c",
    r"a\c",
    r"end\",
    r"\d",
    "5",
    "odd",
    "it's",
    "its",
    r#"say "hi""#,
    "say hi",
    "(x)",
    "box",
    "[ab]",
    "cab",
    "a+b",
    "aab",
    "^start$",
    "start",
    "a|b",
    "a*",
    "aaa",
    "x?",
    "a{2}",
    "'single'",
    r#""double""#,
];

async fn specials(cms: &Cms) {
    for title in SPECIALS {
        post(cms, json!({ "title": title })).await;
    }
}

/// `contains` treats `%`, `_` and `\` as plain characters.
pub async fn contains_is_literal_for_like_wildcards(db: &TestDb) {
    let cms = db.cms().await;
    specials(&cms).await;
    expect(&cms, json!({"title": {"contains": "50%"}}), &["50% off"]).await;
    expect(
        &cms,
        json!({"title": {"contains": "%"}}),
        &["50% off", "100%"],
    )
    .await;
    expect(&cms, json!({"title": {"contains": "a_c"}}), &["a_c"]).await;
    expect(&cms, json!({"title": {"contains": "A_C"}}), &["a_c"]).await;
    expect(&cms, json!({"title": {"contains": "_"}}), &["a_c"]).await;
    expect(&cms, json!({"title": {"contains": r"\d"}}), &[r"\d"]).await;
    expect(
        &cms,
        json!({"title": {"contains": r"\"}}),
        &[r"a\c", r"\d", r"end\"],
    )
    .await;
    expect(&cms, json!({"title": {"contains": r"a\c"}}), &[r"a\c"]).await;
    expect(&cms, json!({"title": {"contains": r"\%"}}), &[]).await;
}

/// `contains` with single and double quotes (bound values, never spliced into SQL).
pub async fn contains_is_literal_for_quotes(db: &TestDb) {
    let cms = db.cms().await;
    specials(&cms).await;
    expect(&cms, json!({"title": {"contains": "it's"}}), &["it's"]).await;
    expect(
        &cms,
        json!({"title": {"contains": "'"}}),
        &["it's", "'single'"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"contains": r#""hi""#}}),
        &[r#"say "hi""#],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"contains": "\""}}),
        &[r#"say "hi""#, r#""double""#],
    )
    .await;
    expect(&cms, json!({"title": "it's"}), &["it's"]).await;
    expect(&cms, json!({"title": r#"say "hi""#}), &[r#"say "hi""#]).await;
}

/// `contains` treats regex metacharacters `. * + ? ( ) [ ] { } ^ $ |` as plain characters.
pub async fn contains_is_literal_for_regex_metacharacters(db: &TestDb) {
    let cms = db.cms().await;
    specials(&cms).await;
    for (operand, expected) in [
        ("a.c", &["a.c"][..]),
        (".", &["a.c"]),
        ("(x)", &["(x)"]),
        ("[ab]", &["[ab]"]),
        ("a+b", &["a+b"]),
        ("^start$", &["^start$"]),
        ("^", &["^start$"]),
        ("$", &["^start$"]),
        ("a|b", &["a|b"]),
        ("a*", &["a*"]),
        ("*", &["a*"]),
        ("x?", &["x?"]),
        ("?", &["x?"]),
        ("a{2}", &["a{2}"]),
    ] {
        expect(&cms, json!({"title": {"contains": operand}}), expected).await;
    }
}

/// `starts_with` and `ends_with` are literal too.
pub async fn starts_with_and_ends_with_are_literal(db: &TestDb) {
    let cms = db.cms().await;
    specials(&cms).await;
    for (operand, expected) in [
        ("50%", &["50% off"][..]),
        ("a_", &["a_c"]),
        (r"\", &[r"\d"]),
        ("a.", &["a.c"]),
        ("'", &["'single'"]),
        ("\"", &[r#""double""#]),
        ("(", &["(x)"]),
        ("[", &["[ab]"]),
        ("^", &["^start$"]),
        ("A*", &["a*"]),
        ("a+", &["a+b"]),
    ] {
        expect(&cms, json!({"title": {"starts_with": operand}}), expected).await;
    }
    for (operand, expected) in [
        ("%", &["100%"][..]),
        ("_c", &["a_c"]),
        (r"\c", &[r"a\c"]),
        (".C", &["a.c"]),
        ("$", &["^start$"]),
        ("?", &["x?"]),
        (")", &["(x)"]),
        ("]", &["[ab]"]),
        ("}", &["a{2}"]),
        ("'", &["'single'"]),
        ("\"", &[r#"say "hi""#, r#""double""#]),
        ("|b", &["a|b"]),
        (r"\", &[r"end\"]),
    ] {
        expect(&cms, json!({"title": {"ends_with": operand}}), expected).await;
    }
}

/// Text operators on a text column (`createdBy`) are literal and case-insensitive as well, and
/// `like` on it is case-sensitive.
pub async fn text_operators_on_columns_are_literal(db: &TestDb) {
    let cms = db.cms().await;
    for by in [
        "50% off", "500 off", "a_c", "abc", r"\d", "odd", "it's", "a*", "aaa",
    ] {
        cms.documents()
            .create(CreateDocument::new("post", json!({ "title": by })).created_by(by))
            .await
            .expect("create");
    }
    expect(
        &cms,
        json!({"createdBy": {"contains": "50%"}}),
        &["50% off"],
    )
    .await;
    expect(&cms, json!({"createdBy": {"starts_with": "A_"}}), &["a_c"]).await;
    expect(&cms, json!({"createdBy": {"ends_with": r"\D"}}), &[r"\d"]).await;
    expect(&cms, json!({"createdBy": {"contains": r"\"}}), &[r"\d"]).await;
    expect(&cms, json!({"createdBy": {"contains": "'"}}), &["it's"]).await;
    expect(&cms, json!({"createdBy": {"contains": "*"}}), &["a*"]).await;
    expect(&cms, json!({"createdBy": {"like": r"a\_c"}}), &["a_c"]).await;
    expect(&cms, json!({"createdBy": {"like": "a_c"}}), &["a_c", "abc"]).await;
    expect(&cms, json!({"createdBy": {"like": "A_C"}}), &[]).await;
    expect(&cms, json!({"createdBy": {"like": "a*"}}), &["a*"]).await;
    expect(&cms, json!({"createdBy": {"like": r"50\%%"}}), &["50% off"]).await;
    expect(
        &cms,
        json!({"createdBy": {"like": "50%"}}),
        &["50% off", "500 off"],
    )
    .await;
}

/// `contains`/`starts_with`/`ends_with` ignore ASCII case; `equals` and `like` do not.
pub async fn text_operators_ignore_ascii_case_like_does_not(db: &TestDb) {
    let cms = db.cms().await;
    for title in ["Hello World", "HELLO", "hello", "Help", "world", "Café"] {
        post(&cms, json!({ "title": title })).await;
    }
    expect(
        &cms,
        json!({"title": {"contains": "LLO"}}),
        &["Hello World", "HELLO", "hello"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"contains": "wOrLd"}}),
        &["Hello World", "world"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"starts_with": "HEL"}}),
        &["Hello World", "HELLO", "hello", "Help"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"starts_with": "hello"}}),
        &["Hello World", "HELLO", "hello"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"ends_with": "LO"}}),
        &["HELLO", "hello"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"ends_with": "D"}}),
        &["Hello World", "world"],
    )
    .await;
    expect(&cms, json!({"title": "hello"}), &["hello"]).await;
    expect(&cms, json!({"title": {"in": ["HELLO"]}}), &["HELLO"]).await;
    expect(&cms, json!({"title": {"like": "Hello%"}}), &["Hello World"]).await;
    expect(&cms, json!({"title": {"like": "hello"}}), &["hello"]).await;
    expect(&cms, json!({"title": {"like": "HEL_O"}}), &["HELLO"]).await;
    expect(
        &cms,
        json!({"title": {"like": "%o%"}}),
        &["Hello World", "hello", "world"],
    )
    .await;
    expect(&cms, json!({"title": {"like": "h%"}}), &["hello"]).await;
    expect(&cms, json!({"title": {"like": "%D"}}), &[]).await;
    // Non-ASCII characters match themselves; `_` is one character, not one byte.
    expect(&cms, json!({"title": {"contains": "CAFé"}}), &["Café"]).await;
    expect(&cms, json!({"title": {"ends_with": "é"}}), &["Café"]).await;
    expect(&cms, json!({"title": {"like": "Caf_"}}), &["Café"]).await;
    expect(&cms, json!({"title": {"like": "Caf__"}}), &[]).await;
}

/// `like`: `%` any run, `_` one character, `\` escapes; every other character (GLOB and regex
/// metacharacters included) is literal.
pub async fn like_wildcards_and_escapes(db: &TestDb) {
    let cms = db.cms().await;
    specials(&cms).await;
    for (pattern, expected) in [
        ("50%", &["50% off", "500 off"][..]),
        (r"50\%%", &["50% off"]),
        (r"100\%", &["100%"]),
        ("100%", &["100%"]),
        ("a_c", &["a_c", "abc", "a.c", r"a\c"]),
        (r"a\_c", &["a_c"]),
        (r"%\\%", &[r"a\c", r"\d", r"end\"]),
        (r"end\\", &[r"end\"]),
        // A trailing `\` escapes nothing and stands for itself.
        (r"end\", &[r"end\"]),
        (r"%\", &[r"end\"]),
        (r"\\d", &[r"\d"]),
        ("[ab]", &["[ab]"]),
        ("a*", &["a*"]),
        ("x?", &["x?"]),
        ("a{2}", &["a{2}"]),
        ("a.c", &["a.c"]),
        ("^start$", &["^start$"]),
        ("%'%", &["it's", "'single'"]),
        (r#"%"%"#, &[r#"say "hi""#, r#""double""#]),
        ("A_C", &[]),
        ("_", &["5"]),
        ("", &[]),
    ] {
        expect(&cms, json!({"title": {"like": pattern}}), expected).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Combinations
// ---------------------------------------------------------------------------------------------

/// `and`/`or` nest (three and four levels here), including negations inside.
pub async fn nested_and_or(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"or": [
            {"and": [
                {"views": {"greater_than": 5}},
                {"or": [{"featured": true}, {"tags": {"contains": "go"}}]}
            ]},
            {"title": "Theta"}
        ]}),
        &["Alpha", "Theta"],
    )
    .await;
    expect(
        &cms,
        json!({"and": [
            {"or": [
                {"and": [
                    {"views": {"greater_than_equal": 2}},
                    {"views": {"less_than": 11}}
                ]},
                {"title": {"starts_with": "E"}}
            ]},
            {"or": [{"featured": {"not_in": [true, false]}}, {"rating": 3}]}
        ]}),
        &["Beta", "Epsilon", "Eta", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"or": [{"and": [{"or": [{"and": [{"title": "Gamma"}]}]}]}, {"views": 2}]}),
        &["Beta", "Gamma"],
    )
    .await;
    expect(
        &cms,
        json!({"and": [
            {"or": [{"views": {"not_equals": 10}}, {"title": "Alpha"}]},
            {"or": [{"featured": {"exists": false}}, {"and": [{"tags": {"contains": "rust"}}]}]}
        ]}),
        &["Alpha", "Gamma", "Delta", "Epsilon", "Theta"],
    )
    .await;
    // The builder form means the same.
    let built = Where::or([
        Where::and([
            Where::path("views").greater_than(5),
            Where::or([
                Where::path("featured").equals(true),
                Where::path("tags").contains("go"),
            ]),
        ]),
        Where::path("title").equals("Theta"),
    ]);
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().filter(built),
        ))
        .await
        .expect("find");
    let mut labels: Vec<String> = found
        .docs
        .iter()
        .map(|d| label(d, Perspective::Draft))
        .collect();
    labels.sort();
    assert_eq!(labels, sorted(&["Alpha", "Theta"]));
}

/// Several keys in one object are ANDed, several operators on one path are ANDed.
pub async fn several_keys_and_operators_are_anded(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(
        &cms,
        json!({"views": {"greater_than": 5}, "featured": true}),
        &["Alpha"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"greater_than": 2, "less_than": 100}}),
        &["Alpha", "Zeta"],
    )
    .await;
    expect(
        &cms,
        json!({"title": {"starts_with": "E", "ends_with": "a"}}),
        &["Eta"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"exists": true, "not_equals": 10}}),
        &["Beta", "Gamma", "Epsilon", "Eta"],
    )
    .await;
    expect(
        &cms,
        json!({"and": [{"views": {"exists": true}}], "title": {"starts_with": "E"}}),
        &["Epsilon", "Eta"],
    )
    .await;
    expect(
        &cms,
        json!({"or": [{"title": "Alpha"}, {"title": "Beta"}], "views": 2}),
        &["Beta"],
    )
    .await;
    expect(
        &cms,
        json!({"views": {"greater_than": 5, "less_than": 5}}),
        &[],
    )
    .await;
}

/// `and: []` and `{}` match everything, `or: []` nothing.
pub async fn empty_and_matches_all_empty_or_matches_none(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    expect(&cms, json!({"and": []}), &ALL).await;
    expect(&cms, json!({}), &ALL).await;
    expect(&cms, json!({"or": []}), &[]).await;
    expect(&cms, json!({"and": [{"or": []}]}), &[]).await;
    expect(&cms, json!({"or": [{"and": []}]}), &ALL).await;
    expect(&cms, json!({"or": [], "title": "Alpha"}), &[]).await;
    expect(&cms, json!({"and": [], "title": "Alpha"}), &["Alpha"]).await;
    expect(
        &cms,
        json!({"or": [{"or": []}, {"title": "Beta"}]}),
        &["Beta"],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Sorting
// ---------------------------------------------------------------------------------------------

/// Numbers sort numerically; missing and null sort first ascending and last descending (tied,
/// so by id, in the sort's direction).
pub async fn sort_number_path_with_missing_values(db: &TestDb) {
    let cms = db.cms().await;
    post_n(&cms, 5, json!({"title": "five", "views": 5})).await;
    post_n(&cms, 2, json!({"title": "missing"})).await;
    post_n(&cms, 6, json!({"title": "ten", "views": 10})).await;
    post_n(&cms, 1, json!({"title": "null", "views": null})).await;
    post_n(&cms, 3, json!({"title": "one", "views": 1})).await;
    post_n(&cms, 7, json!({"title": "two-and-a-half", "views": 2.5})).await;
    post_n(&cms, 4, json!({"title": "three", "views": 3})).await;
    assert_eq!(
        order(&cms, sort_by(&["views"])).await,
        strings(&[
            "null",
            "missing",
            "one",
            "two-and-a-half",
            "three",
            "five",
            "ten"
        ])
    );
    assert_eq!(
        order(&cms, sort_by(&["+views"])).await,
        order(&cms, sort_by(&["views"])).await,
        "`+` means ascending"
    );
    assert_eq!(
        order(&cms, sort_by(&["-views"])).await,
        strings(&[
            "ten",
            "five",
            "three",
            "two-and-a-half",
            "one",
            "missing",
            "null"
        ])
    );
}

/// Strings sort by code point: upper case before lower case, non-ASCII after ASCII.
pub async fn sort_string_path_by_code_point(db: &TestDb) {
    let cms = db.cms().await;
    for title in ["b", "B", "a", "Z", "é", "A", "ab", "aB", "z"] {
        post(&cms, json!({ "title": title })).await;
    }
    let ascending = strings(&["A", "B", "Z", "a", "aB", "ab", "b", "z", "é"]);
    assert_eq!(order(&cms, sort_by(&["title"])).await, ascending);
    let mut descending = ascending.clone();
    descending.reverse();
    assert_eq!(order(&cms, sort_by(&["-title"])).await, descending);
}

/// Values of different JSON types order null < numbers < strings < booleans (false < true).
pub async fn sort_mixed_types(db: &TestDb) {
    let cms = db.cms().await;
    for (n, title, value) in [
        (1, "true", Some(json!(true))),
        (2, "'b'", Some(json!("b"))),
        (3, "2", Some(json!(2))),
        (4, "null", Some(Value::Null)),
        (5, "missing", None),
        (6, "'a'", Some(json!("a"))),
        (7, "1", Some(json!(1))),
        (8, "false", Some(json!(false))),
        (9, "'B'", Some(json!("B"))),
        (10, "10", Some(json!(10))),
    ] {
        let mut data = json!({ "title": title });
        if let Some(v) = value {
            data["mixed"] = v;
        }
        post_n(&cms, n, data).await;
    }
    assert_eq!(
        order(&cms, sort_by(&["mixed"])).await,
        strings(&[
            "null", "missing", "1", "2", "10", "'B'", "'a'", "'b'", "false", "true"
        ])
    );
    assert_eq!(
        order(&cms, sort_by(&["-mixed"])).await,
        strings(&[
            "true", "false", "'b'", "'a'", "'B'", "10", "2", "1", "missing", "null"
        ])
    );
}

/// Several sort keys: later keys break ties of earlier ones.
pub async fn sort_several_keys(db: &TestDb) {
    let cms = db.cms().await;
    for data in [
        json!({"title": "r1-v5", "rating": 1, "views": 5}),
        json!({"title": "r2-v1", "rating": 2, "views": 1}),
        json!({"title": "r1-v1", "rating": 1, "views": 1}),
        json!({"title": "r2-v9", "rating": 2, "views": 9}),
        json!({"title": "r?-v3", "views": 3}),
    ] {
        post(&cms, data).await;
    }
    assert_eq!(
        order(&cms, sort_by(&["-rating", "views"])).await,
        strings(&["r2-v1", "r2-v9", "r1-v1", "r1-v5", "r?-v3"])
    );
    assert_eq!(
        order(&cms, sort_by(&["rating", "-views"])).await,
        strings(&["r?-v3", "r1-v5", "r1-v1", "r2-v9", "r2-v1"])
    );
    assert_eq!(
        order(&cms, sort_by(&["views", "-rating"])).await,
        strings(&["r2-v1", "r1-v1", "r?-v3", "r1-v5", "r2-v9"])
    );
}

/// Sorting by a nested JSON path.
pub async fn sort_nested_path(db: &TestDb) {
    let cms = db.cms().await;
    post_n(&cms, 1, json!({"title": "s-c", "seo": {"metaTitle": "c"}})).await;
    post_n(&cms, 2, json!({"title": "s-none", "seo": {}})).await;
    post_n(&cms, 3, json!({"title": "s-a", "seo": {"metaTitle": "a"}})).await;
    post_n(&cms, 4, json!({"title": "s-b", "seo": {"metaTitle": "b"}})).await;
    post_n(&cms, 5, json!({"title": "s-missing"})).await;
    assert_eq!(
        order(&cms, sort_by(&["seo.metaTitle"])).await,
        strings(&["s-none", "s-missing", "s-a", "s-b", "s-c"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-seo.metaTitle"])).await,
        strings(&["s-c", "s-b", "s-a", "s-missing", "s-none"])
    );
}

/// Sorting by columns: `revision`, `createdAt`, and the nullable `createdBy` (nulls first
/// ascending, last descending).
pub async fn sort_on_columns(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let x = docs
        .create(CreateDocument::new("post", json!({"title": "X"})).created_by("m"))
        .await
        .expect("create");
    tick().await;
    let y = post(&cms, json!({"title": "Y"})).await;
    tick().await;
    docs.create(CreateDocument::new("post", json!({"title": "Z"})).created_by("b"))
        .await
        .expect("create");
    edit(&cms, &x, json!({"title": "X"})).await;
    edit(&cms, &x, json!({"title": "X"})).await;
    edit(&cms, &y, json!({"title": "Y"})).await;
    assert_eq!(
        order(&cms, sort_by(&["revision"])).await,
        strings(&["Z", "Y", "X"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-_meta.revision"])).await,
        strings(&["X", "Y", "Z"])
    );
    assert_eq!(
        order(&cms, sort_by(&["createdAt"])).await,
        strings(&["X", "Y", "Z"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-createdAt"])).await,
        strings(&["Z", "Y", "X"])
    );
    assert_eq!(
        order(&cms, sort_by(&["createdBy"])).await,
        strings(&["Y", "Z", "X"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-createdBy"])).await,
        strings(&["X", "Z", "Y"])
    );
    assert_eq!(
        order(&cms, sort_by(&["type", "-revision"])).await,
        strings(&["X", "Y", "Z"])
    );
}

/// Without a sort, the most recently updated document comes first.
pub async fn default_sort_is_latest_update_first(db: &TestDb) {
    let cms = db.cms().await;
    let a = post(&cms, json!({"title": "A"})).await;
    tick().await;
    post(&cms, json!({"title": "B"})).await;
    tick().await;
    post(&cms, json!({"title": "C"})).await;
    tick().await;
    edit(&cms, &a, json!({"title": "A"})).await;
    assert_eq!(
        order(&cms, FindOptions::new()).await,
        strings(&["A", "C", "B"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-updatedAt"])).await,
        strings(&["A", "C", "B"])
    );
    assert_eq!(
        order(&cms, sort_by(&["updatedAt"])).await,
        strings(&["B", "C", "A"])
    );
}

/// Equal sort values are ordered by id, in the direction of the last sort key.
pub async fn ties_are_broken_by_id(db: &TestDb) {
    let cms = db.cms().await;
    post_n(&cms, 3, json!({"title": "id3", "views": 7})).await;
    post_n(&cms, 1, json!({"title": "id1", "views": 7})).await;
    post_n(&cms, 5, json!({"title": "id5", "views": 1})).await;
    post_n(&cms, 4, json!({"title": "id4", "views": 7})).await;
    post_n(&cms, 2, json!({"title": "id2", "views": 7})).await;
    assert_eq!(
        order(&cms, sort_by(&["views"])).await,
        strings(&["id5", "id1", "id2", "id3", "id4"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-views"])).await,
        strings(&["id4", "id3", "id2", "id1", "id5"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-type"])).await,
        strings(&["id5", "id4", "id3", "id2", "id1"])
    );
    assert_eq!(
        order(&cms, sort_by(&["-type", "views"])).await,
        strings(&["id5", "id1", "id2", "id3", "id4"]),
        "the last key's direction"
    );
    assert_eq!(
        order(&cms, sort_by(&["-id"])).await,
        strings(&["id5", "id4", "id3", "id2", "id1"])
    );
}

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

async fn seven_posts(cms: &Cms) {
    for i in 1..=7 {
        post(cms, json!({ "title": format!("p{i}") })).await;
    }
}

struct PageMeta {
    labels: Vec<&'static str>,
    total_docs: u64,
    limit: u64,
    offset: u64,
    page: u64,
    total_pages: u64,
    has_next_page: bool,
    has_prev_page: bool,
}

async fn expect_page(cms: &Cms, opts: FindOptions, want: PageMeta) {
    let r = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &opts))
        .await
        .unwrap_or_else(|e| panic!("find {opts:?} failed: {e:?}"));
    let labels: Vec<String> = r
        .docs
        .iter()
        .map(|d| label(d, Perspective::Draft))
        .collect();
    assert_eq!(labels, strings(&want.labels), "docs of {opts:?}");
    assert_eq!(
        (
            r.total_docs,
            r.limit,
            r.offset,
            r.page,
            r.total_pages,
            r.has_next_page,
            r.has_prev_page
        ),
        (
            want.total_docs,
            want.limit,
            want.offset,
            want.page,
            want.total_pages,
            want.has_next_page,
            want.has_prev_page
        ),
        "(total_docs, limit, offset, page, total_pages, has_next_page, has_prev_page) of {opts:?}"
    );
}

/// 7 documents, 3 per page: pages 1, 2, 3 and one past the end.
pub async fn pagination_by_page(db: &TestDb) {
    let cms = db.cms().await;
    seven_posts(&cms).await;
    let base = || sort_by(&["title"]).limit(3);
    let meta = |labels, offset, page, has_next_page, has_prev_page| PageMeta {
        labels,
        total_docs: 7,
        limit: 3,
        offset,
        page,
        total_pages: 3,
        has_next_page,
        has_prev_page,
    };
    expect_page(
        &cms,
        base().page(1),
        meta(vec!["p1", "p2", "p3"], 0, 1, true, false),
    )
    .await;
    expect_page(
        &cms,
        base().page(2),
        meta(vec!["p4", "p5", "p6"], 3, 2, true, true),
    )
    .await;
    expect_page(&cms, base().page(3), meta(vec!["p7"], 6, 3, false, true)).await;
    expect_page(&cms, base().page(4), meta(vec![], 9, 4, false, true)).await;
    expect_page(
        &cms,
        base(),
        meta(vec!["p1", "p2", "p3"], 0, 1, true, false),
    )
    .await;
    // A filter: total_docs counts the matches, not the table.
    expect_page(
        &cms,
        base().page(2).filter(Where::path("title").not_equals("p1")),
        PageMeta {
            labels: vec!["p5", "p6", "p7"],
            total_docs: 6,
            limit: 3,
            offset: 3,
            page: 2,
            total_pages: 2,
            has_next_page: false,
            has_prev_page: true,
        },
    )
    .await;
}

/// `offset` skips rows; `page` is derived from it.
pub async fn pagination_by_offset(db: &TestDb) {
    let cms = db.cms().await;
    seven_posts(&cms).await;
    let base = || sort_by(&["title"]).limit(3);
    let meta = |labels, offset, page, has_next_page, has_prev_page| PageMeta {
        labels,
        total_docs: 7,
        limit: 3,
        offset,
        page,
        total_pages: 3,
        has_next_page,
        has_prev_page,
    };
    expect_page(
        &cms,
        base().offset(0),
        meta(vec!["p1", "p2", "p3"], 0, 1, true, false),
    )
    .await;
    expect_page(
        &cms,
        base().offset(2),
        meta(vec!["p3", "p4", "p5"], 2, 1, true, true),
    )
    .await;
    expect_page(
        &cms,
        base().offset(3),
        meta(vec!["p4", "p5", "p6"], 3, 2, true, true),
    )
    .await;
    expect_page(
        &cms,
        base().offset(5),
        meta(vec!["p6", "p7"], 5, 2, false, true),
    )
    .await;
    expect_page(&cms, base().offset(7), meta(vec![], 7, 3, false, true)).await;
    expect_page(&cms, base().offset(100), meta(vec![], 100, 34, false, true)).await;
}

/// Default limit 50, limit 1000 accepted, and the metadata of an empty result.
pub async fn pagination_defaults_and_empty_results(db: &TestDb) {
    let cms = db.cms().await;
    expect_page(
        &cms,
        FindOptions::new(),
        PageMeta {
            labels: vec![],
            total_docs: 0,
            limit: 50,
            offset: 0,
            page: 1,
            total_pages: 0,
            has_next_page: false,
            has_prev_page: false,
        },
    )
    .await;
    seven_posts(&cms).await;
    let all = vec!["p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    let meta = |limit| PageMeta {
        labels: all.clone(),
        total_docs: 7,
        limit,
        offset: 0,
        page: 1,
        total_pages: 1,
        has_next_page: false,
        has_prev_page: false,
    };
    expect_page(&cms, sort_by(&["title"]), meta(50)).await;
    expect_page(&cms, sort_by(&["title"]).limit(1000), meta(1000)).await;
    expect_page(&cms, sort_by(&["title"]).limit(7), meta(7)).await;
    expect_page(
        &cms,
        sort_by(&["title"]).limit(1),
        PageMeta {
            labels: vec!["p1"],
            total_docs: 7,
            limit: 1,
            offset: 0,
            page: 1,
            total_pages: 7,
            has_next_page: true,
            has_prev_page: false,
        },
    )
    .await;
}

/// `page` and `offset` together are refused before anything is sent.
pub async fn page_and_offset_together_are_refused(db: &TestDb) {
    let cms = db.cms().await;
    seven_posts(&cms).await;
    let before = db.statements();
    let err = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().page(2).offset(3),
        ))
        .await
        .expect_err("page and offset together");
    assert!(
        matches!(&err, Error::InvalidQuery { path, .. } if path == "page"),
        "{err:?}"
    );
    let err = FindOptions::from_json(&json!({"page": 1, "offset": 0}))
        .expect("parses")
        .resolve(
            aphex_core::query::Target::Documents(Perspective::Draft),
            Vec::new(),
        )
        .expect_err("page and offset together");
    assert!(
        matches!(&err, Error::InvalidQuery { path, .. } if path == "page"),
        "{err:?}"
    );
    assert_eq!(db.statements(), before, "nothing was sent to the database");
}

// ---------------------------------------------------------------------------------------------
// Perspectives, type scope, counts, JSON options
// ---------------------------------------------------------------------------------------------

/// Drafts: one never published, one published and then edited, one published, one unpublished,
/// and a published author.
async fn editorial(cms: &Cms) {
    post(cms, json!({"title": "Draft only", "views": 1})).await;
    let live = post(cms, json!({"title": "Live", "views": 5})).await;
    publish(cms, &live).await;
    edit(cms, &live, json!({"title": "Live v2", "views": 50})).await;
    let stable = post(cms, json!({"title": "Stable", "views": 7})).await;
    publish(cms, &stable).await;
    let gone = post(cms, json!({"title": "Gone", "views": 9})).await;
    publish(cms, &gone).await;
    cms.documents()
        .unpublish(gone.id, WriteOptions::default())
        .await
        .expect("unpublish");
    let ann = author(cms, "Ann").await;
    publish(cms, &ann).await;
}

/// The published perspective returns only published documents (not drafts, not unpublished).
pub async fn published_perspective_shows_only_published_documents(db: &TestDb) {
    let cms = db.cms().await;
    editorial(&cms).await;
    let published = Perspective::Published;
    expect_in(
        &cms,
        Some("post"),
        published,
        json!({}),
        &["Live", "Stable"],
    )
    .await;
    expect_in(&cms, None, published, json!({}), &["Ann", "Live", "Stable"]).await;
    expect_in(
        &cms,
        Some("post"),
        Perspective::Draft,
        json!({}),
        &["Draft only", "Gone", "Live v2", "Stable"],
    )
    .await;
    expect_in(
        &cms,
        Some("post"),
        published,
        json!({"status": "draft"}),
        &[],
    )
    .await;
    expect_in(
        &cms,
        Some("post"),
        published,
        json!({"status": {"not_equals": "published"}}),
        &[],
    )
    .await;
    expect_in(
        &cms,
        None,
        published,
        json!({"views": {"exists": false}}),
        &["Ann"],
    )
    .await;
    expect_in(
        &cms,
        Some("post"),
        Perspective::Draft,
        json!({"status": "unpublished"}),
        &["Gone"],
    )
    .await;
    expect_in(
        &cms,
        None,
        Perspective::Draft,
        json!({"status": "published"}),
        &["Ann", "Live v2", "Stable"],
    )
    .await;
    let unfiltered = cms
        .documents()
        .count(&crate::fixtures::counting(Some("post"), None, published))
        .await
        .expect("count");
    assert_eq!(unfiltered, 2);
}

/// A published document whose draft changed is matched on its published data in the published
/// perspective and on its draft data in the draft perspective (find and count alike).
pub async fn perspective_decides_which_data_is_matched(db: &TestDb) {
    let cms = db.cms().await;
    editorial(&cms).await;
    let (draft, published) = (Perspective::Draft, Perspective::Published);
    let post = Some("post");
    expect_in(&cms, post, published, json!({"title": "Live"}), &["Live"]).await;
    expect_in(&cms, post, draft, json!({"title": "Live"}), &[]).await;
    expect_in(&cms, post, published, json!({"title": "Live v2"}), &[]).await;
    expect_in(&cms, post, draft, json!({"title": "Live v2"}), &["Live v2"]).await;
    expect_in(
        &cms,
        post,
        published,
        json!({"views": {"greater_than": 6}}),
        &["Stable"],
    )
    .await;
    expect_in(
        &cms,
        post,
        draft,
        json!({"views": {"greater_than": 6}}),
        &["Gone", "Live v2", "Stable"],
    )
    .await;
    expect_in(
        &cms,
        post,
        published,
        json!({"title": {"starts_with": "live"}}),
        &["Live"],
    )
    .await;
    expect_in(
        &cms,
        post,
        published,
        json!({"views": {"not_equals": 5}}),
        &["Stable"],
    )
    .await;
    // Sorting uses the perspective's data too.
    let top = |p: Perspective| {
        let cms = &cms;
        async move {
            order(cms, sort_by(&["-views"]).perspective(p))
                .await
                .into_iter()
                .next()
        }
    };
    assert_eq!(top(published).await.as_deref(), Some("Stable"));
    assert_eq!(top(draft).await.as_deref(), Some("Live v2"));
}

/// `find(Some(type))` and `count(Some(type))` only see that type.
pub async fn type_argument_scopes_the_query(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    let draft = Perspective::Draft;
    expect_in(&cms, Some("post"), draft, json!({}), &ALL).await;
    expect_in(&cms, Some("author"), draft, json!({}), &["Ann", "Bob"]).await;
    let mut everything = ALL.to_vec();
    everything.extend(["Ann", "Bob"]);
    expect_in(&cms, None, draft, json!({}), &everything).await;
    expect_in(&cms, Some("nothing"), draft, json!({}), &[]).await;
    expect_in(&cms, Some("post"), draft, json!({"type": "author"}), &[]).await;
    expect_in(
        &cms,
        Some("author"),
        draft,
        json!({"name": {"starts_with": "a"}}),
        &["Ann"],
    )
    .await;
    expect_in(
        &cms,
        None,
        draft,
        json!({"name": {"exists": true}}),
        &["Ann", "Bob"],
    )
    .await;
}

/// `count` with and without a filter, and `counts_by_type` as an exact map.
pub async fn count_and_counts_by_type(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let draft = Perspective::Draft;
    assert_eq!(
        docs.count(&crate::fixtures::counting(None, None, draft))
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        docs.counts_by_type().await.expect("counts"),
        BTreeMap::new()
    );
    catalog(&cms).await;
    assert_eq!(
        docs.count(&crate::fixtures::counting(None, None, draft))
            .await
            .expect("count"),
        10
    );
    assert_eq!(
        docs.count(&crate::fixtures::counting(Some("post"), None, draft))
            .await
            .expect("count"),
        8
    );
    assert_eq!(
        docs.count(&crate::fixtures::counting(Some("author"), None, draft))
            .await
            .expect("count"),
        2
    );
    let w = Where::path("views").greater_than(5);
    assert_eq!(
        docs.count(&crate::fixtures::counting(Some("post"), Some(&w), draft))
            .await
            .expect("count"),
        3
    );
    assert_eq!(
        docs.count(&crate::fixtures::counting(None, Some(&w), draft))
            .await
            .expect("count"),
        3
    );
    assert_eq!(
        docs.count(&crate::fixtures::counting(Some("author"), Some(&w), draft))
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        docs.count(&crate::fixtures::counting(
            None,
            None,
            Perspective::Published
        ))
        .await
        .expect("count"),
        0
    );
    let expected: BTreeMap<String, u64> = [("author".to_string(), 2), ("post".to_string(), 8)]
        .into_iter()
        .collect();
    assert_eq!(docs.counts_by_type().await.expect("counts"), expected);
    let gamma = docs
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().filter(Where::path("title").equals("Gamma")),
        ))
        .await
        .expect("find")
        .docs
        .remove(0);
    docs.delete(gamma.id).await.expect("delete");
    let expected: BTreeMap<String, u64> = [("author".to_string(), 2), ("post".to_string(), 7)]
        .into_iter()
        .collect();
    assert_eq!(docs.counts_by_type().await.expect("counts"), expected);
}

/// The JSON body form of find options means exactly what the builder form means.
pub async fn find_options_from_json_match_the_builder(db: &TestDb) {
    let cms = db.cms().await;
    catalog(&cms).await;
    let from_json = FindOptions::from_json(&json!({
        "where": {"views": {"greater_than": 1}},
        "sort": ["-views", "title"],
        "limit": 2,
        "page": 2,
        "perspective": "draft",
        "depth": 0
    }))
    .expect("valid find options");
    let built = FindOptions::new()
        .filter(Where::path("views").greater_than(1))
        .sort("-views")
        .sort("title")
        .limit(2)
        .page(2);
    assert_eq!(from_json, built);
    let from_string_sort = FindOptions::from_json(&json!({
        "where": {"views": {"greater_than": 1}}, "sort": "-views, title", "limit": 2, "page": 2
    }))
    .expect("valid find options");
    assert_eq!(from_string_sort, built);
    let via_serde: FindOptions = serde_json::from_value(json!({
        "where": {"views": {"greater_than": 1}}, "sort": ["-views", "title"], "limit": 2, "page": 2
    }))
    .expect("deserializes");
    assert_eq!(via_serde, built);
    let a = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &from_json))
        .await
        .expect("find");
    let b = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &built))
        .await
        .expect("find");
    assert_eq!(a, b);
    let labels: Vec<String> = a
        .docs
        .iter()
        .map(|d| label(d, Perspective::Draft))
        .collect();
    // views > 1 (numbers only): Gamma 100, Alpha 10, Zeta 10.0, Beta 2 -> page 2 of 2.
    assert_eq!(labels, strings(&["Zeta", "Beta"]));
    assert_eq!((a.total_docs, a.page, a.total_pages), (4, 2, 2));

    // A compound filter and the published perspective, compared by results.
    let from_json = FindOptions::from_json(&json!({
        "where": {"or": [{"title": {"starts_with": "a"}}, {"tags": {"contains": "go"}}],
                  "views": {"exists": true}},
        "sort": "title",
        "perspective": "published"
    }))
    .expect("valid find options");
    let built = FindOptions::new()
        .filter(Where::and([
            Where::or([
                Where::path("title").starts_with("a"),
                Where::path("tags").contains("go"),
            ]),
            Where::path("views").exists(true),
        ]))
        .sort("title")
        .perspective(Perspective::Published);
    let a = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &from_json))
        .await
        .expect("find");
    let b = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &built))
        .await
        .expect("find");
    assert_eq!(a, b);
    assert_eq!(a.total_docs, 0, "nothing is published");
    let draft_json = from_json.perspective(Perspective::Draft);
    let a = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &draft_json))
        .await
        .expect("find");
    let b = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &built.perspective(Perspective::Draft),
        ))
        .await
        .expect("find");
    assert_eq!(a, b);
    let labels: Vec<String> = a
        .docs
        .iter()
        .map(|d| label(d, Perspective::Draft))
        .collect();
    assert_eq!(labels, strings(&["Alpha", "Beta"]));
}

/// The largest accepted inputs compile and run: 1000-value `in`/`not_in`/`all` lists on JSON
/// paths, a 500-branch `or`, and 300 conditions ANDed in one object (an implementation that
/// chains them one level per value overflows the stack rendering them).
pub async fn long_lists_and_wide_filters_work(db: &TestDb) {
    let cms = db.cms().await;
    let thousand: Vec<i64> = (0..1000).collect();
    post(
        &cms,
        json!({"title": "all", "views": 999, "tags": thousand}),
    )
    .await;
    post(
        &cms,
        json!({"title": "some", "views": 5, "tags": [1, 2, 3]}),
    )
    .await;
    post(&cms, json!({"title": "none", "views": 5000})).await;
    let find = |w: Where| {
        let cms = cms.clone();
        async move {
            let found = cms
                .documents()
                .find(&crate::fixtures::typed(
                    Some("post"),
                    &FindOptions::new().filter(w.clone()),
                ))
                .await
                .expect("a long filter runs");
            let count = cms
                .documents()
                .count(&crate::fixtures::counting(
                    Some("post"),
                    Some(&w),
                    Perspective::Draft,
                ))
                .await
                .expect("a long filter counts");
            assert_eq!(count, found.total_docs);
            let mut titles: Vec<String> = found
                .docs
                .iter()
                .map(|d| {
                    d.draft_data.as_ref().expect("draft")["title"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(
        find(Where::path("views").in_list(thousand.clone())).await,
        ["all", "some"]
    );
    assert_eq!(
        find(Where::path("views").not_in(thousand.clone())).await,
        ["none"]
    );
    assert_eq!(
        find(Where::path("tags").all(thousand.clone())).await,
        ["all"]
    );
    assert_eq!(
        find(Where::path("tags").all([1, 2, 3])).await,
        ["all", "some"]
    );
    let branches = (0..500).map(|i| Where::path("views").equals(i64::from(i) * 10 + 5000));
    assert_eq!(find(Where::or(branches)).await, ["none"]);
    let mut wide = serde_json::Map::new();
    for i in 0..300 {
        wide.insert(format!("missing{i}"), json!({"exists": false}));
    }
    wide.insert("title".into(), json!({"starts_with": "s"}));
    let w = Where::from_json(&Value::Object(wide)).expect("300 keys parse");
    assert_eq!(find(w).await, ["some"]);
}
