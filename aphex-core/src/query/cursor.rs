//! Keyset pages: the opaque cursor a page hands out ([`FindResult::next_cursor`]) and takes back
//! ([`FindOptions::after`]), and the condition "after this position in the sort order" it turns
//! into.
//!
//! A cursor holds the sort key values of a page's last document (the final `id` included) and a
//! fingerprint of the sort it belongs to. The next page is the documents that sort after those
//! values — a condition on the sort keys, not a number of rows to skip, so page 1000 costs what
//! page 1 costs (with an index on the first sort key), and documents inserted or deleted
//! elsewhere in the order do not shift the pages: a document is never returned twice, and none
//! that existed throughout is skipped.
//!
//! The condition ([`Keyset::filter`]) is built here, once, from the operators every compiler
//! already implements, so it means the same on every backend: for each sort key, "equal on the
//! keys before it and beyond it on this one", where "beyond" follows the sort's own order —
//! missing/null first ascending, then numbers, strings, objects, arrays, booleans, each type by
//! value (objects and arrays tie within their type). The keys' raw values ([`Keyset::values`])
//! also go to the stores, which may add a condition an index can seek with.
//!
//! [`FindResult::next_cursor`]: super::FindResult::next_cursor
//! [`FindOptions::after`]: super::FindOptions::after

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Perspective;
use super::filter::{Column, ColumnKind, Field, Filter, JsonType, Op, Operand, SortKey};
use crate::error::{Error, Result};
use crate::model::Document;

/// The value of one sort key at a keyset position.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KeyValue {
    /// A column's value (`None`: NULL).
    Column(Option<Operand>),
    /// A JSON path's value: its type (`None`: missing or `null`) and, for numbers, strings and
    /// booleans, the value. Objects and arrays tie within their type.
    Json {
        /// The value's JSON type.
        kind: Option<JsonType>,
        /// The value, for a number, string or boolean.
        value: Option<Operand>,
    },
}

/// A keyset position: where a page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyset {
    /// One value per sort key of the query (the last is the `id`).
    pub values: Vec<KeyValue>,
    /// The documents after the position, in the sort's order: the condition the stores AND
    /// into the page's filter (not into its count).
    pub filter: Filter,
}

/// The cursor as it travels (JSON, then base64url): version, sort fingerprint, key values.
#[derive(Serialize, Deserialize)]
struct Encoded {
    v: u8,
    s: String,
    k: Vec<Stored>,
}

/// One key value, tagged.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Stored {
    Null,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// Milliseconds since the epoch.
    Ts(i64),
    Uuid(Uuid),
    Object,
    Array,
}

/// A fingerprint of a sort (and perspective): a cursor only continues the sort it came from.
fn fingerprint(sort: &[SortKey], perspective: Perspective) -> String {
    let mut text = format!("{perspective:?}");
    for key in sort {
        let field = match &key.field {
            Field::Column(c) => format!("{c:?}"),
            Field::Json(j) => format!("{:?}:{}", j.column, j.path.join(".")),
        };
        text.push_str(&format!(
            "|{}{field}",
            if key.descending { "-" } else { "+" }
        ));
    }
    hex::encode(&Sha256::digest(text.as_bytes())[..6])
}

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid_query("after", reason)
}

/// The cursor of the position of `doc` in `sort` (what the next page starts after).
pub(crate) fn encode(doc: &Document, sort: &[SortKey], perspective: Perspective) -> String {
    let k = sort
        .iter()
        .map(|key| store(&key_value(doc, &key.field, perspective)))
        .collect();
    let encoded = Encoded {
        v: 1,
        s: fingerprint(sort, perspective),
        k,
    };
    // Serialising these plain types cannot fail.
    let json = serde_json::to_vec(&encoded).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The keyset position a cursor names, checked against the query's sort.
///
/// # Errors
/// [`Error::InvalidQuery`] at `after` for a malformed cursor or one of another sort.
pub(crate) fn decode(cursor: &str, sort: &[SortKey], perspective: Perspective) -> Result<Keyset> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| bad("not a cursor of this API"))?;
    let encoded: Encoded =
        serde_json::from_slice(&bytes).map_err(|_| bad("not a cursor of this API"))?;
    if encoded.v != 1 {
        return Err(bad("a cursor of another version"));
    }
    if encoded.s != fingerprint(sort, perspective) || encoded.k.len() != sort.len() {
        return Err(bad(
            "the cursor belongs to another sort or perspective: page with the options it came from",
        ));
    }
    let values = sort
        .iter()
        .zip(encoded.k)
        .map(|(key, stored)| restore(&key.field, stored))
        .collect::<Result<Vec<_>>>()?;
    let filter = after(sort, &values);
    Ok(Keyset { values, filter })
}

