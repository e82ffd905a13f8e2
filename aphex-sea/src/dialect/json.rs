//! Reading one JSON path in one dialect: typed accessors, type ranks, sort terms, equality,
//! containment — and the expressions a field index is built on.
//!
//! Every constant of the structure (path keys, JSON type names, ranks) is written into the SQL
//! text as a literal, never bound: a database matches an expression index or a partial index
//! against a query only when the expressions are the same, and a bound parameter is not the same
//! as a literal (PostgreSQL's generic plans, SQLite always). Values being compared are still
//! bound.

use sea_orm::Value;
use sea_orm::sea_query::{
    Alias, BinOper, CaseStatement, Expr, ExprTrait, Func, Query, SelectStatement,
};

use aphex_core::query::{IndexKind, Operand};

use super::{Dialect, Join};

/// A constant written into the SQL text (escaped by the query builder), not bound.
pub(crate) fn literal(v: impl Into<Value>) -> Expr {
    Expr::Constant(v.into())
}

/// Reads one JSON path in one dialect. Every typed accessor is NULL when the value is missing
/// or of another type, so a comparison on it is simply not true: type mismatches never match
/// and never raise a cast error.
#[derive(Debug, Clone)]
pub(crate) struct JsonPath {
    pub(super) dialect: Dialect,
    pub(super) column: Expr,
    pub(super) path: Vec<String>,
    /// The kind a field index of the query's type holds for this path, if any.
    pub(super) indexed: Option<IndexKind>,
}

/// JSON types, as the sort order ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Number,
    String,
    Array,
    Bool,
}

impl JsonType {
    /// The sort rank (missing/null is 0): MongoDB's order of types.
    fn rank(self) -> i32 {
        match self {
            JsonType::Number => 1,
            JsonType::String => 2,
            JsonType::Array => 4,
            JsonType::Bool => 5,
        }
    }

    fn of(kind: IndexKind) -> JsonType {
        match kind {
            IndexKind::Number => JsonType::Number,
            _ => JsonType::String,
        }
    }
}

/// `CASE <type name> WHEN ... END`: the rank of a JSON type name, one type lookup per row.
const PG_RANK: &str = "(CASE $1 WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 3 \
     WHEN 'array' THEN 4 WHEN 'boolean' THEN 5 ELSE 0 END)";
const SQLITE_RANK: &str = "(CASE ? WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 \
     WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'true' THEN 5 WHEN 'false' THEN 5 ELSE 0 END)";

impl JsonPath {
    /// SQLite JSON path text: `$."a"."b"` (keys are `[A-Za-z0-9_-]`, so quoting is safe).
    fn sqlite_path(&self) -> Expr {
        let mut p = String::from("$");
        for key in &self.path {
            p.push_str(".\"");
            p.push_str(key);
            p.push('"');
        }
        literal(p)
    }

    /// PostgreSQL: the jsonb value (`col -> 'a' -> 'b'`).
    fn pg_value(&self) -> Expr {
        self.path.iter().fold(self.column.clone(), |acc, key| {
            acc.binary(BinOper::Custom("->"), literal(key.as_str()))
        })
    }

    /// SQLite `json_type(col, path)`, PostgreSQL `jsonb_typeof(value)`.
    fn type_name(&self) -> Expr {
        match self.dialect {
            Dialect::Sqlite => Func::cust("json_type")
                .arg(self.column.clone())
                .arg(self.sqlite_path())
                .into(),
            Dialect::Postgres => Func::cust("jsonb_typeof").arg(self.pg_value()).into(),
        }
    }

    fn is(&self, ty: JsonType) -> Expr {
        let names: &[&str] = match (self.dialect, ty) {
            (Dialect::Sqlite, JsonType::Number) => &["integer", "real"],
            (Dialect::Sqlite, JsonType::String) => &["text"],
            (Dialect::Sqlite, JsonType::Bool) => &["true", "false"],
            (Dialect::Postgres, JsonType::Number) => &["number"],
            (Dialect::Postgres, JsonType::String) => &["string"],
            (Dialect::Postgres, JsonType::Bool) => &["boolean"],
            (_, JsonType::Array) => &["array"],
        };
        match names {
            [one] => self.type_name().eq(literal(*one)),
            many => self
                .type_name()
                .is_in(many.iter().map(|n| literal(*n)).collect::<Vec<_>>()),
        }
    }

