//! Whole tables in their canonical form on SQL ([`RowStore`], `docs/copy.md`): one generic
//! reader and writer driven by the catalog of `aphex_core::copy`, with the dialect deciding how
//! each kind of value is bound and read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, InsertStatement, OnConflict, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, TryGetable, Value};
use serde_json::Value as Json;

use aphex_core::copy::{Cell, Column, ColumnKind, Row, Table, cell};
use aphex_core::ports::{RowReader, RowStore};
use aphex_core::service::reference_ids;
use aphex_core::{Error, Result};

use super::{SeaAdapter, SeaBackend};
use crate::conn::SeaConnection;
use crate::dialect::Dialect;
use crate::error::map_db_err;
use crate::value::DbUuid;

const ENTITY: &str = "row";

/// The most values one write statement binds (below SQLite's 32 766 and PostgreSQL's 65 535).
const MAX_BOUND_VALUES: usize = 30_000;

fn name(c: &str) -> Alias {
    Alias::new(c)
}

/// The key column as it is ordered and compared: by code point (text keys), or as a UUID
/// (whose order is that of its lowercase text).
fn key_expr(dialect: Dialect, table: &Table) -> Expr {
    let key = Expr::col(name(table.key().name));
    match table.key().kind {
        ColumnKind::Uuid => key,
        _ => dialect.binary_text(key),
    }
}

/// A key value to compare the key column with.
fn key_value(table: &Table, key: &str) -> Result<Expr> {
    Ok(match table.key().kind {
        ColumnKind::Uuid => Expr::val(Value::Uuid(Some(
            uuid::Uuid::parse_str(key)
                .map_err(|_| Error::invalid(table.key().name, format!("{key:?} is not a UUID")))?,
        ))),
        _ => Expr::val(key),
    })
}

/// How a column is selected: PostgreSQL enums as text.
fn read_expr(dialect: Dialect, column: &Column) -> Expr {
    let col = Expr::col(name(column.name));
    match (dialect, column.kind) {
        (Dialect::Postgres, ColumnKind::Enum(_)) => col.cast_as("text"),
        _ => col,
    }
}

fn get<T: TryGetable>(row: &QueryResult, column: &Column) -> Result<Option<T>> {
    row.try_get::<Option<T>>("", column.name)
        .map_err(|e| Error::backend("sql", format!("reading {}: {e}", column.name)))
}

/// One stored value in its canonical form.
fn read_cell(row: &QueryResult, column: &Column) -> Result<Json> {
    let text: Option<String>;
    let json: Option<Json>;
    let value = match column.kind {
        ColumnKind::Text | ColumnKind::Enum(_) => {
            text = get::<String>(row, column)?;
            text.as_deref().map(Cell::Text)
        }
        ColumnKind::Int => get::<i32>(row, column)?.map(|i| Cell::Int(i64::from(i))),
        ColumnKind::BigInt => get::<i64>(row, column)?.map(Cell::Int),
        ColumnKind::Bool => get::<bool>(row, column)?.map(Cell::Bool),
        ColumnKind::Timestamp => get::<DateTime<Utc>>(row, column)?.map(Cell::Timestamp),
        ColumnKind::Uuid => get::<DbUuid>(row, column)?.map(|u| Cell::Uuid(u.0)),
        ColumnKind::Json => {
            json = get::<Json>(row, column)?;
            json.as_ref().map(Cell::Json)
        }
        _ => {
            return Err(Error::backend(
                "sql",
                format!("unknown kind of {}", column.name),
            ));
        }
    };
    Ok(value.unwrap_or(Cell::Null).to_value())
}

