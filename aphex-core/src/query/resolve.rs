//! Resolution of a [`Where`] tree against a target: paths are checked and mapped to columns or
//! JSON paths, operands are coerced to the field's type, negations become [`Filter::Not`].
//! Everything here runs before the database is contacted.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use super::filter::{
    Column, ColumnKind, Field, Filter, JsonColumn, JsonField, Op, Operand, SortKey,
};
use super::where_clause::{Operator, Scalar, Where};
use super::{MAX_IN_VALUES, MAX_NESTING, MAX_PATH_LEN, MAX_SORT_KEYS, Paging, Perspective};
use crate::error::{Error, Result};
use crate::model::{DocumentStatus, truncate_to_millis};

/// The `where` path of the reference index: `{"_references": "<id>"}` matches the documents
/// whose data (in the query's perspective) refers to that document or asset.
pub const REFERENCES_PATH: &str = "_references";

/// What a query runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `cms_documents`; JSON paths go into the perspective's data column.
    Documents(Perspective),
    /// `cms_assets`; JSON paths must start with `metadata`.
    Assets,
}

/// A fully resolved list query, as the stores receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Rows to return (and to count).
    pub filter: Filter,
    /// Order; always ends with `id`.
    pub sort: Vec<SortKey>,
    /// The page.
    pub paging: Paging,
    /// A keyset page: the rows must also be after this position (its `filter`), which the
    /// count ignores.
    pub after: Option<super::Keyset>,
    /// Whether the store counts the rows matching `filter` ([`Page::total`](super::Page); 0
    /// when not).
    pub count: bool,
}

impl ListQuery {
    /// How many rows the store fetches: the page, and one more when the caller learns from it
    /// whether a next page exists (a keyset page, or a page without a count).
    pub fn fetch_limit(&self) -> u64 {
        self.paging.limit() + u64::from(self.peeks())
    }

    /// Whether one row more than the page is fetched (see [`fetch_limit`](Self::fetch_limit)).
    pub fn peeks(&self) -> bool {
        self.after.is_some() || !self.count
    }

    /// The filter of the rows of the page: [`filter`](Self::filter) and, for a keyset page,
    /// its position.
    pub fn page_filter(&self) -> Filter {
        match &self.after {
            Some(after) => Filter::and(vec![self.filter.clone(), after.filter.clone()]),
            None => self.filter.clone(),
        }
    }
}

impl Target {
    /// Maps a path to a field.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for an illegal or unknown path.
    pub fn field(self, path: &str) -> Result<Field> {
        let segments = split_path(path)?;
        match self {
            Target::Documents(perspective) => {
                if segments == [REFERENCES_PATH] {
                    return Ok(Field::Column(match perspective {
                        Perspective::Draft => Column::DraftReferences,
                        Perspective::Published => Column::PublishedReferences,
                    }));
                }
                let (columns_only, segments) = match segments.split_first() {
                    Some((&"_meta", rest)) if !rest.is_empty() => (true, rest),
                    _ => (false, segments.as_slice()),
                };
                if let [single] = segments
                    && let Some(col) = lookup(Column::DOCUMENT, single)
                {
                    return Ok(Field::Column(col));
                }
                if columns_only {
                    return Err(Error::invalid_query(path, "unknown `_meta` field"));
                }
                let column = match perspective {
                    Perspective::Draft => JsonColumn::DraftData,
                    Perspective::Published => JsonColumn::PublishedData,
                };
                Ok(json_field(column, segments))
            }
            Target::Assets => {
                if let [single] = segments.as_slice()
                    && let Some(col) = lookup(Column::ASSET, single)
                {
                    return Ok(Field::Column(col));
                }
                match segments.as_slice() {
                    ["metadata", rest @ ..] => Ok(json_field(JsonColumn::Metadata, rest)),
                    _ => Err(Error::invalid_query(path, "unknown asset field")),
                }
            }
        }
    }

    /// Resolves a `where` tree.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming the offending path.
    pub fn resolve(self, w: &Where) -> Result<Filter> {
        self.resolve_at(w, 0)
    }

