//! Rows in their canonical form — what a copy moves and what verification compares — and the
//! per-row digest.
//!
//! A [`Row`] is a JSON object keyed by the catalog's column names, with one value form per
//! [`ColumnKind`]: text, numbers, booleans, ISO timestamps (`2026-11-24T19:13:38.694Z`),
//! lowercase hyphenated UUIDs, JSON as itself, `null` for SQL `NULL` (and a missing MongoDB
//! field). Adapters turn their native values into it through [`Cell`] and back, so the form is
//! decided here once.

use chrono::DateTime;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::catalog::{Column, ColumnKind, Table};
use crate::error::{Error, Result};
use crate::model::{Timestamp, to_iso_millis};

/// One row in its canonical form.
pub type Row = Map<String, Value>;

/// The SHA-256 of a row: of its canonical JSON with object keys sorted (recursively, by code
/// point) and numbers as serde_json writes them, so `1` and `1.0` differ.
pub type RowDigest = [u8; 32];

/// One value of a row, typed by its column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// `NULL`.
    Null,
    /// Text or an enum's value.
    Text(&'a str),
    /// An integer (either width).
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A timestamp.
    Timestamp(Timestamp),
    /// A content id.
    Uuid(uuid::Uuid),
    /// JSON.
    Json(&'a Value),
}

impl Cell<'_> {
    /// The canonical form of this value.
    pub fn to_value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Text(s) => Value::String((*s).to_owned()),
            Cell::Int(i) => Value::from(*i),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Timestamp(t) => Value::String(to_iso_millis(t)),
            Cell::Uuid(u) => Value::String(u.to_string()),
            Cell::Json(Value::Null) => Value::Null,
            Cell::Json(v) => (*v).clone(),
        }
    }
}

fn wrong(table: &Table, column: &Column, what: &str) -> Error {
    Error::invalid(
        format!("{}.{}", table.name, column.name),
        format!("expected {what}"),
    )
}

/// The value of `column` in `row` (absent = `NULL`), checked against its kind.
///
/// # Errors
/// [`Error::Validation`] naming `table.column` when the value is not of the column's kind.
pub fn cell<'a>(table: &Table, column: &Column, row: &'a Row) -> Result<Cell<'a>> {
    let Some(v) = row.get(column.name).filter(|v| !v.is_null()) else {
        return Ok(Cell::Null);
    };
    Ok(match column.kind {
        ColumnKind::Text | ColumnKind::Enum(_) => {
            Cell::Text(v.as_str().ok_or_else(|| wrong(table, column, "text"))?)
        }
        ColumnKind::Int => {
            let i = v
                .as_i64()
                .ok_or_else(|| wrong(table, column, "an integer"))?;
            i32::try_from(i).map_err(|_| wrong(table, column, "a 32-bit integer"))?;
            Cell::Int(i)
        }
        ColumnKind::BigInt => Cell::Int(
            v.as_i64()
                .ok_or_else(|| wrong(table, column, "an integer"))?,
        ),
        ColumnKind::Bool => Cell::Bool(
            v.as_bool()
                .ok_or_else(|| wrong(table, column, "a boolean"))?,
        ),
        ColumnKind::Timestamp => {
            let s = v
                .as_str()
                .ok_or_else(|| wrong(table, column, "an ISO timestamp"))?;
            let t = DateTime::parse_from_rfc3339(s)
                .map_err(|_| wrong(table, column, "an ISO timestamp"))?;
            Cell::Timestamp(t.to_utc())
        }
        ColumnKind::Uuid => {
            let s = v.as_str().ok_or_else(|| wrong(table, column, "a UUID"))?;
            Cell::Uuid(uuid::Uuid::parse_str(s).map_err(|_| wrong(table, column, "a UUID"))?)
        }
        ColumnKind::Json => Cell::Json(v),
    })
}

/// The key of `row` in `table`, as text (a UUID lowercase hyphenated).
///
/// # Errors
/// [`Error::Validation`] when the row has no key of the key column's kind.
pub fn key_of(table: &Table, row: &Row) -> Result<String> {
    match cell(table, table.key(), row)? {
        Cell::Text(s) => Ok(s.to_owned()),
        Cell::Uuid(u) => Ok(u.to_string()),
        _ => Err(wrong(table, table.key(), "a key")),
    }
}

/// `v` with every object's keys in code-point order, so that its serialisation does not
/// depend on the order a backend returned them in.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The digest of a canonical row (see [`RowDigest`]).
pub fn row_digest(row: &Row) -> RowDigest {
    let canonical = sorted(&Value::Object(row.clone()));
    Sha256::digest(canonical.to_string().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::copy::TABLES;

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_digest_ignores_key_order_and_keeps_number_forms() {
        let a = row(json!({"a": 1, "b": {"y": [1, {"q": 1, "p": 2}], "x": null}}));
        let b = row(json!({"b": {"x": null, "y": [1, {"p": 2, "q": 1}]}, "a": 1}));
        assert_eq!(row_digest(&a), row_digest(&b));
        assert_ne!(
            row_digest(&a),
            row_digest(&row(
                json!({"a": 1.0, "b": {"x": null, "y": [1, {"p": 2, "q": 1}]}})
            ))
        );
        assert_ne!(row_digest(&a), row_digest(&row(json!({"a": 1}))));
    }

    #[test]
    fn cells_are_checked_against_their_kind() {
        let user = &TABLES[0];
        let ok = row(
            json!({"id": "u1", "email_verified": true, "created_at": "2026-11-24T19:13:38.694Z"}),
        );
        let created = &user.columns[5];
        assert!(matches!(cell(user, created, &ok), Ok(Cell::Timestamp(_))));
        assert_eq!(
            cell(user, created, &ok).map(|c| c.to_value()).ok(),
            Some(json!("2026-11-24T19:13:38.694Z"))
        );
        assert_eq!(cell(user, &user.columns[4], &ok).ok(), Some(Cell::Null));
        let bad = row(json!({"created_at": "yesterday"}));
        let err = cell(user, created, &bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("user.created_at"), "{err}");
        assert_eq!(key_of(user, &ok).ok().as_deref(), Some("u1"));
    }
}
