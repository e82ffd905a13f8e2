//! The SQL of field indexes ([`FieldIndex`]) in each dialect: `CREATE INDEX` on exactly the
//! expressions the `where` compiler writes for an indexed field ([`JsonPath::index_terms`]),
//! partial on the document type; `DROP INDEX`; and the catalog query that lists them.

use sea_orm::sea_query::{Expr, ExprTrait, PostgresQueryBuilder, Query, SqliteQueryBuilder};

use aphex_core::query::JsonColumn;
use aphex_core::schema::FieldIndex;

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
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] IF NOT EXISTS "<name>" ON "cms_documents"
    /// (<rank>, <term>) WHERE "type" = '<type>'` (SQLite: `("type", <rank>, <term>)`, see
    /// below). Both columns sort NULLS FIRST, as the
    /// ascending sort does (a descending sort reads the index backwards). `concurrently`
    /// (PostgreSQL, outside a transaction) builds it without blocking writes.
    pub(crate) fn create_field_index(self, index: &FieldIndex, concurrently: bool) -> String {
        let column = match index.column {
            JsonColumn::PublishedData => Column::PublishedData,
            _ => Column::DraftData,
        };
        let path = self.json(Expr::col(column), &index.path, Some(index.kind));
        let nulls_first = match self {
            Dialect::Postgres => " NULLS FIRST",
            Dialect::Sqlite => "",
        };
        let mut columns: Vec<String> = path
            .index_terms(index.kind, index.unique)
            .into_iter()
            .map(|term| format!("({}){nulls_first}", sql_text(self, term)))
            .collect();
        if self == Dialect::Sqlite {
            // SQLite's planner does not weigh a LIMIT: with the type's own indexes
            // (`type`, …) it would rather sort every document of the type than read the first
            // page off this index. Led by the type too, this index is as selective for
            // `type = ?` and also gives the order, so the planner takes it.
            columns.insert(0, quoted(Column::DocType.as_str()));
        }
        let predicate = sql_text(
            self,
            Expr::col(Column::DocType).eq(literal(index.doc_type.as_str())),
        );
        format!(
            "CREATE {unique}INDEX {concurrently}IF NOT EXISTS {name} ON {table} ({columns}) WHERE {predicate}",
            unique = if index.unique { "UNIQUE " } else { "" },
            concurrently = if concurrently { "CONCURRENTLY " } else { "" },
            name = quoted(&index.name),
            table = quoted("cms_documents"),
            columns = columns.join(", "),
        )
    }

    /// `DROP INDEX [CONCURRENTLY] IF EXISTS "<name>"`.
    pub(crate) fn drop_field_index(self, name: &str, concurrently: bool) -> String {
        format!(
            "DROP INDEX {}IF EXISTS {}",
            if concurrently { "CONCURRENTLY " } else { "" },
            quoted(name)
        )
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