    fn resolve_at(self, w: &Where, nesting: usize) -> Result<Filter> {
        let children = |items: &[Where], name: &str| -> Result<Vec<Filter>> {
            if nesting >= MAX_NESTING {
                return Err(Error::invalid_query(
                    name,
                    format!("nesting deeper than {MAX_NESTING} levels"),
                ));
            }
            items
                .iter()
                .map(|c| self.resolve_at(c, nesting + 1))
                .collect()
        };
        Ok(match w {
            Where::And(items) => Filter::and(children(items, "and")?),
            Where::Or(items) => Filter::or(children(items, "or")?),
            Where::Condition { path, op } => resolve_condition(path, self.field(path)?, op)?,
        })
    }

    /// Parses sort keys (`"-updatedAt"`, `"title"`, `"author.name"`), defaulting to
    /// `-updatedAt`, and appends `id` as the final tiebreaker, in the last key's direction (so
    /// one index on a key and `id`, read forwards or backwards, gives the whole order).
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for an illegal path or too many keys.
    pub fn sort(self, keys: &[String]) -> Result<Vec<SortKey>> {
        if keys.len() > MAX_SORT_KEYS {
            return Err(Error::invalid_query(
                "sort",
                format!("at most {MAX_SORT_KEYS} sort keys"),
            ));
        }
        let mut out = Vec::with_capacity(keys.len() + 1);
        for key in keys {
            let (descending, path) = match key.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, key.strip_prefix('+').unwrap_or(key)),
            };
            let field = self.field(path)?;
            if matches!(field, Field::Column(c) if c.is_references()) {
                return Err(Error::invalid_query(
                    path,
                    "the reference index cannot be sorted on",
                ));
            }
            out.push(SortKey { field, descending });
        }
        if out.is_empty() {
            out.push(SortKey {
                field: Field::Column(Column::UpdatedAt),
                descending: true,
            });
        }
        if !out.iter().any(|k| k.field == Field::Column(Column::Id)) {
            let descending = out.last().is_some_and(|k| k.descending);
            out.push(SortKey {
                field: Field::Column(Column::Id),
                descending,
            });
        }
        Ok(out)
    }
}

fn lookup(table: &[(&str, Column)], name: &str) -> Option<Column> {
    table.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

fn json_field(column: JsonColumn, segments: &[&str]) -> Field {
    Field::Json(JsonField {
        column,
        path: segments.iter().map(|s| s.to_string()).collect(),
        indexed: None,
    })
}

/// Splits and checks a dot path: `[A-Za-z0-9_.-]`, no empty segments, no all-digit segments
/// (array positions are not addressable: they would mean different things on each backend).
fn split_path(path: &str) -> Result<Vec<&str>> {
    if path.is_empty() {
        return Err(Error::invalid_query(path, "empty path"));
    }
    if path.len() > MAX_PATH_LEN {
        return Err(Error::invalid_query(
            path,
            format!("path longer than {MAX_PATH_LEN} characters"),
        ));
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(Error::invalid_query(
            path,
            format!("illegal character {c:?} in path (allowed: A-Z a-z 0-9 _ . -)"),
        ));
    }
    let segments: Vec<&str> = path.split('.').collect();
    for s in &segments {
        if s.is_empty() {
            return Err(Error::invalid_query(path, "empty path segment"));
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_query(
                path,
                "numeric path segments (array positions) are not supported",
            ));
        }
    }
    Ok(segments)
}