    /// The scalar as SQL (text for strings, numeric for numbers), without a type guard.
    fn raw_scalar(&self, ty: JsonType) -> Expr {
        match self.dialect {
            Dialect::Sqlite => Func::cust("json_extract")
                .arg(self.column.clone())
                .arg(self.sqlite_path())
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

    /// The sort term of one type: its value when the value has that type, else NULL; strings
    /// compare by code point.
    fn term(&self, ty: JsonType) -> Expr {
        match ty {
            JsonType::String => self.dialect.binary_text(self.text()),
            other => self.guarded(other),
        }
    }

    /// The type rank: missing/null 0, numbers 1, strings 2, objects 3, arrays 4, booleans 5.
    pub(crate) fn rank(&self) -> Expr {
        let template = match self.dialect {
            Dialect::Postgres => PG_RANK,
            Dialect::Sqlite => SQLITE_RANK,
        };
        Expr::cust_with_exprs(template, [self.type_name()])
    }

    /// The value is the boolean `b`.
    pub(crate) fn is_bool(&self, b: bool) -> Expr {
        let name = if b { "true" } else { "false" };
        match self.dialect {
            Dialect::Sqlite => self.type_name().eq(literal(name)),
            Dialect::Postgres => self
                .is(JsonType::Bool)
                .and(self.raw_scalar(JsonType::Bool).eq(literal(name))),
        }
    }

    /// The value is an array.
    pub(crate) fn is_array(&self) -> Expr {
        self.is(JsonType::Array)
    }

    /// The value is present and not null.
    pub(crate) fn exists(&self) -> Expr {
        self.type_name().ne(literal("null"))
    }

    /// Some element of the array value satisfies `element` (built from the element's type name
    /// and its scalar value).
    pub(crate) fn any_element(&self, element: impl FnOnce(&JsonElement) -> Expr) -> Expr {
        let mut sub: SelectStatement = Query::select();
        sub.expr(literal(1));
        match self.dialect {
            Dialect::Sqlite => {
                let each = Func::cust("json_each")
                    .arg(self.column.clone())
                    .arg(self.sqlite_path());
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

    /// The index this path has for `o`, if a field index holds values of `o`'s kind.
    fn index_for(&self, o: &Operand) -> Option<JsonType> {
        self.indexed.filter(|kind| kind.holds(o)).map(JsonType::of)
    }

    /// A comparison on a field index that holds values of type `ty`, in exactly the form the
    /// index holds ([`index_terms`](Self::index_terms)) and exactly the typed comparison:
    /// PostgreSQL `rank = r AND <term> <cmp> value` (the term is NULL unless the value has the
    /// type); SQLite `<sortable value> <cmp> value`, bounded to the type's range of SQLite's
    /// type order (numbers < text < blobs, see [`sqlite_sortable`](Self::sqlite_sortable)).
    fn on_index(&self, ty: JsonType, cmp: Cmp, value: Expr) -> Expr {
        match self.dialect {
            Dialect::Postgres => self
                .rank()
                .eq(literal(ty.rank()))
                .and(cmp.apply(self.term(ty), value)),
            Dialect::Sqlite => {
                let e = self.sqlite_sortable();
                let compared = cmp.apply(e.clone(), value);
                match (ty, cmp) {
                    (JsonType::Number, Cmp::Gt | Cmp::Gte) => compared.and(e.lt(literal(""))),
                    (JsonType::String, Cmp::Gt | Cmp::Gte) => compared.and(e.lt(Expr::cust("x''"))),
                    (JsonType::String, Cmp::Lt | Cmp::Lte) => compared.and(e.gte(literal(""))),
                    (JsonType::Number, Cmp::Lt | Cmp::Lte) => {
                        compared.and(e.gt(Expr::cust("-9e999")))
                    }
                    _ => compared,
                }
            }
        }
    }

    /// `<typed value> <cmp> operand` for a string or number operand (FALSE for others), on the
    /// field index when one holds the operand's kind.
    pub(crate) fn compare(&self, o: &Operand, cmp: Cmp) -> Expr {
        let value = self.dialect.operand(o);
        let ty = match o {
            Operand::String(_) => JsonType::String,
            Operand::Int(_) | Operand::Float(_) => JsonType::Number,
            _ => return self.dialect.bool_literal(false),
        };
        match self.index_for(o) {
            Some(ty) => self.on_index(ty, cmp, value),
            None => cmp.apply(self.term(ty), value),
        }
    }

    /// The value equals the operand (same JSON type; numbers numerically).
    pub(crate) fn equals(&self, o: &Operand) -> Expr {
        if self.index_for(o).is_some() {
            return self.compare(o, Cmp::Eq);
        }
        if let Some(e) = json_scalar(o).and_then(|v| self.containment(v)) {
            return e;
        }
        match o {
            Operand::Bool(b) => self.is_bool(*b),
            Operand::String(_) | Operand::Int(_) | Operand::Float(_) => self.compare(o, Cmp::Eq),
            _ => self.dialect.bool_literal(false),
        }
    }

    /// The value equals one of the operands (`list` is never empty).
    pub(crate) fn equals_any(&self, list: &[Operand]) -> Expr {
        let mut parts = Vec::new();
        // The operands a field index holds: one `IN` on the index.
        let (on_index, rest): (Vec<&Operand>, Vec<&Operand>) =
            list.iter().partition(|o| self.index_for(o).is_some());
        if let Some(ty) = on_index.first().and_then(|o| self.index_for(o)) {
            let values: Vec<Expr> = on_index.iter().map(|o| self.dialect.operand(o)).collect();
            parts.push(match self.dialect {
                Dialect::Postgres => self
                    .rank()
                    .eq(literal(ty.rank()))
                    .and(self.term(ty).is_in(values)),
                // Equality needs no type bound: an SQLite value equals only values of its type.
                Dialect::Sqlite => self.sqlite_sortable().is_in(values),
            });
        }
        if self.dialect == Dialect::Postgres && !self.path.is_empty() {
            // One containment per value: each can use the GIN index (a bitmap OR).
            parts.extend(rest.iter().map(|o| self.equals(o)));
        } else {
            let of_kind = |keep: fn(&Operand) -> bool| -> Vec<Expr> {
                rest.iter()
                    .filter(|o| keep(o))
                    .map(|o| self.dialect.operand(o))
                    .collect()
            };
            let strings = of_kind(|o| matches!(o, Operand::String(_)));
            let numbers = of_kind(Operand::is_number);
            if !strings.is_empty() {
                parts.push(self.term(JsonType::String).is_in(strings));
            }
            if !numbers.is_empty() {
                parts.push(self.term(JsonType::Number).is_in(numbers));
            }
            for b in [true, false] {
                if rest.contains(&&Operand::Bool(b)) {
                    parts.push(self.is_bool(b));
                }
            }
        }
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

    /// The value's JSON type is one of `types` (by rank, the form a field index holds).
    pub(crate) fn type_in(&self, types: &[aphex_core::query::JsonType]) -> Expr {
        let ranks: Vec<Expr> = types.iter().map(|t| literal(i32::from(t.rank()))).collect();
        self.rank().is_in(ranks)
    }

    /// The order of the value's types' terms on PostgreSQL: the indexed kind's first (the
    /// index holds the rank and that term, in that order). Within one rank only one term is not
    /// NULL, so any order of the terms sorts the same.
    fn term_types(&self) -> [JsonType; 3] {
        match self.indexed {
            Some(IndexKind::Text) => [JsonType::String, JsonType::Number, JsonType::Bool],
            _ => [JsonType::Number, JsonType::String, JsonType::Bool],
        }
    }

    /// SQLite: the value as ONE SQL value that sorts in the sort's order. SQLite orders numbers
    /// before text, text before blobs, blobs bytewise — so missing/null is `-9e999` (minus
    /// infinity, below every number JSON can hold; not NULL, so that a descending seek
    /// `<= v` keeps the missing values that sort last), a number or string is itself, and
    /// objects, arrays and booleans are the blobs `x'03'`, `x'04'`, `x'0500'` (false),
    /// `x'0501'` (true): exactly the type ranks, with objects (and arrays) tying. One term, so an
    /// index on it serves sorts, ranges and keyset seeks alike (SQLite does not seek with row
    /// values over expressions).
    fn sqlite_sortable(&self) -> Expr {
        let raw = self.raw_scalar(JsonType::String);
        Expr::cust_with_exprs(
            "(CASE ? WHEN 'integer' THEN ? WHEN 'real' THEN ? WHEN 'text' THEN ? \
             WHEN 'object' THEN x'03' WHEN 'array' THEN x'04' \
             WHEN 'true' THEN x'0501' WHEN 'false' THEN x'0500' ELSE -9e999 END)",
            [self.type_name(), raw.clone(), raw.clone(), raw],
        )
    }

    /// Sort terms: the type rank (missing/null 0, numbers 1, strings 2, objects 3, arrays 4,
    /// booleans 5 — MongoDB's order), then the value within the type: numbers numerically,
    /// strings by code point, `false` before `true`. Objects and arrays tie within their rank
    /// (the sort's later keys and `id` decide). PostgreSQL: the rank and one term per type;
    /// SQLite: one [sortable value](Self::sqlite_sortable).
    pub(crate) fn sort_terms(&self) -> Vec<Expr> {
        match self.dialect {
            Dialect::Postgres => {
                let mut terms = vec![self.rank()];
                terms.extend(self.term_types().iter().map(|ty| self.term(*ty)));
                terms
            }
            Dialect::Sqlite => vec![self.sqlite_sortable()],
        }
    }

    /// The expressions a field index of `kind` on this path is built on, in order — the first
    /// of [`sort_terms`](Self::sort_terms) and what the conditions on the index
    /// ([`compare`](Self::compare)) write: PostgreSQL the rank and the kind's term, SQLite the
    /// sortable value.
    pub(crate) fn index_terms(&self, kind: IndexKind) -> Vec<Expr> {
        match self.dialect {
            Dialect::Postgres => vec![self.rank(), self.kind_term(kind)],
            Dialect::Sqlite => vec![self.sqlite_sortable()],
        }
    }

    /// The value when it is of `kind`, else NULL: what a unique index on SQLite holds, so that
    /// only values of the kind can conflict.
    pub(crate) fn kind_term(&self, kind: IndexKind) -> Expr {
        self.term(JsonType::of(kind))
    }

    /// A keyset page's seek on this path as its first sort key: the position's sort terms at
    /// or beyond the cursor's — `(rank, value) >= (r, v)` on PostgreSQL (a row comparison a
    /// B-tree index on those terms seeks with; rows of the same rank have the value term set),
    /// `sortable >= v` on SQLite; `<=` descending. `None` when nothing can seek (a missing
    /// value, or on PostgreSQL a boolean beyond its rank).
    pub(crate) fn seek(
        &self,
        kind: Option<aphex_core::query::JsonType>,
        value: Option<&Operand>,
        descending: bool,
        operand: impl Fn(&Operand) -> Expr,
    ) -> Option<Expr> {
        use aphex_core::query::JsonType as Kind;
        let (left, right) = match self.dialect {
            Dialect::Postgres => {
                let rank = literal(i32::from(kind.map_or(0, Kind::rank)));
                match value {
                    Some(o @ (Operand::Int(_) | Operand::Float(_))) => (
                        Expr::tuple([self.rank(), self.term(JsonType::Number)]),
                        Expr::tuple([rank, operand(o)]),
                    ),
                    Some(o @ Operand::String(_)) => (
                        Expr::tuple([self.rank(), self.term(JsonType::String)]),
                        Expr::tuple([rank, operand(o)]),
                    ),
                    _ => (self.rank(), rank),
                }
            }
            Dialect::Sqlite => {
                let position = match (kind?, value) {
                    (_, Some(o @ (Operand::Int(_) | Operand::Float(_) | Operand::String(_)))) => {
                        operand(o)
                    }
                    (_, Some(Operand::Bool(b))) => {
                        Expr::cust(if *b { "x'0501'" } else { "x'0500'" })
                    }
                    (Kind::Array, _) => Expr::cust("x'04'"),
                    (Kind::Object, _) => Expr::cust("x'03'"),
                    _ => return None,
                };
                (self.sqlite_sortable(), position)
            }
        };
        Some(if descending {
            left.lte(right)
        } else {
            left.gte(right)
        })
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    fn apply(self, left: Expr, right: Expr) -> Expr {
        match self {
            Cmp::Eq => left.eq(right),
            Cmp::Gt => left.gt(right),
            Cmp::Gte => left.gte(right),
            Cmp::Lt => left.lt(right),
            Cmp::Lte => left.lte(right),
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
                Expr::cust("aphex_el.type").eq(literal("text")),
                Expr::cust("aphex_el.value"),
            ),
            Dialect::Postgres => (
                Expr::cust("jsonb_typeof(aphex_el.value)").eq(literal("string")),
                Expr::cust("(aphex_el.value #>> '{}')"),
            ),
        }
    }

    /// The element is a number; its value.
    pub(crate) fn number(&self) -> (Expr, Expr) {
        match self.dialect {
            Dialect::Sqlite => (
                Expr::cust("aphex_el.type").is_in([literal("integer"), literal("real")]),
                Expr::cust("aphex_el.value"),
            ),
            Dialect::Postgres => (
                Expr::cust("jsonb_typeof(aphex_el.value)").eq(literal("number")),
                Expr::cust("(aphex_el.value #>> '{}')::numeric"),
            ),
        }
    }

    /// The element is the boolean `b`.
    pub(crate) fn is_bool(&self, b: bool) -> Expr {
        match self.dialect {
            Dialect::Sqlite => {
                Expr::cust("aphex_el.type").eq(literal(if b { "true" } else { "false" }))
            }
            Dialect::Postgres => Expr::cust("aphex_el.value").eq(Expr::cust(if b {
                "'true'::jsonb"
            } else {
                "'false'::jsonb"
            })),
        }
    }
}
