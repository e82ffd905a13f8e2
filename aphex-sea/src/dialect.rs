//! Everything that differs between PostgreSQL and SQLite, in one place.
//!
//! Nothing else in aphex-sea branches on the backend. The rest of the crate builds one sea-query
//! AST; this module supplies the dialect-specific pieces: how a JSON path is read (jsonb operators
//! vs `json_extract`/`json_type`), how strings are matched and ordered, and how values are bound
//! (SQLite stores UUIDs and timestamps as text).

use sea_orm::sea_query::{
    Alias, BinOper, CaseStatement, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement,
};
use sea_orm::{DbBackend, Statement, Value};

use aphex_core::Error;
use aphex_core::model::to_iso_millis;
use aphex_core::query::Operand;

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

    /// A value inside a JSON column.
    pub(crate) fn json(self, column: Expr, path: &[String]) -> JsonPath {
        JsonPath {
            dialect: self,
            column,
            path: path.to_vec(),
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

/// Reads one JSON path in one dialect. Every typed accessor is NULL when the value is missing
/// or of another type, so a comparison on it is simply not true: type mismatches never match
/// and never raise a cast error.
#[derive(Debug, Clone)]
pub(crate) struct JsonPath {
    dialect: Dialect,
    column: Expr,
    path: Vec<String>,
}

/// JSON types, as the sort order ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Number,
    String,
    Object,
    Array,
    Bool,
}

impl JsonPath {
    /// SQLite JSON path text: `$."a"."b"` (keys are `[A-Za-z0-9_-]`, so quoting is safe).
    fn sqlite_path(&self) -> String {
        let mut p = String::from("$");
        for key in &self.path {
            p.push_str(".\"");
            p.push_str(key);
            p.push('"');
        }
        p
    }

    /// PostgreSQL: the jsonb value (`col -> 'a' -> 'b'`).
    fn pg_value(&self) -> Expr {
        self.path.iter().fold(self.column.clone(), |acc, key| {
            acc.binary(BinOper::Custom("->"), Expr::val(key.as_str()))
        })
    }

    /// SQLite `json_type(col, path)`, PostgreSQL `jsonb_typeof(value)`.
    fn type_name(&self) -> Expr {
        match self.dialect {
            Dialect::Sqlite => Func::cust("json_type")
                .arg(self.column.clone())
                .arg(Expr::val(self.sqlite_path()))
                .into(),
            Dialect::Postgres => Func::cust("jsonb_typeof").arg(self.pg_value()).into(),
        }
    }

    fn is(&self, ty: JsonType) -> Expr {
        match (self.dialect, ty) {
            (Dialect::Sqlite, JsonType::Number) => self.type_name().is_in(["integer", "real"]),
            (Dialect::Sqlite, JsonType::String) => self.type_name().eq("text"),
            (Dialect::Sqlite, JsonType::Bool) => self.type_name().is_in(["true", "false"]),
            (Dialect::Postgres, JsonType::Number) => self.type_name().eq("number"),
            (Dialect::Postgres, JsonType::String) => self.type_name().eq("string"),
            (Dialect::Postgres, JsonType::Bool) => self.type_name().eq("boolean"),
            (_, JsonType::Object) => self.type_name().eq("object"),
            (_, JsonType::Array) => self.type_name().eq("array"),
        }
    }

    /// The scalar as SQL (text for strings, numeric for numbers), without a type guard.
    fn raw_scalar(&self, ty: JsonType) -> Expr {
        match self.dialect {
            Dialect::Sqlite => Func::cust("json_extract")
                .arg(self.column.clone())
                .arg(Expr::val(self.sqlite_path()))
                .into(),
            Dialect::Postgres => {
                let text = Expr::cust_with_expr("($1 #>> '{}')", self.pg_value());
                match ty {
                    JsonType::Number => text.cast_as("numeric"),
                    _ => text,
                }
            }
        }
    }

    fn guarded(&self, ty: JsonType) -> Expr {
        CaseStatement::new()
            .case(self.is(ty), self.raw_scalar(ty))
            .into()
    }

    /// The value when it is a string, else NULL.
    pub(crate) fn text(&self) -> Expr {
        self.guarded(JsonType::String)
    }

    /// The value when it is a number, else NULL.
    pub(crate) fn number(&self) -> Expr {
        self.guarded(JsonType::Number)
    }

    /// The value is the boolean `b`.
    pub(crate) fn is_bool(&self, b: bool) -> Expr {
        match self.dialect {
            Dialect::Sqlite => self.type_name().eq(if b { "true" } else { "false" }),
            Dialect::Postgres => {
                self.is(JsonType::Bool)
                    .and(
                        self.raw_scalar(JsonType::Bool)
                            .eq(if b { "true" } else { "false" }),
                    )
            }
        }
    }

    /// The value is an array.
    pub(crate) fn is_array(&self) -> Expr {
        self.is(JsonType::Array)
    }

    /// The value is present and not null.
    pub(crate) fn exists(&self) -> Expr {
        self.type_name().ne("null")
    }

    /// Some element of the array value satisfies `element` (built from the element's type name
    /// and its scalar value).
    pub(crate) fn any_element(&self, element: impl FnOnce(&JsonElement) -> Expr) -> Expr {
        let mut sub: SelectStatement = Query::select();
        sub.expr(Expr::val(1));
        match self.dialect {
            Dialect::Sqlite => {
                let each = Func::cust("json_each")
                    .arg(self.column.clone())
                    .arg(Expr::val(self.sqlite_path()));
                sub.from_function(each, Alias::new("aphex_el"));
            }
            Dialect::Postgres => {
                let array: Expr = CaseStatement::new()
                    .case(self.is_array(), self.pg_value())
                    .into();
                let each = Func::cust("jsonb_array_elements").arg(array);
                sub.from_function(each, Alias::new("aphex_el"));
            }
        }
        let el = JsonElement {
            dialect: self.dialect,
        };
        sub.and_where(element(&el));
        self.is_array().and(Expr::exists(sub))
    }

    /// `column @> {"a": {"b": value}}`: PostgreSQL's jsonb containment, which the GIN
    /// `jsonb_path_ops` indexes serve. For a scalar `value` it is exactly the `where` equality
    /// (same type, numbers numerically); for an array it means "an array holding every element".
    /// `None` on SQLite (no such operator) and at a column's root (where jsonb would let an array
    /// contain a bare scalar).
    fn containment(&self, value: serde_json::Value) -> Option<Expr> {
        if self.dialect != Dialect::Postgres || self.path.is_empty() {
            return None;
        }
        let doc = self.path.iter().rev().fold(value, |inner, key| {
            serde_json::Value::Object(serde_json::Map::from_iter([(key.clone(), inner)]))
        });
        Some(
            self.column
                .clone()
                .binary(BinOper::Custom("@>"), Expr::val(doc)),
        )
    }

    /// The value equals the operand (same JSON type; numbers numerically).
    pub(crate) fn equals(&self, o: &Operand) -> Expr {
        if let Some(e) = json_scalar(o).and_then(|v| self.containment(v)) {
            return e;
        }
        match o {
            Operand::Bool(b) => self.is_bool(*b),
            Operand::String(_) => self
                .dialect
                .binary_text(self.text())
                .eq(self.dialect.operand(o)),
            Operand::Int(_) | Operand::Float(_) => self.number().eq(self.dialect.operand(o)),
            _ => self.dialect.bool_literal(false),
        }
    }

    /// The value equals one of the operands (`list` is never empty).
    pub(crate) fn equals_any(&self, list: &[Operand]) -> Expr {
        let parts: Vec<Expr> = if self.dialect == Dialect::Postgres && !self.path.is_empty() {
            // One containment per value: each can use the GIN index (a bitmap OR).
            list.iter().map(|o| self.equals(o)).collect()
        } else {
            let of_kind = |keep: fn(&Operand) -> bool| -> Vec<Expr> {
                list.iter()
                    .filter(|o| keep(o))
                    .map(|o| self.dialect.operand(o))
                    .collect()
            };
            let strings = of_kind(|o| matches!(o, Operand::String(_)));
            let numbers = of_kind(Operand::is_number);
            let mut parts = Vec::new();
            if !strings.is_empty() {
                parts.push(self.dialect.binary_text(self.text()).is_in(strings));
            }
            if !numbers.is_empty() {
                parts.push(self.number().is_in(numbers));
            }
            for b in [true, false] {
                if list.contains(&Operand::Bool(b)) {
                    parts.push(self.is_bool(b));
                }
            }
            parts
        };
        self.dialect.join(parts, Join::Any)
    }

    /// The value is an array holding an element equal to each operand (`list` is never empty).
    pub(crate) fn array_contains_all(&self, list: &[Operand]) -> Expr {
        let elements: Option<Vec<serde_json::Value>> = list.iter().map(json_scalar).collect();
        if let Some(e) = elements.and_then(|els| self.containment(serde_json::Value::Array(els))) {
            return e;
        }
        let each = list
            .iter()
            .map(|o| self.any_element(|el| el.equals(o)))
            .collect();
        self.dialect.join(each, Join::All)
    }

    /// Sort keys: first the type rank (missing/null 0, numbers 1, strings 2, objects 3, arrays 4,
    /// booleans 5 — MongoDB's order), then the value within the type.
    pub(crate) fn sort_keys(&self) -> Vec<Expr> {
        let rank: Expr = CaseStatement::new()
            .case(self.is(JsonType::Number), Expr::val(1))
            .case(self.is(JsonType::String), Expr::val(2))
            .case(self.is(JsonType::Object), Expr::val(3))
            .case(self.is(JsonType::Array), Expr::val(4))
            .case(self.is(JsonType::Bool), Expr::val(5))
            .finally(Expr::val(0))
            .into();
        match self.dialect {
            // Within one type, json_extract orders numbers numerically, text by code point and
            // booleans (0/1) false first.
            Dialect::Sqlite => vec![rank, self.raw_scalar(JsonType::String)],
            Dialect::Postgres => vec![
                rank,
                self.number(),
                self.dialect.binary_text(self.text()),
                self.guarded(JsonType::Bool),
            ],
        }
    }
}

/// The JSON form of a JSON-path operand (timestamps and UUIDs only occur on columns).
fn json_scalar(o: &Operand) -> Option<serde_json::Value> {
    match o {
        Operand::Bool(b) => Some(serde_json::Value::Bool(*b)),
        Operand::Int(i) => Some(serde_json::Value::from(*i)),
        Operand::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number),
        Operand::String(s) => Some(serde_json::Value::String(s.clone())),
        Operand::Timestamp(_) | Operand::Uuid(_) => None,
    }
}