fn store(value: &KeyValue) -> Stored {
    let operand = |o: &Operand| match o {
        Operand::Bool(b) => Stored::Bool(*b),
        Operand::Int(i) => Stored::Int(*i),
        Operand::Float(f) => Stored::Float(*f),
        Operand::String(s) => Stored::Str(s.clone()),
        Operand::Timestamp(t) => Stored::Ts(t.timestamp_millis()),
        Operand::Uuid(u) => Stored::Uuid(*u),
    };
    match value {
        KeyValue::Column(None) | KeyValue::Json { kind: None, .. } => Stored::Null,
        KeyValue::Column(Some(o)) | KeyValue::Json { value: Some(o), .. } => operand(o),
        KeyValue::Json {
            kind: Some(JsonType::Array),
            ..
        } => Stored::Array,
        KeyValue::Json { .. } => Stored::Object,
    }
}

fn restore(field: &Field, stored: Stored) -> Result<KeyValue> {
    let mismatch = || bad("the cursor does not fit the sort");
    match field {
        Field::Json(_) => Ok(match stored {
            Stored::Null => KeyValue::Json {
                kind: None,
                value: None,
            },
            Stored::Object => KeyValue::Json {
                kind: Some(JsonType::Object),
                value: None,
            },
            Stored::Array => KeyValue::Json {
                kind: Some(JsonType::Array),
                value: None,
            },
            Stored::Int(i) => json(JsonType::Number, Operand::Int(i)),
            Stored::Float(f) if f.is_finite() => json(JsonType::Number, Operand::Float(f)),
            Stored::Str(s) => json(JsonType::String, Operand::String(s)),
            Stored::Bool(b) => json(JsonType::Boolean, Operand::Bool(b)),
            _ => return Err(mismatch()),
        }),
        Field::Column(c) => {
            let operand = match (c.kind(), stored) {
                (_, Stored::Null) if c.nullable() => None,
                (ColumnKind::Uuid, Stored::Uuid(u)) => Some(Operand::Uuid(u)),
                (ColumnKind::Text, Stored::Str(s)) => Some(Operand::String(s)),
                (ColumnKind::Integer, Stored::Int(i)) => Some(Operand::Int(i)),
                (ColumnKind::Timestamp, Stored::Ts(ms)) => Some(Operand::Timestamp(
                    chrono::DateTime::from_timestamp_millis(ms).ok_or_else(mismatch)?,
                )),
                _ => return Err(mismatch()),
            };
            Ok(KeyValue::Column(operand))
        }
    }
}

fn json(kind: JsonType, value: Operand) -> KeyValue {
    KeyValue::Json {
        kind: Some(kind),
        value: Some(value),
    }
}

/// The value of one sort key for `doc`, as the database sorts it.
fn key_value(doc: &Document, field: &Field, perspective: Perspective) -> KeyValue {
    match field {
        Field::Column(c) => KeyValue::Column(column_value(doc, *c)),
        Field::Json(j) => {
            let mut at = doc.data(perspective);
            for key in &j.path {
                at = at.and_then(|v| v.as_object()).and_then(|o| o.get(key));
            }
            match at {
                None | Some(Value::Null) => KeyValue::Json {
                    kind: None,
                    value: None,
                },
                Some(Value::Bool(b)) => json(JsonType::Boolean, Operand::Bool(*b)),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => json(JsonType::Number, Operand::Int(i)),
                    None => json(
                        JsonType::Number,
                        Operand::Float(n.as_f64().unwrap_or_default()),
                    ),
                },
                Some(Value::String(s)) => json(JsonType::String, Operand::String(s.clone())),
                Some(Value::Array(_)) => KeyValue::Json {
                    kind: Some(JsonType::Array),
                    value: None,
                },
                Some(Value::Object(_)) => KeyValue::Json {
                    kind: Some(JsonType::Object),
                    value: None,
                },
            }
        }
    }
}

