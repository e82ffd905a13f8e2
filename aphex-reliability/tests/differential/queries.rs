//! Random find options in the documented JSON form (docs/where.md): every operator, bare
//! values and lists, several operators on one path, nested `and`/`or`, JSON paths through
//! objects, arrays and scalars, the columns, sorts, limits, offsets, pages, perspectives,
//! document types, finds without a count — and a few invalid queries. Operands are mostly drawn
//! from the corpus (its values, their prefixes, suffixes and middles in flipped ASCII case,
//! LIKE patterns made from them), so that conditions match some documents and not others.

use std::collections::BTreeSet;

use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use crate::corpus::{DocSpec, FRAGMENTS, NUMBERS};

/// Paths into the data: top-level keys of every kind, nested paths (through objects, arrays
/// and scalars), a hyphenated key and a key no document has.
#[rustfmt::skip]
const JSON_PATHS: &[&str] = &[
    "title", "name", "n", "s", "m", "b", "seo", "seo.metaTitle", "seo.metaDescription", "tags",
    "arr", "meta", "meta.a", "meta.a.b", "x", "x.a", "k-1", "missing", "n.a",
];

/// Document columns (`_meta.` spelling included).
#[rustfmt::skip]
const COLUMN_PATHS: &[&str] = &[
    "id", "type", "status", "revision", "createdBy", "updatedBy", "publishedAt", "createdAt",
    "updatedAt", "_meta.status", "_meta.revision", "_meta.createdBy",
];

/// Sort keys whose values are never objects or arrays (nor reached through an array): these
/// order the same on every backend.
#[rustfmt::skip]
pub const SORT_PATHS: &[&str] = &[
    "title", "name", "n", "s", "m", "b", "seo.metaTitle", "k-1", "missing", "id", "type", "status",
    "revision", "createdBy", "updatedBy", "createdAt", "updatedAt", "publishedAt",
    "_meta.revision",
];

/// Sort keys that can hold objects or arrays (or lead through an array): MongoDB orders those
/// by their contents — the declared difference (docs/where.md), checked without the order.
pub const COMPOSITE_SORT_PATHS: &[&str] = &["x", "arr", "tags", "meta", "meta.a", "seo"];

/// One generated query: the find options' JSON, and whether to also page through it with
/// keyset cursors.
#[derive(Debug, Clone)]
pub struct Query {
    pub json: Value,
    pub walk: bool,
}

