//! The corpus: documents with random data, written identically (same ids, same data, same
//! writes in the same order) into every backend.

use std::time::Duration;

use aphex::schema::{FieldDef, SchemaRegistry, SchemaTypeDef};
use aphex::service::{CreateDocument, WriteOptions};
use aphex::{Cms, Error};
use aphex_conformance::fixtures;
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The fixture types (`post`, `author`, the `seo` object) and `item`, whose `n` and `s` have
/// field indexes: the same conditions then run on an index (`"type": "item"`) and without one.
pub fn schema_types() -> Vec<SchemaTypeDef> {
    let mut types = fixtures::schema_types();
    types.push(
        SchemaTypeDef::document("item", "Item")
            .field(FieldDef::number("n").index())
            .field(FieldDef::string("s").index()),
    );
    types
}

/// What happens to a document after it is created.
#[derive(Debug, Clone)]
pub enum Fate {
    /// Stays a draft.
    Draft,
    /// Published as created.
    Published,
    /// Published, then the draft is replaced by this data (by `user`).
    Edited(Value, Option<&'static str>),
    /// Published, then unpublished.
    Unpublished,
}

/// One document of the corpus.
#[derive(Debug, Clone)]
pub struct DocSpec {
    /// `d00`, `d01`, ... in creation order (what reports show).
    pub label: String,
    pub id: Uuid,
    pub doc_type: &'static str,
    pub created_by: Option<&'static str>,
    /// The first draft (made publishable when the document gets published).
    pub data: Value,
    pub fate: Fate,
}

impl DocSpec {
    /// The status, draft data and published data the writes leave.
    pub fn state(&self) -> (&'static str, &Value, Option<&Value>) {
        match &self.fate {
            Fate::Draft => ("draft", &self.data, None),
            Fate::Published => ("published", &self.data, Some(&self.data)),
            Fate::Edited(draft, _) => ("published", draft, Some(&self.data)),
            Fate::Unpublished => ("unpublished", &self.data, None),
        }
    }

    /// One line for a report.
    pub fn describe(&self) -> String {
        let (status, draft, published) = self.state();
        let published = published.map_or_else(|| "-".to_owned(), Value::to_string);
        format!(
            "{} {} {} {status} createdBy={:?}\n      draft     {draft}\n      published {published}",
            self.label, self.id, self.doc_type, self.created_by
        )
    }
}

/// Fragments strings are made of: LIKE wildcards and escapes, regex metacharacters, quotes,
/// ASCII in both cases, lower-case non-ASCII letters, CJK, an emoji (beyond the BMP) and a
/// half-width kana (in the BMP above the surrogates: code point order, not UTF-16 order),
/// whitespace, a control character, digits, an ISO date. Non-ASCII letters are lower case
/// only: case folding beyond ASCII is a declared difference (docs/where.md).
#[rustfmt::skip]
pub const FRAGMENTS: &[&str] = &[
    "a", "A", "b", "B", "abc", "ABC", "Hello", "hello", "z", "%", "_", "\\", "*", "?", "[", "]",
    ".", "^", "$", "(", ")", "|", "+", "{", "}", "'", "\"", "é", "ü", "ñ", "日本", "🎉", "ｱ",
    " ", "\n", "\t", "\u{1}", "0", "1", "10", "9", "-", "2026-01-01", "x", "%_", "a.c", "\\%",
];

fn string() -> BoxedStrategy<String> {
    vec(select(FRAGMENTS), 0..5)
        .prop_map(|v| v.concat())
        .boxed()
}

/// Numbers: integers around zero, the `i64` extremes, 2^53 + 1 and 2^60; floats: negative
/// zero, integral ones, a subnormal, tiny and huge ones, the largest, 0.1 + 0.2, and 2^53 as
/// a float next to the integer 2^53 + 1. No float beyond 2^53 that is within reach of an
/// integer: that is a declared difference (docs/where.md).
#[rustfmt::skip]
pub const NUMBERS: &[&str] = &[
    "0", "1", "-1", "2", "3", "7", "10", "-10", "42", "9223372036854775807",
    "-9223372036854775808", "9007199254740993", "1152921504606846976",
    "1.0", "0.5", "-0.5", "2.5", "-2.5", "3.14", "-0.0", "5e-324", "1e-7", "-1e-7", "1e20",
    "1.7976931348623157e308", "0.30000000000000004", "9007199254740992.0",
];

fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (-12i64..12).prop_map(Value::from),
        2 => select(NUMBERS).prop_map(|n| serde_json::from_str(n).expect("a JSON number")),
    ]
    .boxed()
}

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        3 => string().prop_map(Value::String),
    ]
    .boxed()
}