fn resolve_condition(path: &str, field: Field, op: &Operator) -> Result<Filter> {
    check_operands(path, op)?;
    if matches!(field, Field::Column(c) if c.is_references())
        && !matches!(
            op,
            Operator::Equals(_) | Operator::NotEquals(_) | Operator::In(_) | Operator::NotIn(_)
        )
    {
        return Err(Error::invalid_query(
            path,
            "the reference index takes `equals`, `not_equals`, `in` and `not_in` (ids)",
        ));
    }
    let cond = |op: Op| Filter::Cond(field.clone(), op);
    let coerce_one = |s: &Scalar| coerce(path, &field, s);
    Ok(match op {
        Operator::Equals(Scalar::Null) => Filter::negate(exists(&field)),
        Operator::NotEquals(Scalar::Null) => exists(&field),
        Operator::Equals(s) => {
            coerce_eq(path, &field, s)?.map_or(Filter::False, |o| cond(Op::Eq(o)))
        }
        Operator::NotEquals(s) => {
            Filter::negate(coerce_eq(path, &field, s)?.map_or(Filter::False, |o| cond(Op::Eq(o))))
        }
        Operator::In(list) => resolve_in(path, &field, list)?,
        Operator::NotIn(list) => Filter::negate(resolve_in(path, &field, list)?),
        Operator::Exists(true) => exists(&field),
        Operator::Exists(false) => Filter::negate(exists(&field)),
        Operator::GreaterThan(s) => coerce_one(s)?.map_or(Filter::False, |o| cond(Op::Gt(o))),
        Operator::GreaterThanEqual(s) => coerce_one(s)?.map_or(Filter::False, |o| cond(Op::Gte(o))),
        Operator::LessThan(s) => coerce_one(s)?.map_or(Filter::False, |o| cond(Op::Lt(o))),
        Operator::LessThanEqual(s) => coerce_one(s)?.map_or(Filter::False, |o| cond(Op::Lte(o))),
        Operator::Like(p) => text_op(&field, || Op::Like(p.clone())),
        Operator::StartsWith(p) => text_op(&field, || Op::StartsWith(p.clone())),
        Operator::EndsWith(p) => text_op(&field, || Op::EndsWith(p.clone())),
        Operator::Contains(s) => match (&field, s) {
            (Field::Json(_), _) => coerce_one(s)?.map_or(Filter::False, |o| cond(Op::Contains(o))),
            (Field::Column(_), Scalar::String(text)) => {
                text_op(&field, || Op::Contains(Operand::String(text.clone())))
            }
            (Field::Column(_), _) => Filter::False,
        },
        Operator::All(list) => {
            check_list_len(path, list.len())?;
            match &field {
                // Columns never hold arrays.
                Field::Column(_) => Filter::False,
                Field::Json(_) if list.is_empty() => Filter::False,
                Field::Json(_) => {
                    let operands: Option<Vec<Operand>> = list
                        .iter()
                        .map(coerce_one)
                        .collect::<Result<Vec<_>>>()?
                        .into_iter()
                        .collect();
                    operands.map_or(Filter::False, |ops| cond(Op::All(ops)))
                }
            }
        }
    })
}

/// Operands no backend could bind identically are refused before anything else: strings with
/// a NUL character (PostgreSQL cannot hold one in `text` or `jsonb`, so nothing stored can
/// contain it) and numbers that are not finite (JSON has none; the builders could make one).
fn check_operands(path: &str, op: &Operator) -> Result<()> {
    let check = |s: &Scalar| match s {
        Scalar::String(v) => check_text(path, v),
        Scalar::Float(f) if !f.is_finite() => Err(Error::invalid_query(
            path,
            "numbers must be finite (no NaN or infinity)",
        )),
        _ => Ok(()),
    };
    match op {
        Operator::Equals(s)
        | Operator::NotEquals(s)
        | Operator::GreaterThan(s)
        | Operator::GreaterThanEqual(s)
        | Operator::LessThan(s)
        | Operator::LessThanEqual(s)
        | Operator::Contains(s) => check(s),
        Operator::In(l) | Operator::NotIn(l) | Operator::All(l) => l.iter().try_for_each(check),
        Operator::Like(p) | Operator::StartsWith(p) | Operator::EndsWith(p) => check_text(path, p),
        Operator::Exists(_) => Ok(()),
    }
}

fn check_text(path: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid_query(
            path,
            "strings must not contain a NUL character (U+0000)",
        ));
    }
    Ok(())
}

