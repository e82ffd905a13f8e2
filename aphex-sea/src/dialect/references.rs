//! The reference index in SQL (see the migration that adds it): each document row holds the ids
//! its draft and its published data refer to — `uuid[]` on PostgreSQL, served by GIN indexes;
//! a JSON array of ids on SQLite, mirrored by triggers into `cms_document_references`, which
//! its indexes serve.

use sea_orm::sea_query::{Alias, BinOper, Expr, ExprTrait, Query};
use uuid::Uuid;

use aphex_core::query::Perspective;

use super::Dialect;

/// The SQLite mirror of the reference columns.
const SQLITE_TABLE: &str = "cms_document_references";

/// The column of `cms_documents` that holds the ids `perspective`'s data refers to.
pub(crate) fn references_column(perspective: Perspective) -> Alias {
    Alias::new(format!("{}_references", perspective.as_str()))
}

/// A PostgreSQL `uuid[]` literal of `ids`.
pub(crate) fn pg_uuid_array(ids: &[Uuid]) -> String {
    let items: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("{{{}}}", items.join(","))
}

impl Dialect {
    /// `ids` as the reference columns store them, to bind: a `uuid[]` on PostgreSQL, a JSON
    /// array on SQLite.
    pub(crate) fn references_param(self, ids: &[Uuid]) -> Expr {
        match self {
            Dialect::Postgres => Expr::val(pg_uuid_array(ids)).cast_as("uuid[]"),
            Dialect::Sqlite => {
                let items: Vec<String> = ids.iter().map(Uuid::to_string).collect();
                Expr::val(serde_json::Value::from(items).to_string())
            }
        }
    }

    /// The document whose id is `id` and whose `perspective` reference column is `column`
    /// refers there to one of `targets` — through the index: `&&` on the column on PostgreSQL
    /// (GIN), the mirror table's target index on SQLite.
    pub(crate) fn refers_to_any(
        self,
        column: Expr,
        id: Expr,
        perspective: Perspective,
        targets: &[Uuid],
    ) -> Expr {
        match self {
            Dialect::Postgres => {
                column.binary(BinOper::Custom("&&"), self.references_param(targets))
            }
            Dialect::Sqlite => {
                // `id IN (SELECT source_id …)`, not a correlated `EXISTS`: SQLite runs the
                // subquery once through the mirror's target index, then looks the documents up
                // by key, instead of probing the mirror for every document.
                let mirror = Alias::new(SQLITE_TABLE);
                id.in_subquery(
                    Query::select()
                        .column((mirror.clone(), Alias::new("source_id")))
                        .from(mirror.clone())
                        .and_where(
                            Expr::col((mirror.clone(), Alias::new("perspective")))
                                .eq(perspective.as_str()),
                        )
                        .and_where(
                            Expr::col((mirror, Alias::new("target_id")))
                                .is_in(targets.iter().map(Uuid::to_string)),
                        )
                        .take(),
                )
            }
        }
    }
}
