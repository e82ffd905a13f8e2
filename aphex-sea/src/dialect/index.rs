//! The SQL of field indexes ([`FieldIndex`]) in each dialect: `CREATE INDEX` on exactly the
//! expressions the `where` compiler writes for an indexed field ([`JsonPath::index_terms`]),
//! partial on the document type; `DROP INDEX`; and the catalog query that lists them.

use sea_orm::sea_query::{Expr, ExprTrait, PostgresQueryBuilder, Query, SqliteQueryBuilder};

use aphex_core::query::JsonColumn;
use aphex_core::schema::{FieldIndex, UNIQUE_PREFIX};

/// The name prefix of a unique field's ordered companion index on SQLite.
const COMPANION_PREFIX: &str = "cms_uo_";

use super::{Dialect, literal};
use sea_orm::IdenStatic;

use crate::entity::document::Column;

/// `expr` as SQL text with every value written in (the index definition has no parameters).
fn sql_text(dialect: Dialect, expr: Expr) -> String {
    let select = Query::select().expr(expr).to_owned();
    let text = match dialect {
        Dialect::Postgres => select.to_string(PostgresQueryBuilder),
        Dialect::Sqlite => select.to_string(SqliteQueryBuilder),
    };
    text.strip_prefix("SELECT ").unwrap_or(&text).to_owned()
}

/// A quoted identifier (both dialects quote with `"`; index names are `[A-Za-z0-9_]`, see
/// `FieldIndex::name`, and a `"` would be doubled).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Dialect {
    /// The statements that build `index`, in order; the last creates the index of
    /// `index.name` (so a build interrupted before it is redone by the next sync).
    ///
    /// Every index leads with `organization_id`: every query names the organization, and a
    /// unique field is unique per organization.
    ///
    /// PostgreSQL: `CREATE [UNIQUE] INDEX [CONCURRENTLY] IF NOT EXISTS "<name>" ON
    /// "cms_documents" ("organization_id", <rank> NULLS FIRST, <term> NULLS FIRST) WHERE "type" =
    /// '<type>'` (a descending sort reads it backwards); `concurrently` (outside a transaction)
    /// builds it without blocking writes.
    ///
    /// SQLite: `("organization_id", "type", <sortable>, "id")`. SQLite's planner weighs a LIMIT poorly: unless an
    /// index gives the *whole* ORDER BY (the sortable value, then `id`), it would rather take
    /// the type's own indexes and sort every document of the type than read the first page off
    /// this one. Led by the type, the index is as selective as those for `type = ?`, and it ends
    /// with the `id` tie-break, so the planner takes it. A unique index cannot end with `id`, so
    /// a unique field gets that ordered index under the [companion](Self::companion_index) name
    /// and a unique index `("organization_id", "type", <term>)` on the values of its kind (NULL
    /// for the others, which never conflict) under its own.
    pub(crate) fn create_field_index(self, index: &FieldIndex, concurrently: bool) -> Vec<String> {
        let column = match index.column {
            JsonColumn::PublishedData => Column::PublishedData,
            _ => Column::DraftData,
        };
        let path = self.json(Expr::col(column), &index.path, Some(index.kind));
        let text = |e: Expr| format!("({})", sql_text(self, e));
        let predicate = sql_text(
            self,
            Expr::col(Column::DocType).eq(literal(index.doc_type.as_str())),
        );
        let create = |unique: bool, name: &str, columns: Vec<String>| {
            format!(
                "CREATE {unique}INDEX {concurrently}IF NOT EXISTS {name} ON {table} ({columns}) WHERE {predicate}",
                unique = if unique { "UNIQUE " } else { "" },
                concurrently = if concurrently { "CONCURRENTLY " } else { "" },
                name = quoted(name),
                table = quoted("cms_documents"),
                columns = columns.join(", "),
            )
        };
        let doc_type = quoted(Column::DocType.as_str());
        let organization = quoted(Column::OrganizationId.as_str());
        match self {
            Dialect::Postgres => {
                let terms = path
                    .index_terms(index.kind)
                    .into_iter()
                    .map(|term| format!("{} NULLS FIRST", text(term)));
                let columns = std::iter::once(organization).chain(terms).collect();
                vec![create(index.unique, &index.name, columns)]
            }
            Dialect::Sqlite => {
                let ordered = |name: &str| {
                    let columns = path.index_terms(index.kind).into_iter().map(text);
                    let columns = [organization.clone(), doc_type.clone()]
                        .into_iter()
                        .chain(columns)
                        .chain([quoted(Column::Id.as_str())])
                        .collect();
                    create(false, name, columns)
                };
                match self.companion_index(&index.name) {
                    Some(companion) if index.unique => {
                        let term = text(path.kind_term(index.kind));
                        vec![
                            ordered(&companion),
                            create(
                                true,
                                &index.name,
                                vec![organization.clone(), doc_type.clone(), term],
                            ),
                        ]
                    }
                    _ => vec![ordered(&index.name)],
                }
            }
        }
    }

    /// The second index a unique field has on SQLite (see
    /// [`create_field_index`](Self::create_field_index)): its name with `cms_uo_` for `cms_ux_`.
    /// Not listed as a field index; dropped with the unique one.
    pub(crate) fn companion_index(self, name: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => name
                .strip_prefix(UNIQUE_PREFIX)
                .map(|rest| format!("{COMPANION_PREFIX}{rest}")),
            Dialect::Postgres => None,
        }
    }

    /// `DROP INDEX [CONCURRENTLY] IF EXISTS "<name>"` (and its companion on SQLite).
    pub(crate) fn drop_field_index(self, name: &str, concurrently: bool) -> Vec<String> {
        std::iter::once(name.to_owned())
            .chain(self.companion_index(name))
            .map(|name| {
                format!(
                    "DROP INDEX {}IF EXISTS {}",
                    if concurrently { "CONCURRENTLY " } else { "" },
                    quoted(&name)
                )
            })
            .collect()
    }

    /// The names of the usable indexes on `cms_documents` (one text column, `name`).
    /// PostgreSQL leaves an index whose concurrent build failed behind, marked invalid: it is
    /// not listed.
    pub(crate) fn list_document_indexes(self) -> &'static str {
        match self {
            Dialect::Postgres => {
                "SELECT c.relname::text AS name FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
                 WHERE t.relname = 'cms_documents' AND t.relnamespace = current_schema()::regnamespace \
                 AND i.indisvalid"
            }
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cms_documents'"
            }
        }
    }

    /// Whether an index of this name exists in any state (PostgreSQL: also an invalid one).
    pub(crate) fn index_exists(self) -> &'static str {
        match self {
            Dialect::Postgres => {
                "SELECT c.relname::text AS name FROM pg_class c \
                 WHERE c.relname = $1 AND c.relkind = 'i' \
                 AND c.relnamespace = current_schema()::regnamespace"
            }
            Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?",
        }
    }
}
