//! The `where` compiler for the SQL family: a resolved [`Filter`] becomes one sea-query
//! expression, sort keys become ORDER BY terms. Values are always bound parameters; column
//! names come from the entities. Dialect details are asked of [`Dialect`].
//!
//! Three-valued logic: a condition on a missing/null/mistyped value evaluates to NULL or FALSE,
//! both "not matched". Only a negation could turn NULL into a match, so [`Filter::Not`] compiles
//! to `NOT COALESCE(child, FALSE)` — the exact complement the `where` language promises.

use sea_orm::sea_query::{Expr, ExprTrait, Func, NullOrdering, Order};
use sea_orm::{EntityTrait, IdenStatic, Value};

use aphex_core::query::{
    Column, ColumnKind, Field, Filter, JsonColumn, KeyValue, ListQuery, Op, Operand, Perspective,
    SortKey,
};
use aphex_core::{Error, Result};
use uuid::Uuid;

use crate::dialect::{Cmp, Dialect, Join, JsonPath, escape_like, literal, references_column};
use crate::entity::{asset, document};

/// A table the `where` language can query: maps core columns to entity columns.
pub(crate) trait QueryTable {
    /// The table's entity.
    type Entity: EntityTrait;
    /// The entity column for a core column, and the PostgreSQL enum type it has, if any.
    fn column(column: Column) -> Option<(Expr, Option<&'static str>)>;
    /// The entity column for a JSON column.
    fn json_column(column: JsonColumn) -> Option<Expr>;
    /// The organization column (every query is scoped by it).
    fn organization() -> Expr;
    /// The table's row refers in `perspective` to one of `targets` (the reference index:
    /// documents only).
    fn refers_to_any(
        _dialect: Dialect,
        _perspective: Perspective,
        _targets: &[Uuid],
    ) -> Option<Expr> {
        None
    }
}

fn col<E: EntityTrait, C: IdenStatic>(entity: E, c: C) -> Expr {
    Expr::col((entity, c))
}

/// `cms_documents`.
pub(crate) struct Documents;

impl QueryTable for Documents {
    type Entity = document::Entity;

    fn column(column: Column) -> Option<(Expr, Option<&'static str>)> {
        use document::Column as C;
        let e = document::Entity;
        Some(match column {
            Column::Id => (col(e, C::Id), None),
            Column::Type => (col(e, C::DocType), None),
            Column::Status => (col(e, C::Status), Some("document_status")),
            Column::Revision => (col(e, C::Revision), None),
            Column::CreatedAt => (col(e, C::CreatedAt), None),
            Column::UpdatedAt => (col(e, C::UpdatedAt), None),
            Column::PublishedAt => (col(e, C::PublishedAt), None),
            Column::CreatedBy => (col(e, C::CreatedBy), None),
            Column::UpdatedBy => (col(e, C::UpdatedBy), None),
            _ => return None,
        })
    }

    fn json_column(column: JsonColumn) -> Option<Expr> {
        match column {
            JsonColumn::DraftData => Some(col(document::Entity, document::Column::DraftData)),
            JsonColumn::PublishedData => {
                Some(col(document::Entity, document::Column::PublishedData))
            }
            JsonColumn::Metadata => None,
        }
    }

    fn organization() -> Expr {
        col(document::Entity, document::Column::OrganizationId)
    }

    fn refers_to_any(dialect: Dialect, perspective: Perspective, targets: &[Uuid]) -> Option<Expr> {
        let e = document::Entity;
        Some(dialect.refers_to_any(
            Expr::col((e, references_column(perspective))),
            col(e, document::Column::Id),
            perspective,
            targets,
        ))
    }
}

/// `cms_assets`.
pub(crate) struct Assets;

impl QueryTable for Assets {
    type Entity = asset::Entity;