fn flip_ascii_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn escape_like(s: &str) -> String {
    s.chars().fold(String::new(), |mut out, c| {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// Every scalar in `v`, at any depth.
fn collect_scalars(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_scalars(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_scalars(i, out)),
        Value::Null => {}
        scalar => out.push(scalar.clone()),
    }
}

/// Operands drawn from some values of the corpus: the values, the texts the string operators
/// take (whole strings, prefixes, suffixes, middles, in both ASCII cases) and LIKE patterns
/// (the strings escaped and not, with wildcards in place of their ends).
#[derive(Debug, Clone, Default)]
struct Pool {
    scalars: Vec<Value>,
    texts: Vec<String>,
    likes: Vec<String>,
}

impl Pool {
    fn of(mut scalars: Vec<Value>) -> Pool {
        let mut seen = BTreeSet::new();
        scalars.retain(|v| seen.insert(v.to_string()));
        let mut texts = BTreeSet::new();
        let mut likes = BTreeSet::new();
        for s in scalars.iter().filter_map(Value::as_str) {
            let chars: Vec<char> = s.chars().collect();
            let n = chars.len();
            let part = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
            let (head, tail, middle) = (
                part(0, n.min(2)),
                part(n.saturating_sub(2), n),
                part(n / 3, (2 * n / 3).max(n / 3)),
            );
            for t in [s.to_owned(), head.clone(), tail.clone(), middle.clone()] {
                texts.insert(flip_ascii_case(&t));
                texts.insert(t);
            }
            likes.insert(escape_like(s));
            likes.insert(s.to_owned());
            likes.insert(flip_ascii_case(&escape_like(s)));
            likes.insert(format!("{}%", escape_like(&head)));
            likes.insert(format!("%{}", escape_like(&tail)));
            likes.insert(format!("%{}%", escape_like(&middle)));
            if n > 0 {
                likes.insert(format!("_{}", escape_like(&part(1, n))));
            }
        }
        Pool {
            scalars,
            texts: texts.into_iter().collect(),
            likes: likes.into_iter().collect(),
        }
    }
}

/// The scalars at `path` in `data` (object keys only), and the scalar elements of an array
/// there.
fn values_at(data: &Value, path: &str, out: &mut Vec<Value>) {
    let mut v = data;
    for key in path.split('.') {
        match v.get(key) {
            Some(inner) if v.is_object() => v = inner,
            _ => return,
        }
    }
    match v {
        Value::Array(items) => out.extend(
            items
                .iter()
                .filter(|i| !i.is_array() && !i.is_object())
                .cloned(),
        ),
        Value::Object(_) => {}
        scalar => out.push(scalar.clone()),
    }
}

/// Operands drawn from a corpus: per path, and from all of it.
pub struct Pools {
    all: Pool,
    paths: Vec<(&'static str, Pool)>,
    ids: Vec<String>,
}

impl Pools {
    /// The pools of `corpus`.
    pub fn of(corpus: &[DocSpec]) -> Pools {
        let datas: Vec<&Value> = corpus
            .iter()
            .flat_map(|d| {
                let (_, draft, published) = d.state();
                std::iter::once(draft).chain(published)
            })
            .collect();
        let mut all = Vec::new();
        for data in &datas {
            collect_scalars(data, &mut all);
        }
        let paths = JSON_PATHS
            .iter()
            .map(|p| {
                let mut values = Vec::new();
                for data in &datas {
                    values_at(data, p, &mut values);
                }
                (*p, Pool::of(values))
            })
            .collect();
        let mut ids: Vec<String> = corpus.iter().map(|d| d.id.to_string()).collect();
        if let Some(d) = corpus.first() {
            ids.push(d.id.to_string().to_uppercase());
            ids.push(d.id.simple().to_string());
        }
        ids.extend(["not-a-uuid".to_owned(), String::new()]);
        Pools {
            all: Pool::of(all),
            paths,
            ids,
        }
    }

    /// Draws from the pool of `path` (mostly), of the whole corpus, or `random`.
    fn draw<T: Clone + std::fmt::Debug + 'static>(
        &self,
        path: &str,
        pick: fn(&Pool) -> &Vec<T>,
        random: BoxedStrategy<T>,
    ) -> BoxedStrategy<T> {
        let mut choices = vec![(1, random)];
        if !pick(&self.all).is_empty() {
            choices.push((1, select(pick(&self.all).clone()).boxed()));
        }
        if let Some((_, pool)) = self.paths.iter().find(|(p, _)| *p == path)
            && !pick(pool).is_empty()
        {
            choices.push((4, select(pick(pool).clone()).boxed()));
        }
        proptest::strategy::Union::new_weighted(choices).boxed()
    }

    fn scalar(&self, path: &str) -> BoxedStrategy<Value> {
        self.draw(path, |p| &p.scalars, random_scalar())
    }

    fn text(&self, path: &str) -> BoxedStrategy<String> {
        let random = vec(select(FRAGMENTS), 0..3)
            .prop_map(|v| v.concat())
            .boxed();
        self.draw(path, |p| &p.texts, random)
    }

    fn like(&self, path: &str) -> BoxedStrategy<String> {
        let pieces = &["%", "_", "\\%", "\\_", "\\", "a", "A", "é", "b%", "%a"][..];
        let random = vec(select(pieces), 0..4).prop_map(|v| v.concat()).boxed();
        self.draw(path, |p| &p.likes, random)
    }

    /// A number or a string, for the ordered operators.
    fn ordered(&self, path: &str) -> BoxedStrategy<Value> {
        let ordered = |v: &Value| v.is_number() || v.is_string();
        prop_oneof![
            4 => self.scalar(path).prop_filter("a number or a string", ordered),
            1 => self.text(path).prop_map(Value::String),
            1 => random_number(),
        ]
        .boxed()
    }

    /// An operand for a column (of the right kind, mostly).
    fn column_operand(&self, path: &str) -> BoxedStrategy<Value> {
        let column = path.strip_prefix("_meta.").unwrap_or(path);
        let strings = |v: &[&'static str]| {
            select(v.to_vec())
                .prop_map(|s| Value::String(s.to_owned()))
                .boxed()
        };
        let usual = match column {
            "id" => select(self.ids.clone()).prop_map(Value::String).boxed(),
            "type" => strings(&["post", "author", "item", "nope", "POST", "po%"]),
            "status" => strings(&["draft", "published", "unpublished", "bogus", "Draft"]),
            "revision" => prop_oneof![(0i64..5).prop_map(Value::from), Just(json!(1.5))].boxed(),
            "createdBy" | "updatedBy" => strings(&["alice", "bob", "Carol", "carol", "a%", ""]),
            _ => strings(&[
                "2000-01-01",
                "1999-12-31T23:59:59Z",
                "9999-12-31",
                "2100-01-01T00:00:00.000+01:00",
                "not a date",
            ]),
        };
        prop_oneof![4 => usual, 1 => self.scalar(path)].boxed()
    }
}

fn random_number() -> BoxedStrategy<Value> {
    prop_oneof![
        (-12i64..12).prop_map(Value::from),
        select(NUMBERS).prop_map(|n| serde_json::from_str(n).expect("a JSON number")),
    ]
    .boxed()
}

fn random_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        random_number(),
        vec(select(FRAGMENTS), 0..3).prop_map(|v| Value::String(v.concat())),
    ]
    .boxed()
}

