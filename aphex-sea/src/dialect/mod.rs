//! Everything that differs between PostgreSQL and SQLite, in one place.
//!
//! Nothing else in aphex-sea branches on the backend. The rest of the crate builds one sea-query
//! AST; this module supplies the dialect-specific pieces: how a JSON path is read (jsonb operators
//! vs `json_extract`/`json_type`), how strings are matched and ordered, and how values are bound
//! (SQLite stores UUIDs and timestamps as text).

mod index;
mod json;
mod references;

use sea_orm::sea_query::{BinOper, Expr, ExprTrait, LikeExpr};
use sea_orm::{DbBackend, Statement, Value};

use aphex_core::Error;
use aphex_core::model::to_iso_millis;
use aphex_core::query::{IndexKind, Operand};

pub(crate) use json::{Cmp, JsonPath, literal};
pub(crate) use references::{pg_uuid_array, references_column};

use crate::where_sql::operand_value;

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL: `uuid`, `jsonb`, `timestamptz`, enum types.
    Postgres,
    /// SQLite: TEXT ids and ISO timestamps, JSON text with the JSON1 functions.
    Sqlite,
}

/// The SQLite ISO timestamp form (what Better Auth and `Date.prototype.toISOString` write).
fn iso(t: &chrono::DateTime<chrono::Utc>) -> String {
    to_iso_millis(t)
}

/// JSON as text (serialising a `serde_json::Value` cannot fail: its keys are strings).
pub(crate) fn json_text(j: &serde_json::Value) -> String {
    j.to_string()
}

impl Dialect {
    /// The dialect of a SeaORM backend.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for MySQL.
    pub fn of(backend: DbBackend) -> Result<Dialect, Error> {
        match backend {
            DbBackend::Postgres => Ok(Dialect::Postgres),
            DbBackend::Sqlite => Ok(Dialect::Sqlite),
            _ => Err(Error::Unsupported {
                backend: "sea-orm",
                operation: "backends other than PostgreSQL and SQLite",
            }),
        }
    }

    /// The backend name used in errors: `postgres` or `sqlite`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Rewrites bound values into the form the column stores: on SQLite, UUIDs become lowercase
    /// hyphenated text and timestamps `2026-11-24T19:13:38.694Z` (so text order is time order
    /// and Better Auth reads them back), and JSON its text — exactly what sqlx's `Json` encoder
    /// would write, but done here once: SeaORM copies every bound value before handing it to
    /// sqlx, and copying a string is far cheaper than copying a JSON tree (see
    /// `docs/BENCHMARKS.md`). PostgreSQL binds them natively.
    pub fn bind(self, mut stmt: Statement) -> Statement {
        if self == Dialect::Sqlite
            && let Some(values) = stmt.values.as_mut()
        {
            for v in values.0.iter_mut() {
                match v {
                    Value::Uuid(u) => *v = Value::String(u.map(|u| u.to_string())),
                    Value::ChronoDateTimeUtc(t) => *v = Value::String(t.as_ref().map(iso)),
                    Value::Json(j) => *v = Value::String(j.as_deref().map(json_text)),
                    _ => {}
                }
            }
        }
        stmt
    }

    /// A JSON document to write into a JSON column, bound as its text (PostgreSQL casts it to
    /// `jsonb`). Serialised once, here: a `serde_json::Value` parameter would be copied as a
    /// whole tree by the query builder and again by SeaORM before sqlx serialises it anyway.
    pub(crate) fn json_param(self, value: &serde_json::Value) -> Expr {
        let text = Expr::val(json_text(value));
        match self {
            Dialect::Postgres => text.cast_as("jsonb"),
            Dialect::Sqlite => text,
        }
    }

    /// A value inside a JSON column; `indexed` when a field index of the query's type holds
    /// values of that kind at this path.
    pub(crate) fn json(
        self,
        column: Expr,
        path: &[String],
        indexed: Option<IndexKind>,
    ) -> JsonPath {
        JsonPath {
            dialect: self,
            column,
            path: path.to_vec(),
            indexed,
        }
    }

    /// Case-sensitive whole-string LIKE (`%`, `_`, `\` escapes).
    pub(crate) fn like(self, text: Expr, pattern: &str) -> Expr {
        match self {
            Dialect::Postgres => {
                text.like(LikeExpr::new(close_dangling_escape(pattern)).escape('\\'))
            }
            // SQLite's LIKE ignores ASCII case; GLOB does not.
            Dialect::Sqlite => {
                text.binary(BinOper::Custom("GLOB"), Expr::val(like_to_glob(pattern)))
            }
        }
    }

    /// ASCII-case-insensitive LIKE with `\` as escape.
    pub(crate) fn ilike(self, text: Expr, pattern: String) -> Expr {
        match self {
            Dialect::Postgres => {
                Expr::cust_with_exprs(r"$1 ILIKE $2 ESCAPE '\'", [text, Expr::val(pattern)])
            }
            Dialect::Sqlite => text.like(LikeExpr::new(pattern).escape('\\')),
        }
    }

