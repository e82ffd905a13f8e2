//! `cms_schema_types`: `_id` is the UUID string; `name` is unique; `schema` is JSON (keys
//! escaped like document data). Upserting by name keeps the `_id` and `createdAt` of an existing
//! row.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;

use aphex_core::Result;
use aphex_core::model::{SchemaKind, SchemaType};
use aphex_core::ports::SchemaTypeStore;

use super::collections::SCHEMA_TYPES;
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
}
