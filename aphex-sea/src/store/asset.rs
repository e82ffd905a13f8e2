use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use aphex_core::model::{Asset, AssetPatch, Timestamp};
use aphex_core::ports::AssetStore;
use aphex_core::query::{Filter, ListQuery, Page};
use aphex_core::{Error, Result, Scope};

use super::rls::in_rls_scope;
use super::{SeaStore, owned, visible};
use crate::entity::asset::{ActiveModel, Column, Entity, Model};
use crate::value::DbUuid;
use crate::where_sql::Assets;

const ENTITY: &str = "asset";

fn to_core(m: Model) -> Asset {
    Asset {
        id: m.id.0,
        asset_type: m.asset_type,
        filename: m.filename,
        original_filename: m.original_filename,
        mime_type: m.mime_type,
        size: m.size,
        url: m.url,
        path: m.path,
        storage_adapter: m.storage_adapter,
        width: m.width,
        height: m.height,
        metadata: m.metadata,
        title: m.title,
        description: m.description,
        alt: m.alt,
        credit_line: m.credit_line,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
        organization_id: m.organization_id,
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> AssetStore for SeaStore<C, B>
where
    crate::conn::SeaConnection<C>: crate::conn::Begin,
{
    async fn insert_asset(&self, scope: &Scope, a: &Asset) -> Result<Asset> {
        in_rls_scope!(self, scope, insert_asset(a));
        let model = ActiveModel {
            id: Set(DbUuid(a.id)),
            asset_type: Set(a.asset_type.clone()),
            filename: Set(a.filename.clone()),
            original_filename: Set(a.original_filename.clone()),
            mime_type: Set(a.mime_type.clone()),
            size: Set(a.size),
            url: Set(a.url.clone()),
            path: Set(a.path.clone()),
            storage_adapter: Set(a.storage_adapter.clone()),
            width: Set(a.width),
            height: Set(a.height),
            metadata: Set(a.metadata.clone()),
            title: Set(a.title.clone()),
            description: Set(a.description.clone()),
            alt: Set(a.alt.clone()),
            credit_line: Set(a.credit_line.clone()),
            created_by: Set(a.created_by.clone()),
            created_at: Set(a.created_at),
            updated_at: Set(a.updated_at),
            organization_id: Set(scope.organization().to_owned()),
        };
        let row = model.insert(&self.conn).await.map_err(self.err(ENTITY))?;
        Ok(to_core(row))
    }

    async fn find_asset(&self, scope: &Scope, id: Uuid) -> Result<Option<Asset>> {
        in_rls_scope!(self, scope, find_asset(id));
        let row = Entity::find_by_id(DbUuid(id))
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn find_assets(&self, scope: &Scope, query: &ListQuery) -> Result<Page<Asset>> {
        in_rls_scope!(self, scope, find_assets(query));
        Ok(self
            .page::<Assets>(scope, query, ENTITY)
            .await?
            .map(to_core))
    }

    async fn count_assets(&self, scope: &Scope, filter: &Filter) -> Result<u64> {
        in_rls_scope!(self, scope, count_assets(filter));
        self.count_where::<Assets>(scope, filter, ENTITY).await
    }

    async fn count_assets_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>> {
        in_rls_scope!(self, scope, count_assets_by_type());
        self.counts_by::<Entity>(scope, Column::OrganizationId, Column::AssetType, ENTITY)
            .await
    }

    async fn total_asset_size(&self, scope: &Scope) -> Result<u64> {
        in_rls_scope!(self, scope, total_asset_size());
        // Summed into text, so that no total overflows a column type (see the dialect); beyond
        // u64 it saturates.
        let total: Option<String> = Entity::find()
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .select_only()
            .column_as(
                self.dialect().total_as_text(Expr::col(Column::Size)),
                "total",
            )
            .into_tuple()
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(total.as_deref().map_or(0, saturating_u64))
    }

    async fn update_asset(
        &self,
        scope: &Scope,
        id: Uuid,
        patch: &AssetPatch,
        updated_at: Timestamp,
    ) -> Result<Asset> {
        in_rls_scope!(self, scope, update_asset(id, patch, updated_at));
        let mut values = ActiveModel {
            updated_at: Set(updated_at),
            ..Default::default()
        };
        if let Some(v) = &patch.title {
            values.title = Set(v.clone());
        }
        if let Some(v) = &patch.description {
            values.description = Set(v.clone());
        }
        if let Some(v) = &patch.alt {
            values.alt = Set(v.clone());
        }
        if let Some(v) = &patch.credit_line {
            values.credit_line = Set(v.clone());
        }
        if let Some(v) = &patch.metadata {
            values.metadata = Set(v.clone());
        }
        let mut rows = Entity::update_many()
            .set(values)
            .filter(Column::Id.eq(DbUuid(id)))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        rows.pop()
            .map(to_core)
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    async fn find_asset_in_any_organization(&self, id: Uuid) -> Result<Option<Asset>> {
        // Under row-level security this query would see no organization at all, and every
        // file would look orphaned: refuse rather than answer `None`.
        if self.rls != super::rls::Rls::Off {
            return Err(Error::Unsupported {
                backend: "postgres",
                operation: "looking up an asset of any organization with row-level security on \
                            (run the storage cleanup through an adapter without it)",
            });
        }
        let row = Entity::find_by_id(DbUuid(id))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn delete_asset(&self, scope: &Scope, id: Uuid) -> Result<bool> {
        in_rls_scope!(self, scope, delete_asset(id));
        let res = Entity::delete_by_id(DbUuid(id))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }
}

/// A non-negative number in decimal or float text as `u64`, saturating.
fn saturating_u64(text: &str) -> u64 {
    text.parse::<u64>().unwrap_or_else(|_| {
        // `as` saturates floats into the integer range (and maps NaN to 0).
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = text.parse::<f64>().unwrap_or(0.0).max(0.0) as u64;
        n
    })
}
