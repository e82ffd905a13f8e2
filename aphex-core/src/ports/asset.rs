use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Asset, AssetPatch, Timestamp};
use crate::query::{Filter, ListQuery, Page};

/// Storage of `cms_assets` (metadata only; the bytes live in a storage adapter).
#[async_trait]
pub trait AssetStore: Send + Sync {
    /// Inserts a fully prepared asset row.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the id is taken.
    async fn insert_asset(&self, asset: &Asset) -> Result<Asset>;

    /// The asset with this id.
    async fn find_asset(&self, id: Uuid) -> Result<Option<Asset>>;

    /// One page of assets matching `query.filter`, plus the total.
    async fn find_assets(&self, query: &ListQuery) -> Result<Page<Asset>>;

    /// How many assets match `filter`.
    async fn count_assets(&self, filter: &Filter) -> Result<u64>;

    /// Number of assets per `asset_type`.
    async fn count_assets_by_type(&self) -> Result<BTreeMap<String, u64>>;

    /// Sum of `size` over all assets.
    async fn total_asset_size(&self) -> Result<u64>;

    /// Applies a metadata patch and sets `updated_at`, atomically.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound).
    async fn update_asset(
        &self,
        id: Uuid,
        patch: &AssetPatch,
        updated_at: Timestamp,
    ) -> Result<Asset>;

    /// Deletes the row. `false` when it did not exist.
    async fn delete_asset(&self, id: Uuid) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: AssetStore + ?Sized> AssetStore for $wrapper<T> {
    async fn insert_asset(&self, asset: &Asset) -> Result<Asset> {
        (**self).insert_asset(asset).await
    }

    async fn find_asset(&self, id: Uuid) -> Result<Option<Asset>> {
        (**self).find_asset(id).await
    }

    async fn find_assets(&self, query: &ListQuery) -> Result<Page<Asset>> {
        (**self).find_assets(query).await
    }

    async fn count_assets(&self, filter: &Filter) -> Result<u64> {
        (**self).count_assets(filter).await
    }

    async fn count_assets_by_type(&self) -> Result<BTreeMap<String, u64>> {
        (**self).count_assets_by_type().await
    }

    async fn total_asset_size(&self) -> Result<u64> {
        (**self).total_asset_size().await
    }

    async fn update_asset(
        &self,
        id: Uuid,
        patch: &AssetPatch,
        updated_at: Timestamp,
    ) -> Result<Asset> {
        (**self).update_asset(id, patch, updated_at).await
    }

    async fn delete_asset(&self, id: Uuid) -> Result<bool> {
        (**self).delete_asset(id).await
    }
        }
    )*};
}
forward!(Arc, Box);
