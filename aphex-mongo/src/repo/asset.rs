use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use aphex_core::model::{Asset, AssetPatch, Timestamp};
use aphex_core::ports::AssetStore;
use aphex_core::query::{Filter, ListQuery, Page};
use aphex_core::{Error, Result, Scope};

use super::collections::ASSETS;
use super::{MongoStore, ORGANIZATION, SessionMode, exec, owned, visible};
use crate::error::map_err;
use crate::filter::{Assets, BsonCompiler};
use crate::value::{Fields, date, opt, to_bson};

fn to_core(d: &Document) -> Result<Asset> {
    let f = Fields::new(d, ASSETS);
    Ok(Asset {
        id: f.uuid("_id")?,
        asset_type: f.str("assetType")?,
        filename: f.str("filename")?,
        original_filename: f.str("originalFilename")?,
        mime_type: f.str("mimeType")?,
        size: f.i64("size")?,
        url: f.str("url")?,
        path: f.str("path")?,
        storage_adapter: f.str("storageAdapter")?,
        width: f.opt_i32("width")?,
        height: f.opt_i32("height")?,
        metadata: f.opt_json("metadata")?,
        title: f.opt_str("title")?,
        description: f.opt_str("description")?,
        alt: f.opt_str("alt")?,
        credit_line: f.opt_str("creditLine")?,
        created_by: f.opt_str("createdBy")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
        organization_id: f.str(ORGANIZATION)?,
    })
}

#[async_trait]
impl<S: SessionMode> AssetStore for MongoStore<S> {
    async fn insert_asset(&self, scope: &Scope, a: &Asset) -> Result<Asset> {
        let record = doc! {
            "_id": a.id.to_string(),
            "assetType": &a.asset_type,
            "filename": &a.filename,
            "originalFilename": &a.original_filename,
            "mimeType": &a.mime_type,
            "size": a.size,
            "url": &a.url,
            "path": &a.path,
            "storageAdapter": &a.storage_adapter,
            "width": opt(a.width),
            "height": opt(a.height),
            "metadata": a.metadata.as_ref().map_or(Bson::Null, to_bson),
            "title": opt(a.title.clone()),
            "description": opt(a.description.clone()),
            "alt": opt(a.alt.clone()),
            "creditLine": opt(a.credit_line.clone()),
            "createdBy": opt(a.created_by.clone()),
            "createdAt": date(a.created_at),
            "updatedAt": date(a.updated_at),
            ORGANIZATION: scope.organization(),
        };
        let coll = self.coll(ASSETS);
        exec!(self, coll.insert_one(&record)).map_err(map_err("asset"))?;
        to_core(&record)
    }

    async fn find_asset(&self, scope: &Scope, id: Uuid) -> Result<Option<Asset>> {
        let coll = self.coll(ASSETS);
        exec!(
            self,
            coll.find_one(visible(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("asset"))?
        .as_ref()
        .map(to_core)
        .transpose()
    }

    async fn find_assets(&self, scope: &Scope, query: &ListQuery) -> Result<Page<Asset>> {
        let filter = visible(BsonCompiler::<Assets>::filter(&query.filter)?, scope);
        let sort = BsonCompiler::<Assets>::sort(&query.sort)?;
        let coll = self.coll(ASSETS);
        let total = if query.count {
            exec!(self, coll.count_documents(filter.clone())).map_err(map_err("asset"))?
        } else {
            0
        };
        let rows = self
            .find_all(
                ASSETS,
                filter,
                Some(sort),
                Some(query.paging.offset()),
                Some(query.fetch_limit()),
            )
            .await?;
        Ok(Page {
            rows: rows.iter().map(to_core).collect::<Result<_>>()?,
            total,
        })
    }

    async fn count_assets(&self, scope: &Scope, filter: &Filter) -> Result<u64> {
        let filter = visible(BsonCompiler::<Assets>::filter(filter)?, scope);
        let coll = self.coll(ASSETS);
        exec!(self, coll.count_documents(filter)).map_err(map_err("asset"))
    }

    async fn count_assets_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>> {
        self.counts_by(scope, ASSETS, "assetType").await
    }

    async fn total_asset_size(&self, scope: &Scope) -> Result<u64> {
        let pipeline = vec![
            doc! { "$match": visible(Document::new(), scope) },
            doc! { "$group": { "_id": Bson::Null, "total": { "$sum": "$size" } } },
        ];
        let rows = self.aggregate_all(ASSETS, pipeline).await?;
        // `$sum` of 64-bit integers turns into a double when it overflows; saturate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let total = match rows.first().and_then(|row| row.get("total")) {
            Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
            Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
            Some(Bson::Double(f)) => f.max(0.0) as u64,
            _ => 0,
        };
        Ok(total)
    }

    async fn update_asset(
        &self,
        scope: &Scope,
        id: Uuid,
        patch: &AssetPatch,
        updated_at: Timestamp,
    ) -> Result<Asset> {
        let mut set = doc! { "updatedAt": date(updated_at) };
        for (field, value) in [
            ("title", &patch.title),
            ("description", &patch.description),
            ("alt", &patch.alt),
            ("creditLine", &patch.credit_line),
        ] {
            if let Some(v) = value {
                set.insert(field, opt(v.clone()));
            }
        }
        if let Some(metadata) = &patch.metadata {
            set.insert("metadata", metadata.as_ref().map_or(Bson::Null, to_bson));
        }
        let coll = self.coll(ASSETS);
        let updated = exec!(
            self,
            coll.find_one_and_update(
                owned(doc! { "_id": id.to_string() }, scope),
                doc! { "$set": set }
            )
            .return_document(ReturnDocument::After)
        )
        .map_err(map_err("asset"))?;
        match updated {
            Some(d) => to_core(&d),
            None => Err(Error::not_found("asset", id)),
        }
    }

    async fn find_asset_in_any_organization(&self, id: Uuid) -> Result<Option<Asset>> {
        let coll = self.coll(ASSETS);
        exec!(self, coll.find_one(doc! { "_id": id.to_string() }))
            .map_err(map_err("asset"))?
            .as_ref()
            .map(to_core)
            .transpose()
    }

    async fn delete_asset(&self, scope: &Scope, id: Uuid) -> Result<bool> {
        let coll = self.coll(ASSETS);
        let res = exec!(
            self,
            coll.delete_one(owned(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("asset"))?;
        Ok(res.deleted_count > 0)
    }
}