/// Any JSON value: scalars, arrays (nested ones too) and objects with a few keys.
fn any_json() -> BoxedStrategy<Value> {
    scalar()
        .prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Value::Array),
                vec((select(&["a", "b", "A", "k-1"][..]), inner), 0..3).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
        .boxed()
}

/// A value that is usually of `usual`'s kind but sometimes null or of another kind.
fn mostly(usual: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![8 => usual, 1 => Just(Value::Null), 1 => scalar()].boxed()
}

/// `seo`: usually an object (of the fixtures' `seo` type), sometimes null or a scalar — never an
/// array, so `seo.metaTitle` sorts the same everywhere.
fn seo() -> BoxedStrategy<Value> {
    let object = (
        weighted(0.8, mostly(string().prop_map(Value::String).boxed())),
        weighted(0.5, string()),
    )
        .prop_map(|(title, description)| {
            let mut o = Map::new();
            if let Some(t) = title {
                o.insert("metaTitle".into(), t);
            }
            if let Some(d) = description {
                o.insert("metaDescription".into(), Value::String(d));
            }
            Value::Object(o)
        });
    prop_oneof![6 => object, 1 => scalar()].boxed()
}

/// `meta`: an object `{a: ...}` (where `a` may be an object `{b: ...}`), an array of such
/// objects, or a scalar — paths through it can meet arrays.
fn meta() -> BoxedStrategy<Value> {
    let a = prop_oneof![scalar(), scalar().prop_map(|b| json!({ "b": b }))];
    let object = a.prop_map(|a| json!({ "a": a }));
    prop_oneof![
        5 => object.clone(),
        2 => vec(object, 0..3).prop_map(Value::Array),
        1 => scalar(),
    ]
    .boxed()
}

/// A document's data: every key optional.
fn data() -> BoxedStrategy<Value> {
    let strings = || mostly(string().prop_map(Value::String).boxed());
    let tags = prop_oneof![
        6 => vec(string().prop_map(Value::String), 0..4).prop_map(Value::Array),
        1 => scalar(),
    ];
    let arr = vec(prop_oneof![4 => scalar(), 1 => any_json()], 0..5).prop_map(Value::Array);
    (
        (
            weighted(0.85, strings()),
            weighted(0.3, strings()),
            weighted(0.75, mostly(number())),
            weighted(0.75, strings()),
            weighted(0.75, scalar()),
            weighted(0.6, mostly(any::<bool>().prop_map(Value::Bool).boxed())),
        ),
        (
            weighted(0.6, seo()),
            weighted(0.6, tags),
            weighted(0.6, arr),
            weighted(0.5, meta()),
            weighted(0.6, any_json()),
            weighted(0.3, (-3i64..3).prop_map(Value::from)),
        ),
    )
        .prop_map(
            |((title, name, n, s, m, b), (seo, tags, arr, meta, x, k))| {
                let fields = [
                    ("title", title),
                    ("name", name),
                    ("n", n),
                    ("s", s),
                    ("m", m),
                    ("b", b),
                    ("seo", seo),
                    ("tags", tags),
                    ("arr", arr),
                    ("meta", meta),
                    ("x", x),
                    ("k-1", k),
                ];
                Value::Object(
                    fields
                        .into_iter()
                        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
                        .collect(),
                )
            },
        )
        .boxed()
}