fn column_value(doc: &Document, column: Column) -> Option<Operand> {
    let text = |s: &Option<String>| s.clone().map(Operand::String);
    match column {
        Column::Id => Some(Operand::Uuid(doc.id)),
        Column::Type => Some(Operand::String(doc.doc_type.clone())),
        Column::Status => Some(Operand::String(doc.status.as_str().to_owned())),
        Column::Revision => Some(Operand::Int(doc.revision)),
        Column::CreatedAt => Some(Operand::Timestamp(doc.created_at)),
        Column::UpdatedAt => Some(Operand::Timestamp(doc.updated_at)),
        Column::PublishedAt => doc.published_at.map(Operand::Timestamp),
        Column::CreatedBy => text(&doc.created_by),
        Column::UpdatedBy => text(&doc.updated_by),
        _ => None,
    }
}

/// The documents after `values` in `sort`: for each key `i`, the keys before it equal and key
/// `i` beyond its value.
fn after(sort: &[SortKey], values: &[KeyValue]) -> Filter {
    let mut branches = Vec::with_capacity(sort.len());
    let mut equal_before: Vec<Filter> = Vec::new();
    for (key, value) in sort.iter().zip(values) {
        let mut branch = equal_before.clone();
        branch.push(beyond(&key.field, value, key.descending));
        branches.push(Filter::and(branch));
        equal_before.push(equal(&key.field, value));
    }
    Filter::or(branches)
}

fn cond(field: &Field, op: Op) -> Filter {
    Filter::Cond(field.clone(), op)
}

/// The key is missing or null (never, for a column that cannot be NULL).
fn missing(field: &Field) -> Filter {
    match field {
        Field::Column(c) if !c.nullable() => Filter::False,
        _ => Filter::negate(cond(field, Op::Exists)),
    }
}

/// The key holds exactly `value` (as the sort compares: objects equal objects).
fn equal(field: &Field, value: &KeyValue) -> Filter {
    match value {
        KeyValue::Column(None) | KeyValue::Json { kind: None, .. } => missing(field),
        KeyValue::Column(Some(o)) | KeyValue::Json { value: Some(o), .. } => {
            cond(field, Op::Eq(o.clone()))
        }
        KeyValue::Json { kind: Some(k), .. } => cond(field, Op::TypeIn(vec![*k])),
    }
}

/// The key sorts after `value` in the key's direction.
fn beyond(field: &Field, value: &KeyValue, descending: bool) -> Filter {
    match value {
        KeyValue::Column(None) => {
            // NULL sorts first ascending, last descending.
            if descending {
                Filter::False
            } else {
                cond(field, Op::Exists)
            }
        }
        KeyValue::Column(Some(o)) => {
            if descending {
                Filter::or(vec![cond(field, Op::Lt(o.clone())), missing(field)])
            } else {
                cond(field, Op::Gt(o.clone()))
            }
        }
        KeyValue::Json { kind, value } => {
            let rank = kind.map_or(0, JsonType::rank);
            let types = |keep: &dyn Fn(u8) -> bool| -> Vec<JsonType> {
                JsonType::ALL
                    .into_iter()
                    .filter(|t| keep(t.rank()))
                    .collect()
            };
            let other_types = if descending {
                types(&|r| r < rank)
            } else {
                types(&|r| r > rank)
            };
            let mut any = Vec::new();
            if !other_types.is_empty() {
                any.push(cond(field, Op::TypeIn(other_types)));
            }
            if descending && rank > 0 {
                any.push(missing(field));
            }
            match value {
                // Booleans: false < true.
                Some(Operand::Bool(b)) if *b == descending => {
                    any.push(cond(field, Op::Eq(Operand::Bool(!b))));
                }
                Some(Operand::Bool(_)) => {}
                Some(o) if descending => any.push(cond(field, Op::Lt(o.clone()))),
                Some(o) => any.push(cond(field, Op::Gt(o.clone()))),
                None => {}
            }
            Filter::or(any)
        }
    }
}