/// `operator: operand` for a path.
fn operator(pools: &Pools, path: &'static str) -> BoxedStrategy<(&'static str, Value)> {
    let column = COLUMN_PATHS.contains(&path);
    let value = if column {
        pools.column_operand(path)
    } else {
        pools.scalar(path)
    };
    let non_null = value.clone().prop_filter("non-null", |v| !v.is_null());
    let list = vec(value.clone(), 0..4).prop_map(Value::Array);
    let non_null_list = vec(non_null.clone(), 0..3).prop_map(Value::Array);
    let ordered = if column {
        non_null.clone().boxed()
    } else {
        pools.ordered(path)
    };
    let text = pools.text(path).prop_map(Value::String);
    let op = |name: &'static str, s: BoxedStrategy<Value>| s.prop_map(move |v| (name, v)).boxed();
    prop_oneof![
        3 => op("equals", value.clone()),
        2 => op("not_equals", value),
        2 => op("in", list.clone().boxed()),
        2 => op("not_in", list.boxed()),
        2 => op("exists", any::<bool>().prop_map(Value::Bool).boxed()),
        2 => op("greater_than", ordered.clone()),
        2 => op("greater_than_equal", ordered.clone()),
        2 => op("less_than", ordered.clone()),
        2 => op("less_than_equal", ordered),
        3 => op("like", pools.like(path).prop_map(Value::String).boxed()),
        2 => op("contains", prop_oneof![3 => text.clone(), 1 => non_null.clone()].boxed()),
        2 => op("starts_with", text.clone().boxed()),
        2 => op("ends_with", text.boxed()),
        2 => op("all", non_null_list.boxed()),
    ]
    .boxed()
}

/// Invalid conditions: bad paths, unknown operators, operands of the wrong shape.
const INVALID_WHERE: &[&str] = &[
    r#"{"tags.0": 1}"#,
    r#"{"a..b": 1}"#,
    r#"{"a b": 1}"#,
    r#"{"$where": 1}"#,
    r#"{"": 1}"#,
    r#"{"n": {"regex": "a"}}"#,
    r#"{"n": {}}"#,
    r#"{"n": {"like": 5}}"#,
    r#"{"n": {"exists": "yes"}}"#,
    r#"{"n": {"in": 5}}"#,
    r#"{"n": {"greater_than": true}}"#,
    r#"{"n": {"less_than": null}}"#,
    r#"{"n": {"contains": null}}"#,
    r#"{"n": {"all": [null]}}"#,
    r#"{"n": {"equals": {"a": 1}}}"#,
    r#"{"n": {"in": [[1]]}}"#,
    r#"{"and": {}}"#,
    r#"{"or": [1]}"#,
    r#"{"_meta.title": 1}"#,
    r#"{"s": {"equals": "a\u0000b"}}"#,
    r#"{"publishedAt": {"greater_than": "0000-06-01T00:00:00Z"}}"#,
];

/// Conditions on one path: one operator (or two, ANDed), a bare value (`equals`) or a bare
/// list (`in`).
fn on_path(pools: &Pools, path: &'static str) -> BoxedStrategy<Value> {
    let op = operator(pools, path);
    let ops = prop_oneof![5 => vec(op.clone(), 1..2), 1 => vec(op, 2..3)].prop_map(move |ops| {
        let ops: Map<String, Value> = ops.into_iter().map(|(o, v)| (o.to_owned(), v)).collect();
        json!({ path: ops })
    });
    let value = if COLUMN_PATHS.contains(&path) {
        pools.column_operand(path)
    } else {
        pools.scalar(path)
    };
    prop_oneof![
        8 => ops,
        1 => value.clone().prop_map(move |v| json!({ path: v })),
        1 => vec(value, 0..3).prop_map(move |v| json!({ path: v })),
    ]
    .boxed()
}

fn condition(pools: &Pools) -> BoxedStrategy<Value> {
    let union = |paths: &[&'static str]| {
        proptest::strategy::Union::new(paths.iter().map(|p| on_path(pools, p)))
    };
    prop_oneof![
        45 => union(JSON_PATHS),
        15 => union(COLUMN_PATHS),
        // With the invalid options, about one query in sixteen is invalid.
        1 => select(INVALID_WHERE).prop_map(|w| serde_json::from_str(w).expect("JSON")),
    ]
    .boxed()
}