/// `size` documents of the types `post`, `author` and `item`, about half of them published
/// (some edited or unpublished after that).
pub fn corpus(size: usize) -> BoxedStrategy<Vec<DocSpec>> {
    let users = || weighted(0.4, select(&["alice", "bob", "Carol"][..]));
    let doc = (
        select(&["post", "post", "author", "item", "item"][..]),
        any::<u128>(),
        users(),
        data(),
        0u8..8,
        data(),
        users(),
    );
    vec(doc, size..=size)
        .prop_map(|docs| {
            let registry = SchemaRegistry::new(schema_types()).expect("valid schema types");
            docs.into_iter()
                .enumerate()
                .map(
                    |(i, (doc_type, id, created_by, data, fate, edit, editor))| {
                        let fate = match fate {
                            0..=3 => Fate::Draft,
                            4 | 5 => Fate::Published,
                            6 => Fate::Edited(edit, editor),
                            _ => Fate::Unpublished,
                        };
                        let data = match fate {
                            Fate::Draft => data,
                            _ => publishable(&registry, doc_type, data),
                        };
                        DocSpec {
                            label: format!("d{i:02}"),
                            id: Uuid::from_u128(id),
                            doc_type,
                            created_by,
                            data,
                            fate,
                        }
                    },
                )
                .collect()
        })
        .boxed()
}

/// `data` changed until it passes `doc_type`'s validation: failing top-level keys are dropped,
/// a missing required `title` / `name` is filled in.
fn publishable(registry: &SchemaRegistry, doc_type: &str, mut data: Value) -> Value {
    for _ in 0..8 {
        let errors = match registry.validate(doc_type, &data) {
            Ok(()) => return data,
            Err(Error::Validation(errors)) => errors,
            Err(other) => panic!("validating corpus data: {other:?}"),
        };
        let Value::Object(map) = &mut data else {
            unreachable!("corpus data is an object")
        };
        for field in errors.fields() {
            let key = field.path.split(['.', '[']).next().unwrap_or_default();
            map.remove(key);
        }
        for required in ["title", "name"] {
            let wanted = (doc_type == "post" && required == "title")
                || (doc_type == "author" && required == "name");
            if wanted && !map.contains_key(required) {
                map.insert(required.into(), json!("Required value"));
            }
        }
    }
    panic!("could not make {data} publishable as {doc_type}")
}

/// Lets the clock move on, so every write has a later millisecond timestamp than the one before:
/// orders by `createdAt`, `updatedAt` and `publishedAt` are then the same on every backend.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(2)).await;
}

/// Writes the corpus into `cms`, document by document.
///
/// # Panics
/// When a write fails — the corpus is valid by construction.
pub async fn load(cms: &Cms, corpus: &[DocSpec]) {
    let docs = cms.documents();
    for d in corpus {
        let mut create = CreateDocument::new(d.doc_type, d.data.clone()).id(d.id);
        if let Some(user) = d.created_by {
            create = create.created_by(user);
        }
        let what = |step: &str| format!("{step} {} ({})", d.label, d.describe());
        docs.create(create)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", what("create")));
        tick().await;
        if matches!(d.fate, Fate::Draft) {
            continue;
        }
        docs.publish(d.id, WriteOptions::new())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", what("publish")));
        tick().await;
        match &d.fate {
            Fate::Edited(draft, editor) => {
                let mut options = WriteOptions::new();
                if let Some(user) = editor {
                    options = options.user(*user);
                }
                docs.update_draft(d.id, draft.clone(), options)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e:?}", what("edit")));
            }
            Fate::Unpublished => {
                docs.unpublish(d.id, WriteOptions::new())
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e:?}", what("unpublish")));
            }
            Fate::Draft | Fate::Published => continue,
        }
        tick().await;
    }
}