    /// A text expression that compares and sorts by code point.
    pub(crate) fn binary_text(self, text: Expr) -> Expr {
        match self {
            Dialect::Postgres => Expr::cust_with_expr(r#"($1 COLLATE "C")"#, text),
            Dialect::Sqlite => text,
        }
    }

    /// A bound operand. PostgreSQL numbers are bound as decimal text cast to `numeric`, so that
    /// integers and floats are one parameter type: sqlx caches prepared statements by SQL text,
    /// and an `int8` and a `float8` in the same place of the same text would be confused (the
    /// float's bits read as an integer). `numeric` also compares integers beyond 2^53 exactly,
    /// against floats too.
    pub(crate) fn operand(self, o: &Operand) -> Expr {
        match (self, o) {
            (Dialect::Postgres, Operand::Int(i)) => Expr::val(i.to_string()).cast_as("numeric"),
            (Dialect::Postgres, Operand::Float(f)) => Expr::val(f.to_string()).cast_as("numeric"),
            _ => Expr::val(operand_value(o)),
        }
    }

    /// Joins expressions with AND or OR as a balanced tree. Rendering recurses once per tree
    /// level, so the chain `a OR b OR ...` of a 1000-value `in` would overflow the stack; the
    /// balanced tree is about 10 levels deep. An empty list is `TRUE` for AND, `FALSE` for OR.
    pub(crate) fn join(self, mut exprs: Vec<Expr>, join: Join) -> Expr {
        if exprs.is_empty() {
            return self.bool_literal(join == Join::All);
        }
        while exprs.len() > 1 {
            let mut next = Vec::with_capacity(exprs.len().div_ceil(2));
            let mut pairs = exprs.into_iter();
            while let Some(a) = pairs.next() {
                next.push(match (pairs.next(), join) {
                    (Some(b), Join::All) => a.and(b),
                    (Some(b), Join::Any) => a.or(b),
                    (None, _) => a,
                });
            }
            exprs = next;
        }
        exprs
            .pop()
            .unwrap_or_else(|| self.bool_literal(join == Join::All))
    }

    /// The sum of an integer column as text, which cannot overflow: PostgreSQL sums `bigint`
    /// into exact `numeric`; SQLite's integer `SUM` fails past `i64::MAX`, so its float `TOTAL`
    /// is used. `0` for no rows.
    pub(crate) fn total_as_text(self, column: Expr) -> Expr {
        match self {
            Dialect::Postgres => Expr::cust_with_expr("COALESCE(SUM($1), 0)::text", column),
            // (SeaQuery's placeholder for a custom expression is `?` on SQLite.)
            Dialect::Sqlite => Expr::cust_with_expr("CAST(TOTAL(?) AS TEXT)", column),
        }
    }

    /// `TRUE` / `FALSE`.
    pub(crate) fn bool_literal(self, b: bool) -> Expr {
        Expr::cust(if b { "TRUE" } else { "FALSE" })
    }
}

/// How [`Dialect::join`] combines expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Join {
    /// AND.
    All,
    /// OR.
    Any,
}

/// Escapes `%`, `_` and `\` so a literal string can sit inside a LIKE pattern.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A pattern ending in an unpaired `\` escapes nothing, so that `\` stands for itself (as in
/// [`like_to_glob`]). PostgreSQL rejects such a pattern ("LIKE pattern must not end with escape
/// character"), so the escape is doubled.
fn close_dangling_escape(pattern: &str) -> String {
    let trailing = pattern.chars().rev().take_while(|c| *c == '\\').count();
    if trailing % 2 == 1 {
        format!("{pattern}\\")
    } else {
        pattern.to_string()
    }
}

/// Translates a LIKE pattern (`%`, `_`, `\` escapes) into the equivalent GLOB pattern.
fn like_to_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let literal = match c {
            '%' => {
                out.push('*');
                continue;
            }
            '_' => {
                out.push('?');
                continue;
            }
            '\\' => chars.next().unwrap_or('\\'),
            other => other,
        };
        match literal {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_translate_to_glob() {
        assert_eq!(like_to_glob("a%b_c"), "a*b?c");
        assert_eq!(like_to_glob(r"100\%"), "100%");
        assert_eq!(like_to_glob(r"a\_b"), "a_b");
        assert_eq!(like_to_glob("what?*[x]"), "what[?][*][[]x]");
        assert_eq!(like_to_glob(r"trailing\"), r"trailing\");
    }

    #[test]
    fn dangling_escapes_are_closed() {
        assert_eq!(close_dangling_escape(r"end\"), r"end\\");
        assert_eq!(close_dangling_escape(r"end\\"), r"end\\");
        assert_eq!(close_dangling_escape(r"end\\\"), r"end\\\\");
        assert_eq!(close_dangling_escape(r"a\%"), r"a\%");
        assert_eq!(close_dangling_escape(""), "");
    }

    #[test]
    fn like_escaping_protects_wildcards() {
        assert_eq!(escape_like(r"50%_off\now"), r"50\%\_off\\now");
    }
}
