use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Asset, AssetPatch, Timestamp};
use crate::query::{Filter, ListQuery, Page};
use crate::scope::Scope;

/// Storage of `cms_assets` (metadata only; the bytes live in a storage adapter).
///
/// Every method acts in a [`Scope`], as [`DocumentStore`](super::DocumentStore) does: reads
/// and aggregates see the scope's visible organizations, writes only its own (an inserted
/// asset goes into it, whatever `asset.organization_id` says).
#[async_trait]
pub trait AssetStore: Send + Sync {
    /// Inserts a fully prepared asset row.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the id is taken.
    async fn insert_asset(&self, scope: &Scope, asset: &Asset) -> Result<Asset>;

    /// The asset with this id.
    async fn find_asset(&self, scope: &Scope, id: Uuid) -> Result<Option<Asset>>;

    /// One page of assets matching `query.filter`, plus the total.
    async fn find_assets(&self, scope: &Scope, query: &ListQuery) -> Result<Page<Asset>>;

    /// How many assets match `filter`.
    async fn count_assets(&self, scope: &Scope, filter: &Filter) -> Result<u64>;

    /// Number of assets per `asset_type`.
    async fn count_assets_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>>;

    /// Sum of `size` over all assets.
    async fn total_asset_size(&self, scope: &Scope) -> Result<u64>;

    /// Applies a metadata patch and sets `updated_at`, atomically.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound).
    async fn update_asset(
        &self,
        scope: &Scope,
        id: Uuid,
        patch: &AssetPatch,
        updated_at: Timestamp,
    ) -> Result<Asset>;

    /// The asset with this id whatever its organization — only for the maintenance of the file
    /// storage every organization shares ([`AssetService::orphaned_files`](crate::service::AssetService::orphaned_files):
    /// a file is an orphan only when no asset anywhere points to it, also one of an organization
    /// deleted since). Never a content read: those go through a scope.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) where the store cannot see every
    /// organization (PostgreSQL with row-level security on).
    async fn find_asset_in_any_organization(&self, id: Uuid) -> Result<Option<Asset>>;

    /// Deletes the row. `false` when it did not exist.
    async fn delete_asset(&self, scope: &Scope, id: Uuid) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: AssetStore + ?Sized> AssetStore for $wrapper<T> {
    async fn insert_asset(&self,scope: &Scope, asset: &Asset) -> Result<Asset> {
        (**self).insert_asset(scope, asset).await
    }

    async fn find_asset(&self,scope: &Scope, id: Uuid) -> Result<Option<Asset>> {
        (**self).find_asset(scope, id).await
    }

    async fn find_assets(&self,scope: &Scope, query: &ListQuery) -> Result<Page<Asset>> {
        (**self).find_assets(scope, query).await
    }

    async fn count_assets(&self,scope: &Scope, filter: &Filter) -> Result<u64> {
        (**self).count_assets(scope, filter).await
    }

    async fn count_assets_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>> {
        (**self).count_assets_by_type(scope).await
    }

    async fn total_asset_size(&self, scope: &Scope) -> Result<u64> {
        (**self).total_asset_size(scope).await
    }

    async fn update_asset(
        &self,
        scope: &Scope,
        id: Uuid,
        patch: &AssetPatch,
        updated_at: Timestamp,
    ) -> Result<Asset> {
        (**self).update_asset(scope, id, patch, updated_at).await
    }

    async fn find_asset_in_any_organization(&self, id: Uuid) -> Result<Option<Asset>> {
        (**self).find_asset_in_any_organization(id).await
    }

    async fn delete_asset(&self,scope: &Scope, id: Uuid) -> Result<bool> {
        (**self).delete_asset(scope, id).await
    }
        }
    )*};
}
forward!(Arc, Box);