fn check_list_len(path: &str, len: usize) -> Result<()> {
    if len > MAX_IN_VALUES {
        return Err(Error::invalid_query(
            path,
            format!("at most {MAX_IN_VALUES} values"),
        ));
    }
    Ok(())
}

fn resolve_in(path: &str, field: &Field, list: &[Scalar]) -> Result<Filter> {
    check_list_len(path, list.len())?;
    let with_null = list.contains(&Scalar::Null);
    let mut operands = Vec::with_capacity(list.len());
    for s in list.iter().filter(|s| **s != Scalar::Null) {
        if let Some(o) = coerce_eq(path, field, s)? {
            operands.push(o);
        }
    }
    let matches_values = if operands.is_empty() {
        Filter::False
    } else {
        Filter::Cond(field.clone(), Op::In(operands))
    };
    Ok(if with_null {
        Filter::or(vec![Filter::negate(exists(field)), matches_values])
    } else {
        matches_values
    })
}

fn exists(field: &Field) -> Filter {
    match field {
        Field::Column(c) if !c.nullable() => Filter::True,
        _ => Filter::Cond(field.clone(), Op::Exists),
    }
}

/// String operators apply to text columns and JSON values only.
fn text_op(field: &Field, op: impl FnOnce() -> Op) -> Filter {
    match field {
        Field::Column(c) if c.kind() != ColumnKind::Text => Filter::False,
        _ => Filter::Cond(field.clone(), op()),
    }
}

/// Like [`coerce`], but an equality on `status` only accepts real statuses (PostgreSQL's enum
/// type would reject any other string).
fn coerce_eq(path: &str, field: &Field, s: &Scalar) -> Result<Option<Operand>> {
    match (field, s) {
        (Field::Column(Column::Status), Scalar::String(v))
            if DocumentStatus::parse(v).is_none() =>
        {
            Ok(None)
        }
        _ => coerce(path, field, s),
    }
}

/// Coerces an operand to the field's type; `Ok(None)` is a type mismatch (the condition is
/// false).
///
/// # Errors
/// [`Error::InvalidQuery`] for a timestamp outside the years 1 to 9999, which not every
/// backend can store or compare (PostgreSQL's range ends in 294276, ISO text order breaks
/// beyond 9999).
fn coerce(path: &str, field: &Field, s: &Scalar) -> Result<Option<Operand>> {
    let kind = match field {
        Field::Json(_) => {
            return Ok(match s {
                Scalar::Null => None,
                Scalar::Bool(b) => Some(Operand::Bool(*b)),
                Scalar::Int(i) => Some(Operand::Int(*i)),
                Scalar::Float(f) => Some(Operand::Float(*f)),
                Scalar::String(v) => Some(Operand::String(v.clone())),
            });
        }
        Field::Column(c) => c.kind(),
    };
    Ok(match (kind, s) {
        (ColumnKind::Text, Scalar::String(v)) => Some(Operand::String(v.clone())),
        (ColumnKind::Integer, Scalar::Int(i)) => Some(Operand::Int(*i)),
        (ColumnKind::Integer, Scalar::Float(f)) => Some(Operand::Float(*f)),
        (ColumnKind::Timestamp, Scalar::String(v)) => match parse_timestamp(v) {
            Some(t) if (1..=9999).contains(&t.year()) => {
                Some(Operand::Timestamp(truncate_to_millis(t)))
            }
            Some(_) => {
                return Err(Error::invalid_query(
                    path,
                    "timestamps must be between the years 1 and 9999",
                ));
            }
            None => None,
        },
        (ColumnKind::Uuid, Scalar::String(v)) => Uuid::parse_str(v).ok().map(Operand::Uuid),
        _ => None,
    })
}

/// Timestamps are stored with millisecond precision, so operands are truncated to milliseconds.
/// Accepts RFC 3339 (`2026-11-24T19:13:38.694Z`), a local date-time taken as UTC
/// (`2026-11-24T19:13:38`) or a date (`2026-11-24`, midnight UTC).
pub fn parse_timestamp(v: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}