/// A canonical value as the column stores it; `NULL`s are typed, as PostgreSQL needs them.
fn write_expr(dialect: Dialect, column: &Column, value: Cell<'_>) -> Expr {
    match (column.kind, value) {
        (ColumnKind::Json, Cell::Json(v)) => dialect.json_param(v),
        (ColumnKind::Json, _) => match dialect {
            Dialect::Postgres => Expr::val(Value::String(None)).cast_as("jsonb"),
            Dialect::Sqlite => Expr::val(Value::String(None)),
        },
        (ColumnKind::Enum(pg_type), v) => {
            let text = Expr::val(Value::String(match v {
                Cell::Text(s) => Some(s.to_owned()),
                _ => None,
            }));
            match dialect {
                Dialect::Postgres => text.cast_as(pg_type),
                Dialect::Sqlite => text,
            }
        }
        (ColumnKind::Int, Cell::Int(i)) => Expr::val(Value::Int(i32::try_from(i).ok())),
        (ColumnKind::Int, _) => Expr::val(Value::Int(None)),
        (ColumnKind::BigInt, Cell::Int(i)) => Expr::val(Value::BigInt(Some(i))),
        (ColumnKind::BigInt, _) => Expr::val(Value::BigInt(None)),
        (ColumnKind::Bool, Cell::Bool(b)) => Expr::val(Value::Bool(Some(b))),
        (ColumnKind::Bool, _) => Expr::val(Value::Bool(None)),
        (ColumnKind::Timestamp, Cell::Timestamp(t)) => Expr::val(Value::from(t)),
        (ColumnKind::Timestamp, _) => Expr::val(Value::ChronoDateTimeUtc(None)),
        (ColumnKind::Uuid, Cell::Uuid(u)) => Expr::val(Value::Uuid(Some(u))),
        (ColumnKind::Uuid, _) => Expr::val(Value::Uuid(None)),
        (_, Cell::Text(s)) => Expr::val(s),
        _ => Expr::val(Value::String(None)),
    }
}

/// The reference index columns of `cms_documents`, derived from its data columns.
const DERIVED_REFERENCES: [(&str, &str); 2] = [
    ("draft_references", "draft_data"),
    ("published_references", "published_data"),
];

fn derives_references(table: &Table) -> bool {
    table.name == "cms_documents"
}

/// The upsert statements of `rows` (already checked), at most [`MAX_BOUND_VALUES`] values each.
fn upserts(dialect: Dialect, table: &Table, rows: &[Row]) -> Result<Vec<InsertStatement>> {
    let mut columns: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    if derives_references(table) {
        columns.extend(DERIVED_REFERENCES.iter().map(|(c, _)| *c));
    }
    let per_statement = (MAX_BOUND_VALUES / columns.len()).max(1);
    let mut statements = Vec::new();
    for chunk in rows.chunks(per_statement) {
        let mut insert = Query::insert();
        insert
            .into_table(name(table.name))
            .columns(columns.iter().map(|c| name(c)));
        for row in chunk {
            let mut values = Vec::with_capacity(columns.len());
            for column in table.columns {
                values.push(write_expr(dialect, column, cell(table, column, row)?));
            }
            if derives_references(table) {
                for (_, data) in DERIVED_REFERENCES {
                    let ids = row.get(data).map(reference_ids).unwrap_or_default();
                    values.push(dialect.references_param(&ids));
                }
            }
            insert
                .values(values)
                .map_err(|e| Error::backend("sql", e))?;
        }
        insert.on_conflict(
            OnConflict::column(name(table.key().name))
                .update_columns(columns.iter().skip(1).map(|c| name(c)))
                .to_owned(),
        );
        statements.push(insert);
    }
    Ok(statements)
}

fn select_rows(
    dialect: Dialect,
    table: &Table,
    after: Option<&str>,
    limit: u32,
) -> Result<SelectStatement> {
    let mut select = Query::select();
    select.from(name(table.name));
    for column in table.columns {
        select.expr_as(read_expr(dialect, column), name(column.name));
    }
    if let Some(after) = after {
        select.and_where(key_expr(dialect, table).gt(key_value(table, after)?));
    }
    select
        .order_by_expr(key_expr(dialect, table), Order::Asc)
        .limit(u64::from(limit));
    Ok(select)
}

async fn count<C: ConnectionTrait>(conn: &C, dialect: Dialect, table: &Table) -> Result<u64> {
    let mut select = Query::select();
    select
        .expr_as(Expr::cust("COUNT(*)"), name("n"))
        .from(name(table.name));
    let row = conn
        .query_one_raw(conn.get_database_backend().build(&select))
        .await
        .map_err(|e| map_db_err(dialect, ENTITY, e))?;
    let n: i64 = match row {
        Some(r) => r
            .try_get("", "n")
            .map_err(|e| map_db_err(dialect, ENTITY, e))?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or_default())
}

async fn read<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    table: &Table,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Row>> {
    let select = select_rows(dialect, table, after, limit)?;
    let found = conn
        .query_all_raw(conn.get_database_backend().build(&select))
        .await
        .map_err(|e| map_db_err(dialect, ENTITY, e))?;
    found
        .iter()
        .map(|r| {
            table
                .columns
                .iter()
                .map(|c| Ok((c.name.to_owned(), read_cell(r, c)?)))
                .collect()
        })
        .collect()
}

