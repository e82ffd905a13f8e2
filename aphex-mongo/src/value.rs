//! JSON ↔ BSON, and reading the fields of stored documents.
//!
//! Document data is arbitrary JSON, but MongoDB reserves field names that start with `$` or
//! contain `.` (and cannot store NUL in names; empty names are refused by some tools). Keys are
//! therefore escaped reversibly on the way in and restored on the way out, so any JSON object
//! round-trips unchanged: `%` → `%25`, `.` → `%2E`, NUL → `%00`, a leading `$` → `%24`, and the
//! empty key → `%` (which no other key escapes to). Paths of the `where` language only use
//! `[A-Za-z0-9_-]`, which escaping never touches, so queries address the same fields.
//!
//! Numbers: integers are stored as Int64, other numbers as Double; both compare numerically.
//! Timestamps are BSON dates (millisecond precision, like every aphex-rs timestamp).

use std::borrow::Cow;

use chrono::{TimeZone, Utc};
use mongodb::bson::{Bson, DateTime, Document};
use serde_json::{Map, Number, Value};

use aphex_core::model::Timestamp;
use aphex_core::{Error, Result};

use crate::error::malformed;

/// What the empty key is stored as.
const EMPTY_KEY: &str = "%";

fn escape_key(key: &str) -> Cow<'_, str> {
    if key.is_empty() {
        return Cow::Borrowed(EMPTY_KEY);
    }
    let needs = key.starts_with('$') || key.contains(['%', '.', '\0']);
    if !needs {
        return Cow::Borrowed(key);
    }
    let mut out = String::with_capacity(key.len() + 6);
    for (i, c) in key.chars().enumerate() {
        match c {
            '%' => out.push_str("%25"),
            '.' => out.push_str("%2E"),
            '\0' => out.push_str("%00"),
            '$' if i == 0 => out.push_str("%24"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn unescape_key(key: &str) -> Cow<'_, str> {
    if key == EMPTY_KEY {
        return Cow::Borrowed("");
    }
    if !key.contains('%') {
        return Cow::Borrowed(key);
    }
    let mut out = String::with_capacity(key.len());
    let mut rest = key;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3);
        let decoded = match code {
            Some("25") => Some('%'),
            Some("2E") => Some('.'),
            Some("00") => Some('\0'),
            Some("24") => Some('$'),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[i + 3..];
            }
            None => {
                // Not written by us (a key stored by another tool): keep it as it is.
                out.push('%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// JSON data → BSON, keys escaped.
pub(crate) fn to_bson(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Bson::Int64(i),
            None => Bson::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(to_bson).collect()),
        Value::Object(map) => Bson::Document(to_document(map)),
    }
}

/// A JSON object → a BSON document, keys escaped.
pub(crate) fn to_document(map: &Map<String, Value>) -> Document {
    map.iter()
        .map(|(k, v)| (escape_key(k).into_owned(), to_bson(v)))
        .collect()
}

/// BSON written by [`to_bson`] → JSON, keys restored.
pub(crate) fn to_json(b: &Bson) -> Result<Value> {
    Ok(match b {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(v) => Value::Bool(*v),
        Bson::Int32(i) => Value::from(*i),
        Bson::Int64(i) => Value::from(*i),
        Bson::Double(f) => Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| Error::backend("mongodb", format!("non-finite number {f} in data")))?,
        Bson::String(s) => Value::String(s.clone()),
        Bson::Array(items) => Value::Array(items.iter().map(to_json).collect::<Result<_>>()?),
        Bson::Document(d) => Value::Object(
            d.iter()
                .map(|(k, v)| Ok((unescape_key(k).into_owned(), to_json(v)?)))
                .collect::<Result<_>>()?,
        ),
        other => {
            return Err(Error::backend(
                "mongodb",
                format!("unexpected BSON value {other} in JSON data"),
            ));
        }
    })
}

/// A timestamp as a BSON date.
pub(crate) fn date(t: Timestamp) -> Bson {
    Bson::DateTime(DateTime::from_millis(t.timestamp_millis()))
}

/// An optional timestamp as a BSON date or null.
pub(crate) fn opt_date(t: Option<Timestamp>) -> Bson {
    t.map_or(Bson::Null, date)
}

/// An optional value as BSON (null when absent).
pub(crate) fn opt<T: Into<Bson>>(v: Option<T>) -> Bson {
    v.map_or(Bson::Null, Into::into)
}

/// Typed access to the fields of a stored document; a wrong shape is a clear backend error.
pub(crate) struct Fields<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) collection: &'static str,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(doc: &'a Document, collection: &'static str) -> Self {
        Fields { doc, collection }
    }

    fn get(&self, key: &str) -> Option<&'a Bson> {
        match self.doc.get(key) {
            None | Some(Bson::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn wrong(&self, key: &str, expected: &str) -> Error {
        malformed(self.collection, format!("`{key}` is not {expected}"))
    }

    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Bson::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    pub(crate) fn str(&self, key: &str) -> Result<String> {
        self.opt_str(key)?.ok_or_else(|| self.wrong(key, "present"))
    }

    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Bson::Int32(i)) => Ok(Some(i64::from(*i))),
            Some(Bson::Int64(i)) => Ok(Some(*i)),
            Some(Bson::Double(f)) if f.fract() == 0.0 => Ok(Some(*f as i64)),
            Some(_) => Err(self.wrong(key, "an integer")),
        }
    }

    pub(crate) fn i64(&self, key: &str) -> Result<i64> {
        self.opt_i64(key)?.ok_or_else(|| self.wrong(key, "present"))
    }

    pub(crate) fn opt_i32(&self, key: &str) -> Result<Option<i32>> {
        self.opt_i64(key)?
            .map(|v| i32::try_from(v).map_err(|_| self.wrong(key, "a 32-bit integer")))
            .transpose()
    }

    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Bson::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(key, "a boolean")),
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool> {
        self.opt_bool(key)?
            .ok_or_else(|| self.wrong(key, "present"))
    }

    pub(crate) fn opt_date(&self, key: &str) -> Result<Option<Timestamp>> {
        match self.get(key) {
            None => Ok(None),
            Some(Bson::DateTime(d)) => Utc
                .timestamp_millis_opt(d.timestamp_millis())
                .single()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a valid date")),
            Some(_) => Err(self.wrong(key, "a date")),
        }
    }

    pub(crate) fn date(&self, key: &str) -> Result<Timestamp> {
        self.opt_date(key)?
            .ok_or_else(|| self.wrong(key, "present"))
    }

    pub(crate) fn opt_json(&self, key: &str) -> Result<Option<Value>> {
        self.get(key).map(to_json).transpose()
    }

    pub(crate) fn json(&self, key: &str) -> Result<Value> {
        Ok(self.opt_json(key)?.unwrap_or(Value::Null))
    }

    pub(crate) fn uuid(&self, key: &str) -> Result<uuid::Uuid> {
        let s = self.str(key)?;
        uuid::Uuid::parse_str(&s).map_err(|_| self.wrong(key, "a UUID"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reserved_keys_round_trip() {
        let data = json!({
            "$gt": {"$where": "x", "a.b": [{"%": 1, "50%.off": 2}]},
            "plain": "$not a key",
            "mid$dle": true,
            "%2E": "looks escaped",
            "nul\u{0}key": null,
            "": "empty",
            "%": "lone percent"
        });
        let bson = to_bson(&data);
        let Bson::Document(doc) = &bson else {
            panic!("a document")
        };
        for key in doc.keys() {
            assert!(
                !key.is_empty() && !key.starts_with('$') && !key.contains(['.', '\0']),
                "{key}"
            );
        }
        assert_eq!(to_json(&bson).expect("decodes"), data);
    }

    #[test]
    fn numbers_keep_their_kind() {
        let data = json!([1, -7, 9007199254740993i64, 1.5, 1.0, 1e300]);
        assert_eq!(to_json(&to_bson(&data)).expect("decodes"), data);
    }
}