/// A `where` object: conditions, `and`/`or` (empty ones too), several keys in one object.
pub fn where_clause(pools: &Pools) -> BoxedStrategy<Value> {
    condition(pools)
        .prop_recursive(3, 8, 3, |inner| {
            let items = prop_oneof![10 => vec(inner.clone(), 1..4), 1 => Just(Vec::new())];
            prop_oneof![
                2 => items.clone().prop_map(|v| json!({ "and": v })),
                3 => items.prop_map(|v| json!({ "or": v })),
                1 => vec(inner, 2..3).prop_map(|items| {
                    let mut merged = Map::new();
                    for item in items {
                        if let Value::Object(m) = item {
                            merged.extend(m);
                        }
                    }
                    Value::Object(merged)
                }),
            ]
        })
        .boxed()
}

/// Invalid options: bad limits, pages, sorts, perspectives, keys; nesting beyond 16.
fn invalid_options() -> BoxedStrategy<Value> {
    let mut deep = json!({ "n": 1 });
    for _ in 0..17 {
        deep = json!({ "and": [deep] });
    }
    select(vec![
        json!({ "limit": 0 }),
        json!({ "limit": 1001 }),
        json!({ "page": 0 }),
        json!({ "page": 1, "offset": 1 }),
        json!({ "sort": ["tags.0"] }),
        json!({ "sort": [1] }),
        json!({ "sort": ["n", "s", "m", "b", "title", "name", "k-1", "id", "type"] }),
        json!({ "perspective": "live" }),
        json!({ "bogus": 1 }),
        json!({ "offset": -1 }),
        json!({ "where": deep }),
        json!({ "where": [] }),
    ])
    .boxed()
}

fn sort() -> BoxedStrategy<Option<Value>> {
    let key = |paths: &'static [&'static str]| {
        (select(paths), select(&["", "-", "+"][..])).prop_map(|(p, d)| format!("{d}{p}"))
    };
    let sortable = vec(key(SORT_PATHS), 1..4);
    let composite =
        (key(COMPOSITE_SORT_PATHS), vec(key(SORT_PATHS), 0..2)).prop_map(|(c, rest)| {
            let mut keys = vec![c];
            keys.extend(rest);
            keys
        });
    let keys = prop_oneof![6 => sortable, 1 => composite];
    prop_oneof![
        1 => Just(None),
        6 => keys.clone().prop_map(|k| Some(json!(k))),
        1 => keys.prop_map(|k| Some(Value::String(k.join(",")))),
    ]
    .boxed()
}

/// Find options: type, where, sort, page, perspective, count; about 1 in 25 invalid.
pub fn query(pools: &Pools) -> BoxedStrategy<Query> {
    let doc_type = prop_oneof![
        10 => Just(None),
        5 => Just(Some("post")),
        4 => Just(Some("item")),
        2 => Just(Some("author")),
        1 => Just(Some("nope")),
    ];
    let limit = prop_oneof![
        4 => Just(None),
        4 => (1u64..6).prop_map(Some),
        1 => Just(Some(10)),
        1 => Just(Some(1000)),
    ];
    let skip = prop_oneof![
        6 => Just(None),
        1 => (0u64..12).prop_map(|o| Some(("offset", o))),
        1 => (1u64..5).prop_map(|p| Some(("page", p))),
    ];
    let parts = (
        doc_type,
        weighted(0.85, where_clause(pools)),
        sort(),
        limit,
        skip,
        weighted(0.3, Just("published")),
        weighted(0.15, Just(false)),
        weighted(0.04, invalid_options()),
        any::<bool>(),
    );
    parts
        .prop_map(
            |(doc_type, w, sort, limit, skip, perspective, count, invalid, walk)| {
                let mut o = Map::new();
                let mut put = |k: &str, v: Value| {
                    o.insert(k.to_owned(), v);
                };
                if let Some(t) = doc_type {
                    put("type", json!(t));
                }
                if let Some(w) = w {
                    put("where", w);
                }
                if let Some(s) = sort {
                    put("sort", s);
                }
                if let Some(l) = limit {
                    put("limit", json!(l));
                }
                if let Some((k, v)) = skip {
                    put(k, json!(v));
                }
                if let Some(p) = perspective {
                    put("perspective", json!(p));
                }
                if let Some(c) = count {
                    put("count", json!(c));
                }
                if let Some(Value::Object(bad)) = invalid {
                    o.extend(bad);
                }
                let walk = walk && skip.is_none();
                Query {
                    json: Value::Object(o),
                    walk,
                }
            },
        )
        .boxed()
}
