//! `cms_schema_types`: `_id` is the UUID string; `name` is unique; `schema` is JSON (keys
//! escaped like document data). Upserting by name keeps the `_id` and `createdAt` of an existing
//! row.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;

use aphex_core::model::{SchemaKind, SchemaType};
use aphex_core::ports::SchemaTypeStore;
use aphex_core::query::{IndexKind, JsonColumn};
use aphex_core::schema::FieldIndex;
use aphex_core::{Error, Result};
use mongodb::IndexModel;
use mongodb::options::IndexOptions;

use super::collections::{DOCUMENTS, SCHEMA_TYPES};
use super::{MongoStore, SessionMode, exec};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, opt, to_bson};

const ENTITY: &str = "schema type";

fn to_core(d: &Document) -> Result<SchemaType> {
    let f = Fields::new(d, SCHEMA_TYPES);
    let kind = f.str("type")?;
    Ok(SchemaType {
        id: f.uuid("_id")?,
        name: f.str("name")?,
        title: f.str("title")?,
        kind: SchemaKind::parse(&kind)
            .ok_or_else(|| malformed(SCHEMA_TYPES, format!("unknown type {kind:?}")))?,
        description: f.opt_str("description")?,
        schema: f.json("schema")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
    })
}

#[async_trait]
impl<S: SessionMode> SchemaTypeStore for MongoStore<S> {
    async fn upsert_schema_type(&self, t: &SchemaType) -> Result<SchemaType> {
        let update = doc! {
            "$set": {
                "title": &t.title,
                "type": t.kind.as_str(),
                "description": opt(t.description.clone()),
                "schema": to_bson(&t.schema),
                "updatedAt": date(t.updated_at),
            },
            "$setOnInsert": {
                "_id": t.id.to_string(),
                "createdAt": date(t.created_at),
            },
        };
        let coll = self.coll(SCHEMA_TYPES);
        let row = exec!(
            self,
            coll.find_one_and_update(doc! { "name": &t.name }, update)
                .upsert(true)
                .return_document(ReturnDocument::After)
        )
        .map_err(map_err(ENTITY))?
        .ok_or_else(|| malformed(SCHEMA_TYPES, "an upsert returned no document"))?;
        to_core(&row)
    }

    async fn find_schema_type(&self, name: &str) -> Result<Option<SchemaType>> {
        let coll = self.coll(SCHEMA_TYPES);
        exec!(self, coll.find_one(doc! { "name": name }))
            .map_err(map_err(ENTITY))?
            .as_ref()
            .map(to_core)
            .transpose()
    }

    async fn list_schema_types(&self, kind: Option<SchemaKind>) -> Result<Vec<SchemaType>> {
        let filter = match kind {
            Some(k) => doc! { "type": k.as_str() },
            None => doc! {},
        };
        let rows = self
            .find_all(SCHEMA_TYPES, filter, Some(doc! { "name": 1 }), None, None)
            .await?;
        rows.iter().map(to_core).collect()
    }

    async fn delete_schema_type(&self, name: &str) -> Result<bool> {
        let coll = self.coll(SCHEMA_TYPES);
        let res = exec!(self, coll.delete_one(doc! { "name": name })).map_err(map_err(ENTITY))?;
        Ok(res.deleted_count > 0)
    }

    async fn list_field_indexes(&self) -> Result<Vec<String>> {
        // Index commands run outside any transaction (MongoDB does not build indexes of an
        // existing collection in one).
        self.count_command();
        let mut names = self
            .coll(DOCUMENTS)
            .list_index_names()
            .await
            .map_err(map_err("index"))?;
        names.retain(|n| FieldIndex::is_managed(n));
        Ok(names)
    }

    async fn create_field_index(&self, index: &FieldIndex) -> Result<()> {
        let model = IndexModel::builder()
            .keys(field_index_keys(index))
            .options(
                IndexOptions::builder()
                    .name(index.name.clone())
                    .unique(index.unique)
                    .partial_filter_expression(field_index_filter(index))
                    .build(),
            )
            .build();
        self.count_command();
        match self.coll(DOCUMENTS).create_index(model).await {
            Ok(_) => Ok(()),
            Err(e) => Err(match map_err("document")(e) {
                // Stored documents already share a value (the service names the field).
                Error::Conflict { entity, .. } => Error::Conflict {
                    entity,
                    constraint: index.name.clone(),
                },
                other => other,
            }),
        }
    }

    async fn drop_field_index(&self, name: &str) -> Result<bool> {
        if !self.list_field_indexes().await?.iter().any(|n| n == name) {
            return Ok(false);
        }
        self.count_command();
        self.coll(DOCUMENTS)
            .drop_index(name)
            .await
            .map_err(map_err("index"))?;
        Ok(true)
    }
}

/// The document field a field index covers: `draftData.slug.current`.
fn field_index_path(index: &FieldIndex) -> String {
    let root = match index.column {
        JsonColumn::PublishedData => "publishedData",
        _ => "draftData",
    };
    format!("{root}.{}", index.path.join("."))
}

/// Led by the organization (every query names it, and a unique field is unique per
/// organization). A plain index also holds `_id`, so a sort on the field (with `_id` as the
/// tiebreaker every sort ends with) reads it in order; a unique index is on the field alone.
fn field_index_keys(index: &FieldIndex) -> Document {
    let mut keys = doc! { super::ORGANIZATION: 1, field_index_path(index): 1 };
    if !index.unique {
        keys.insert("_id", 1);
    }
    keys
}

/// Partial on the type; a unique index only on values of its kind, so documents without one
/// (missing, `null`, another type) never conflict — as on the SQL backends, where such a value's
/// indexed term is NULL.
fn field_index_filter(index: &FieldIndex) -> Document {
    let mut filter = doc! { "type": &index.doc_type };
    if index.unique {
        let kind = match index.kind {
            IndexKind::Number => "number",
            _ => "string",
        };
        filter.insert(field_index_path(index), doc! { "$type": kind });
    }
    filter
}