    fn column(column: Column) -> Option<(Expr, Option<&'static str>)> {
        use asset::Column as C;
        let e = asset::Entity;
        let c = match column {
            Column::Id => C::Id,
            Column::AssetType => C::AssetType,
            Column::Filename => C::Filename,
            Column::OriginalFilename => C::OriginalFilename,
            Column::MimeType => C::MimeType,
            Column::Size => C::Size,
            Column::Url => C::Url,
            Column::Path => C::Path,
            Column::StorageAdapter => C::StorageAdapter,
            Column::Width => C::Width,
            Column::Height => C::Height,
            Column::Title => C::Title,
            Column::Description => C::Description,
            Column::Alt => C::Alt,
            Column::CreditLine => C::CreditLine,
            Column::CreatedBy => C::CreatedBy,
            Column::CreatedAt => C::CreatedAt,
            Column::UpdatedAt => C::UpdatedAt,
            _ => return None,
        };
        Some((col(e, c), None))
    }

    fn json_column(column: JsonColumn) -> Option<Expr> {
        match column {
            JsonColumn::Metadata => Some(col(asset::Entity, asset::Column::Metadata)),
            _ => None,
        }
    }

    fn organization() -> Expr {
        col(asset::Entity, asset::Column::OrganizationId)
    }
}

/// Compiles filters and sorts for one table in one dialect.
pub(crate) struct SqlCompiler<T> {
    dialect: Dialect,
    table: std::marker::PhantomData<T>,
}

impl<T: QueryTable> SqlCompiler<T> {
    pub(crate) fn new(dialect: Dialect) -> Self {
        SqlCompiler {
            dialect,
            table: std::marker::PhantomData,
        }
    }

    /// The WHERE expression, or `None` when the filter matches everything.
    pub(crate) fn filter(&self, filter: &Filter) -> Result<Option<Expr>> {
        match filter {
            Filter::True => Ok(None),
            other => self.expr(other).map(Some),
        }
    }

    fn expr(&self, filter: &Filter) -> Result<Expr> {
        Ok(match filter {
            Filter::True => self.dialect.bool_literal(true),
            Filter::False => self.dialect.bool_literal(false),
            Filter::And(items) => self.join(items, Join::All)?,
            Filter::Or(items) => self.join(items, Join::Any)?,
            Filter::Not(inner) => {
                Func::coalesce([self.expr(inner)?, self.dialect.bool_literal(false)]).not()
            }
            Filter::Cond(Field::Column(c), op) => self.column_cond(*c, op)?,
            Filter::Cond(Field::Json(j), op) => self.json_cond(&self.json_path(j)?, op)?,
        })
    }

    fn join(&self, items: &[Filter], join: Join) -> Result<Expr> {
        let exprs = items.iter().map(|f| self.expr(f)).collect::<Result<_>>()?;
        Ok(self.dialect.join(exprs, join))
    }

    fn column(&self, column: Column) -> Result<(Expr, Option<&'static str>)> {
        T::column(column).ok_or_else(|| {
            Error::invalid_query(format!("{column:?}"), "not a column of this table")
        })
    }

    fn json_path(&self, field: &aphex_core::query::JsonField) -> Result<JsonPath> {
        let column = T::json_column(field.column).ok_or_else(|| {
            Error::invalid_query(format!("{:?}", field.column), "not a column of this table")
        })?;
        Ok(self.dialect.json(column, &field.path, field.indexed))
    }