/// One element of a JSON array inside [`JsonPath::any_element`].
pub(crate) struct JsonElement {
    dialect: Dialect,
}

impl JsonElement {
    /// The element equals the operand (same JSON type; numbers numerically).
    pub(crate) fn equals(&self, o: &Operand) -> Expr {
        match o {
            Operand::Bool(b) => self.is_bool(*b),
            Operand::String(_) => {
                let (is_text, text) = self.text();
                is_text.and(text.eq(self.dialect.operand(o)))
            }
            _ => {
                let (is_number, number) = self.number();
                is_number.and(number.eq(self.dialect.operand(o)))
            }
        }
    }

    /// The element is a string; its text.
    pub(crate) fn text(&self) -> (Expr, Expr) {
        match self.dialect {
            Dialect::Sqlite => (
                Expr::cust("aphex_el.type").eq("text"),
                Expr::cust("aphex_el.value"),
            ),
            Dialect::Postgres => (
                Expr::cust("jsonb_typeof(aphex_el.value)").eq("string"),
                Expr::cust("(aphex_el.value #>> '{}')"),
            ),
        }
    }

    /// The element is a number; its value.
    pub(crate) fn number(&self) -> (Expr, Expr) {
        match self.dialect {
            Dialect::Sqlite => (
                Expr::cust("aphex_el.type").is_in(["integer", "real"]),
                Expr::cust("aphex_el.value"),
            ),
            Dialect::Postgres => (
                Expr::cust("jsonb_typeof(aphex_el.value)").eq("number"),
                Expr::cust("(aphex_el.value #>> '{}')::numeric"),
            ),
        }
    }

    /// The element is the boolean `b`.
    pub(crate) fn is_bool(&self, b: bool) -> Expr {
        match self.dialect {
            Dialect::Sqlite => Expr::cust("aphex_el.type").eq(if b { "true" } else { "false" }),
            Dialect::Postgres => Expr::cust("aphex_el.value").eq(Expr::cust(if b {
                "'true'::jsonb"
            } else {
                "'false'::jsonb"
            })),
        }
    }
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