/// [`RowReader`] over a snapshot transaction.
struct SeaRowReader {
    tx: SeaConnection<DatabaseTransaction>,
}

#[async_trait]
impl RowReader for SeaRowReader {
    fn is_snapshot(&self) -> bool {
        true
    }

    async fn count_rows(&mut self, table: &Table) -> Result<u64> {
        count(&self.tx, self.tx.dialect(), table).await
    }

    async fn read_rows(
        &mut self,
        table: &Table,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Row>> {
        read(&self.tx, self.tx.dialect(), table, after, limit).await
    }
}

/// The tables whose row-level security applies to the connected role (PostgreSQL): enabled on
/// the table, and the role neither bypasses it nor owns the table without `FORCE`.
const RESTRICTED_TABLES: &str = "SELECT c.relname::text AS name FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relrowsecurity \
     AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user) \
     AND (c.relforcerowsecurity OR pg_get_userbyid(c.relowner) <> current_user) \
     ORDER BY 1";

impl<B: SeaBackend> SeaAdapter<B> {
    /// Whole-table reads under row-level security would see one organization, or nothing, and
    /// a copy would silently leave the rest behind: refused instead.
    async fn refuse_row_level_security(&self) -> Result<()> {
        if self.conn.dialect != Dialect::Postgres {
            return Ok(());
        }
        let restricted = self
            .conn
            .query_all_raw(sea_orm::Statement::from_string(
                self.conn.get_database_backend(),
                RESTRICTED_TABLES,
            ))
            .await
            .map_err(self.err(ENTITY))?;
        if restricted.is_empty() {
            return Ok(());
        }
        Err(Error::Unsupported {
            backend: "postgres",
            operation: "reading whole tables while row-level security restricts the role (copy as a superuser or a role with BYPASSRLS)",
        })
    }
}

#[async_trait]
impl<B: SeaBackend> RowStore for SeaAdapter<B> {
    async fn read(&self) -> Result<Box<dyn RowReader>> {
        self.refuse_row_level_security().await?;
        let tx = self
            .conn
            .begin_snapshot()
            .await
            .map_err(self.err("transaction"))?;
        Ok(Box::new(SeaRowReader { tx }))
    }

    async fn upsert_rows(&self, table: &Table, rows: &[Row]) -> Result<()> {
        let dialect = self.conn.dialect;
        let statements = upserts(dialect, table, rows)?;
        let tx = self.conn.begin().await.map_err(self.err("transaction"))?;
        for insert in &statements {
            tx.execute_raw(tx.get_database_backend().build(insert))
                .await
                .map_err(self.err(ENTITY))?;
        }
        tx.commit().await.map_err(self.err("transaction"))
    }

    async fn count_rows(&self, table: &Table) -> Result<u64> {
        count(&self.conn, self.conn.dialect, table).await
    }

    async fn last_key(&self, table: &Table) -> Result<Option<String>> {
        let dialect = self.conn.dialect;
        let key = table.key();
        let mut select = Query::select();
        select
            .expr_as(read_expr(dialect, key), name(key.name))
            .from(name(table.name))
            .order_by_expr(key_expr(dialect, table), Order::Desc)
            .limit(1);
        let row = self
            .conn
            .query_one_raw(self.conn.get_database_backend().build(&select))
            .await
            .map_err(self.err(ENTITY))?;
        Ok(match row {
            Some(r) => read_cell(&r, key)?.as_str().map(str::to_owned),
            None => None,
        })
    }

    async fn delete_row(&self, table: &Table, key: &str) -> Result<()> {
        let mut delete = Query::delete();
        delete
            .from_table(name(table.name))
            .and_where(Expr::col(name(table.key().name)).eq(key_value(table, key)?));
        self.conn
            .execute_raw(self.conn.get_database_backend().build(&delete))
            .await
            .map_err(self.err(ENTITY))?;
        Ok(())
    }

    async fn finish_copy(&self) -> Result<()> {
        // Each document's snapshot counter continues after its newest copied snapshot.
        let sql = "UPDATE cms_documents SET version_count = COALESCE((SELECT MAX(v.version_number) \
                   FROM cms_document_versions v WHERE v.document_id = cms_documents.id), 0)";
        self.conn
            .execute_unprepared(sql)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(())
    }
}