    fn column_cond(&self, column: Column, op: &Op) -> Result<Expr> {
        if let Some(perspective) = column.references_perspective() {
            return self.references_cond(perspective, op);
        }
        let (c, enum_type) = self.column(column)?;
        let value = |o: &Operand| -> Expr {
            let v = self.dialect.operand(o);
            match enum_type {
                Some(t) => v.as_enum(t),
                None => v,
            }
        };
        // Text comparisons see enum columns as text, by code point.
        let text = || {
            let c = match enum_type {
                Some(_) => c.clone().as_enum("text"),
                None => c.clone(),
            };
            self.dialect.binary_text(c)
        };
        let ordered = |_: &Operand| match column.kind() {
            ColumnKind::Text => text(),
            _ => c.clone(),
        };
        Ok(match op {
            // The document type as a literal: a field index is partial on it, and a database
            // can only use a partial index for a query whose condition is that same literal.
            Op::Eq(Operand::String(t)) if column == Column::Type && is_type_name(t) => {
                c.clone().eq(literal(t.as_str()))
            }
            Op::Eq(o) => c.clone().eq(value(o)),
            Op::In(list) => c.clone().is_in(list.iter().map(value)),
            Op::Exists => c.clone().is_not_null(),
            Op::Gt(o) => ordered(o).gt(self.dialect.operand(o)),
            Op::Gte(o) => ordered(o).gte(self.dialect.operand(o)),
            Op::Lt(o) => ordered(o).lt(self.dialect.operand(o)),
            Op::Lte(o) => ordered(o).lte(self.dialect.operand(o)),
            Op::Like(p) => self.dialect.like(text(), p),
            Op::Contains(Operand::String(s)) => self.contains(text(), s),
            Op::StartsWith(s) => self.dialect.ilike(text(), format!("{}%", escape_like(s))),
            Op::EndsWith(s) => self.dialect.ilike(text(), format!("%{}", escape_like(s))),
            // Columns hold no arrays and have one type; resolution never produces these.
            Op::Contains(_) | Op::All(_) | Op::TypeIn(_) => self.dialect.bool_literal(false),
            _ => return Err(self.unknown_operator()),
        })
    }

    /// A condition on the reference index: `equals` / `in` ids (resolution allows no other
    /// operator on it).
    fn references_cond(&self, perspective: Perspective, op: &Op) -> Result<Expr> {
        let ids = |operands: &[Operand]| -> Vec<Uuid> {
            operands
                .iter()
                .filter_map(|o| match o {
                    Operand::Uuid(id) => Some(*id),
                    _ => None,
                })
                .collect()
        };
        let targets = match op {
            Op::Eq(o) => ids(std::slice::from_ref(o)),
            Op::In(list) => ids(list),
            _ => return Err(self.unknown_operator()),
        };
        T::refers_to_any(self.dialect, perspective, &targets).ok_or_else(|| self.unknown_operator())
    }

    /// An operator added to the language after this compiler was written.
    fn unknown_operator(&self) -> Error {
        Error::Unsupported {
            backend: self.dialect.name(),
            operation: "this `where` operator",
        }
    }

    fn contains(&self, text: Expr, s: &str) -> Expr {
        self.dialect.ilike(text, format!("%{}%", escape_like(s)))
    }

    fn json_cond(&self, j: &JsonPath, op: &Op) -> Result<Expr> {
        Ok(match op {
            Op::Eq(o) => j.equals(o),
            Op::In(list) => j.equals_any(list),
            Op::Exists => j.exists(),
            Op::Gt(o) => j.compare(o, Cmp::Gt),
            Op::Gte(o) => j.compare(o, Cmp::Gte),
            Op::Lt(o) => j.compare(o, Cmp::Lt),
            Op::Lte(o) => j.compare(o, Cmp::Lte),
            Op::Like(p) => self.dialect.like(j.text(), p),
            Op::StartsWith(s) => self.dialect.ilike(j.text(), format!("{}%", escape_like(s))),
            Op::EndsWith(s) => self.dialect.ilike(j.text(), format!("%{}", escape_like(s))),
            Op::Contains(Operand::String(s)) => {
                let pattern = format!("%{}%", escape_like(s));
                let in_string = self.dialect.ilike(j.text(), pattern.clone());
                let in_array = j.any_element(|el| {
                    let (is_text, text) = el.text();
                    is_text.and(self.dialect.ilike(text, pattern))
                });
                in_string.or(in_array)
            }
            Op::Contains(o) => j.array_contains_all(std::slice::from_ref(o)),
            Op::TypeIn(types) => j.type_in(types),
            Op::All(list) => j.array_contains_all(list),
            _ => return Err(self.unknown_operator()),
        })
    }

