//! Whole collections in their canonical form on MongoDB ([`RowStore`], `docs/copy.md`): one
//! generic reader and writer driven by the catalog of `aphex_core::copy` — the key column is
//! `_id`, every other column its camelCased name.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use mongodb::bson::{Bson, Document, doc};
use serde_json::Value as Json;

use aphex_core::copy::{Cell, Column, ColumnKind, Row, Table, cell, key_of};
use aphex_core::ports::{RowReader, RowStore};
use aphex_core::{Error, Result};

use super::collections::{DOCUMENTS, VERSIONS};
use super::document::references;
use super::version::VERSION_COUNTER;
use super::{MongoStore, NoSession, SessionMode, exec};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, to_bson, to_json};

/// Ids per `$in` of one command.
const ID_CHUNK: usize = 1_000;

/// The field a column is stored in: `_id` for the key, else its name camelCased.
pub(crate) fn field(table: &Table, column: &Column) -> String {
    if column.name == table.key().name {
        return "_id".to_owned();
    }
    let mut out = String::with_capacity(column.name.len());
    let mut upper = false;
    for c in column.name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The reference index fields of `cms_documents`, derived from its data fields.
const DERIVED_REFERENCES: [(&str, &str); 2] = [
    ("draftReferences", "draft_data"),
    ("publishedReferences", "published_data"),
];

fn wrong(table: &Table, column: &Column, what: &str) -> Error {
    malformed(
        table.name,
        format!("`{}` is not {what}", field(table, column)),
    )
}

/// One stored field in its canonical form.
fn read_cell(table: &Table, column: &Column, doc: &Document) -> Result<Json> {
    let Some(value) = doc
        .get(field(table, column))
        .filter(|v| !matches!(v, Bson::Null))
    else {
        return Ok(Json::Null);
    };
    let json;
    let cell = match (column.kind, value) {
        (ColumnKind::Text | ColumnKind::Enum(_), Bson::String(s)) => Cell::Text(s),
        (ColumnKind::Int | ColumnKind::BigInt, Bson::Int32(i)) => Cell::Int(i64::from(*i)),
        (ColumnKind::Int | ColumnKind::BigInt, Bson::Int64(i)) => Cell::Int(*i),
        (ColumnKind::Bool, Bson::Boolean(b)) => Cell::Bool(*b),
        (ColumnKind::Timestamp, Bson::DateTime(d)) => Cell::Timestamp(
            Utc.timestamp_millis_opt(d.timestamp_millis())
                .single()
                .ok_or_else(|| wrong(table, column, "a valid date"))?,
        ),
        (ColumnKind::Uuid, Bson::String(s)) => {
            Cell::Uuid(uuid::Uuid::parse_str(s).map_err(|_| wrong(table, column, "a UUID"))?)
        }
        (ColumnKind::Json, v) => {
            json = to_json(v)?;
            Cell::Json(&json)
        }
        (kind, _) => return Err(wrong(table, column, &format!("of kind {kind:?}"))),
    };
    Ok(cell.to_value())
}

/// A canonical value as the collection stores it.
fn write_cell(column: &Column, value: Cell<'_>) -> Bson {
    match value {
        Cell::Null => Bson::Null,
        Cell::Text(s) => Bson::String(s.to_owned()),
        Cell::Int(i) => match column.kind {
            ColumnKind::Int => i32::try_from(i).map_or(Bson::Int64(i), Bson::Int32),
            _ => Bson::Int64(i),
        },
        Cell::Bool(b) => Bson::Boolean(b),
        Cell::Timestamp(t) => date(t),
        Cell::Uuid(u) => Bson::String(u.to_string()),
        Cell::Json(Json::Null) => Bson::Null,
        Cell::Json(v) => to_bson(v),
    }
}

/// `row` as the document the adapter would have written.
fn to_document(table: &Table, row: &Row) -> Result<Document> {
    let mut doc = Document::new();
    for column in table.columns {
        doc.insert(
            field(table, column),
            write_cell(column, cell(table, column, row)?),
        );
    }
    if table.name == "cms_documents" {
        for (name, data) in DERIVED_REFERENCES {
            let ids = row.get(data).map(references).unwrap_or_default();
            doc.insert(name, ids);
        }
    }
    Ok(doc)
}

fn from_document(table: &Table, doc: &Document) -> Result<Row> {
    table
        .columns
        .iter()
        .map(|c| Ok((c.name.to_owned(), read_cell(table, c, doc)?)))
        .collect()
}

/// [`RowReader`] on MongoDB: each batch reads what is committed when it runs (a standalone
/// server has no snapshot reads across commands).
struct MongoRowReader {
    store: MongoStore<NoSession>,
}

#[async_trait]
impl RowReader for MongoRowReader {
    fn is_snapshot(&self) -> bool {
        false
    }

    async fn count_rows(&mut self, table: &Table) -> Result<u64> {
        self.store.count_rows(table).await
    }

    async fn read_rows(
        &mut self,
        table: &Table,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Row>> {
        let filter = match after {
            Some(key) => doc! { "_id": { "$gt": key } },
            None => doc! {},
        };
        let found = self
            .store
            .find_all(
                table.name,
                filter,
                Some(doc! { "_id": 1 }),
                None,
                Some(u64::from(limit)),
            )
            .await?;
        found.iter().map(|d| from_document(table, d)).collect()
    }
}

#[async_trait]
impl RowStore for MongoStore<NoSession> {
    async fn read(&self) -> Result<Box<dyn RowReader>> {
        Ok(Box::new(MongoRowReader {
            store: MongoStore {
                client: self.client.clone(),
                db: self.db.clone(),
                statements: self.statements.clone(),
                transactions: self.transactions,
                mode: NoSession,
            },
        }))
    }

    async fn upsert_rows(&self, table: &Table, rows: &[Row]) -> Result<()> {
        let docs: Vec<Document> = rows
            .iter()
            .map(|r| to_document(table, r))
            .collect::<Result<_>>()?;
        let keys: Vec<String> = rows
            .iter()
            .map(|r| key_of(table, r))
            .collect::<Result<_>>()?;
        if docs.is_empty() {
            return Ok(());
        }
        let coll = self.coll(table.name);
        // The common case, a fresh copy: one insert. A duplicate key means rows already there
        // (a resumed copy's last batch, a second pass): those are replaced, the rest inserted.
        // (Asking first which keys exist would cost a query per batch, and a scan per batch on
        // servers without an `_id` index for `$in`, like the test server.)
        match exec!(self, coll.insert_many(docs.clone())).map_err(map_err(table.name)) {
            Ok(_) => return Ok(()),
            Err(Error::Conflict { .. }) => {}
            Err(other) => return Err(other),
        }
        let existing = self
            .find_all(
                table.name,
                doc! { "_id": { "$in": &keys } },
                None,
                None,
                None,
            )
            .await?;
        let existing: std::collections::HashSet<&str> = existing
            .iter()
            .filter_map(|d| d.get_str("_id").ok())
            .collect();
        let mut fresh = Vec::with_capacity(docs.len());
        for (key, doc) in keys.iter().zip(docs) {
            if existing.contains(key.as_str()) {
                exec!(self, coll.replace_one(doc! { "_id": key }, doc))
                    .map_err(map_err(table.name))?;
            } else {
                fresh.push(doc);
            }
        }
        if !fresh.is_empty() {
            exec!(self, coll.insert_many(fresh)).map_err(map_err(table.name))?;
        }
        Ok(())
    }

    async fn count_rows(&self, table: &Table) -> Result<u64> {
        let coll = self.coll(table.name);
        exec!(self, coll.count_documents(doc! {})).map_err(map_err(table.name))
    }

    async fn last_key(&self, table: &Table) -> Result<Option<String>> {
        let last = self
            .find_all(table.name, doc! {}, Some(doc! { "_id": -1 }), None, Some(1))
            .await?;
        Ok(last
            .first()
            .and_then(|d| d.get_str("_id").ok())
            .map(str::to_owned))
    }

    async fn delete_row(&self, table: &Table, key: &str) -> Result<()> {
        let coll = self.coll(table.name);
        exec!(self, coll.delete_one(doc! { "_id": key })).map_err(map_err(table.name))?;
        Ok(())
    }

    async fn finish_copy(&self) -> Result<()> {
        // Each document's snapshot counter continues after its newest copied snapshot: the
        // documents grouped by that number, one `updateMany` per number and chunk of ids.
        let newest = self
            .aggregate_all(
                VERSIONS,
                vec![
                    doc! { "$group": { "_id": "$documentId", "n": { "$max": "$versionNumber" } } },
                ],
            )
            .await?;
        let mut by_number: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for row in &newest {
            let f = Fields::new(row, VERSIONS);
            by_number
                .entry(f.i64("n")?)
                .or_default()
                .push(f.str("_id")?);
        }
        let documents = self.coll(DOCUMENTS);
        for (number, ids) in by_number {
            for chunk in ids.chunks(ID_CHUNK) {
                exec!(
                    self,
                    documents.update_many(
                        doc! { "_id": { "$in": chunk } },
                        doc! { "$set": { VERSION_COUNTER: number } },
                    )
                )
                .map_err(map_err(DOCUMENTS))?;
            }
        }
        Ok(())
    }
}