    /// A keyset page's condition an index can seek with: the first sort key at or beyond the
    /// position, as a row comparison of its terms — `(rank, value) >= (r, v)` for a JSON key
    /// (`<=` descending), `column >= v` for a column — which a B-tree index led by those terms
    /// reads from that point on. Only ever true where the exact position condition (in the
    /// filter) can be: rows of the same type rank have the value term set, and a descending
    /// nullable column (NULLs last) gets none.
    pub(crate) fn keyset_seek(&self, query: &ListQuery) -> Result<Option<Expr>> {
        let (Some(key), Some(after)) = (query.sort.first(), &query.after) else {
            return Ok(None);
        };
        let Some(value) = after.values.first() else {
            return Ok(None);
        };
        match (&key.field, value) {
            (Field::Column(c), KeyValue::Column(Some(o))) => {
                // A descending nullable column has its NULLs after every value; a text column
                // sorts by code point, which its B-tree index does not (PostgreSQL).
                if (key.descending && c.nullable()) || c.kind() == ColumnKind::Text {
                    return Ok(None);
                }
                let (expr, _) = self.column(*c)?;
                let position = self.dialect.operand(o);
                Ok(Some(if key.descending {
                    expr.lte(position)
                } else {
                    expr.gte(position)
                }))
            }
            (Field::Json(j), KeyValue::Json { kind, value }) => {
                Ok(self
                    .json_path(j)?
                    .seek(*kind, value.as_ref(), key.descending, |o| {
                        self.dialect.operand(o)
                    }))
            }
            _ => Ok(None),
        }
    }

    /// ORDER BY terms: each key (JSON keys expand to type rank + value), nulls first ascending
    /// and last descending.
    pub(crate) fn order_by(&self, sort: &[SortKey]) -> Result<Vec<(Expr, Order, NullOrdering)>> {
        let mut terms = Vec::with_capacity(sort.len() + 2);
        for key in sort {
            let (order, nulls) = if key.descending {
                (Order::Desc, NullOrdering::Last)
            } else {
                (Order::Asc, NullOrdering::First)
            };
            match &key.field {
                Field::Column(c) => {
                    let (e, enum_type) = self.column(*c)?;
                    let e = match (c.kind(), enum_type) {
                        (ColumnKind::Text, Some(_)) => self.dialect.binary_text(e.as_enum("text")),
                        (ColumnKind::Text, None) => self.dialect.binary_text(e),
                        _ => e,
                    };
                    terms.push((e, order.clone(), nulls));
                }
                Field::Json(j) => {
                    for e in self.json_path(j)?.sort_terms() {
                        terms.push((e, order.clone(), nulls));
                    }
                }
            }
        }
        Ok(terms)
    }
}

/// Whether `t` can be a schema type name (`^[A-Za-z_][A-Za-z0-9_]*$`, at most 100
/// characters): only such names are written into the SQL as literals, so the statement texts
/// stay few.
fn is_type_name(t: &str) -> bool {
    t.len() <= 100
        && t.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The bound value of an operand (see [`Dialect::operand`] for how it is bound).
pub(crate) fn operand_value(o: &Operand) -> Value {
    match o {
        Operand::Bool(b) => Value::Bool(Some(*b)),
        Operand::Int(i) => Value::BigInt(Some(*i)),
        Operand::Float(f) => Value::Double(Some(*f)),
        Operand::String(s) => Value::String(Some(s.clone())),
        Operand::Timestamp(t) => Value::ChronoDateTimeUtc(Some(*t)),
        Operand::Uuid(u) => Value::Uuid(Some(*u)),
    }
}
