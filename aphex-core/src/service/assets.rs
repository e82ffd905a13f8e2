//! The asset service: metadata rows for uploaded files (the bytes are a storage adapter's job).

use std::collections::BTreeMap;
use std::sync::Arc;

use uuid::Uuid;

use super::limits;
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{Asset, AssetPatch, NewAsset, now};
use crate::ports::DatabaseAdapter;
use crate::query::{Column, Field, Filter, FindOptions, FindResult, Op, Operand, Target, Where};

/// The convenience filters of an asset listing, ANDed with `FindOptions::where_clause`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    /// Only this asset type (`image`, `file`, ...).
    pub asset_type: Option<String>,
    /// Only this MIME type.
    pub mime_type: Option<String>,
    /// Case-insensitive literal substring of `filename` or `original_filename`.
    pub search: Option<String>,
}

/// Assets. Get it from [`Cms::assets`](crate::Cms::assets).
#[derive(Debug, Clone)]
pub struct AssetService {
    db: Arc<dyn DatabaseAdapter>,
}

impl AssetService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>) -> Self {
        AssetService { db }
    }

    /// Records an asset.
    ///
    /// # Errors
    /// [`Error::Validation`] for missing or oversize fields or a negative size/dimension.
    pub async fn create(&self, input: NewAsset) -> Result<Asset> {
        let mut errors = ValidationErrors::default();
        limits::check_required(
            &mut errors,
            "assetType",
            &input.asset_type,
            limits::ASSET_TYPE,
        );
        limits::check_required(&mut errors, "filename", &input.filename, limits::FILENAME);
        limits::check_required(
            &mut errors,
            "originalFilename",
            &input.original_filename,
            limits::FILENAME,
        );
        limits::check_required(&mut errors, "mimeType", &input.mime_type, limits::MIME_TYPE);
        limits::check_required(&mut errors, "url", &input.url, usize::MAX);
        limits::check_required(&mut errors, "path", &input.path, usize::MAX);
        limits::check_max(
            &mut errors,
            "storageAdapter",
            input.storage_adapter.as_deref(),
            limits::STORAGE_ADAPTER,
        );
        limits::check_max(
            &mut errors,
            "title",
            input.title.as_deref(),
            limits::ASSET_TITLE,
        );
        if input.size < 0 {
            errors.push("size", "must not be negative");
        }
        for (path, v) in [("width", input.width), ("height", input.height)] {
            if v.is_some_and(|v| v < 0) {
                errors.push(path, "must not be negative");
            }
        }
        errors.into_result()?;
        let at = now();
        let asset = Asset {
            id: Uuid::new_v4(),
            asset_type: input.asset_type,
            filename: input.filename,
            original_filename: input.original_filename,
            mime_type: input.mime_type,
            size: input.size,
            url: input.url,
            path: input.path,
            storage_adapter: input.storage_adapter.unwrap_or_else(|| "local".into()),
            width: input.width,
            height: input.height,
            metadata: input.metadata,
            title: input.title,
            description: input.description,
            alt: input.alt,
            credit_line: input.credit_line,
            created_by: input.created_by,
            created_at: at,
            updated_at: at,
        };
        self.db.insert_asset(&asset).await
    }

    /// The asset with this id.
    pub async fn find_by_id(&self, id: Uuid) -> Result<Option<Asset>> {
        self.db.find_asset(id).await
    }

    /// One page of assets. Paths in `options.where_clause` are asset columns (`assetType`,
    /// `mimeType`, `size`, `createdAt`, ...) or `metadata.<path>`; perspective and depth do not
    /// apply to assets and are ignored.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`]; nothing is sent to the database.
    pub async fn find(
        &self,
        filter: &AssetFilter,
        options: &FindOptions,
    ) -> Result<FindResult<Asset>> {
        let query = options.resolve(Target::Assets, convenience_filters(filter))?;
        let page = self.db.find_assets(&query).await?;
        Ok(FindResult::new(
            page.rows,
            page.total,
            query.limit,
            query.offset,
        ))
    }

    /// How many assets match.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`].
    pub async fn count(&self, filter: &AssetFilter, where_clause: Option<&Where>) -> Result<u64> {
        let mut filters = convenience_filters(filter);
        if let Some(w) = where_clause {
            filters.push(Target::Assets.resolve(w)?);
        }
        self.db.count_assets(&Filter::and(filters)).await
    }

    /// Number of assets per asset type.
    pub async fn counts_by_type(&self) -> Result<BTreeMap<String, u64>> {
        self.db.count_assets_by_type().await
    }

    /// Total bytes of all assets.
    pub async fn total_size(&self) -> Result<u64> {
        self.db.total_asset_size().await
    }

    /// Changes title, description, alt, credit line or metadata.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for an oversize title.
    pub async fn update(&self, id: Uuid, patch: &AssetPatch) -> Result<Asset> {
        let mut errors = ValidationErrors::default();
        if let Some(title) = &patch.title {
            limits::check_max(&mut errors, "title", title.as_deref(), limits::ASSET_TITLE);
        }
        errors.into_result()?;
        self.db.update_asset(id, patch, now()).await
    }

    /// Deletes the row (the caller deletes the stored file).
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        if self.db.delete_asset(id).await? {
            Ok(())
        } else {
            Err(Error::not_found("asset", id))
        }
    }
}

fn convenience_filters(filter: &AssetFilter) -> Vec<Filter> {
    let eq = |column, value: &String| {
        Filter::Cond(
            Field::Column(column),
            Op::Eq(Operand::String(value.clone())),
        )
    };
    let mut filters = Vec::new();
    if let Some(t) = &filter.asset_type {
        filters.push(eq(Column::AssetType, t));
    }
    if let Some(m) = &filter.mime_type {
        filters.push(eq(Column::MimeType, m));
    }
    if let Some(s) = &filter.search {
        let contains = |column| {
            Filter::Cond(
                Field::Column(column),
                Op::Contains(Operand::String(s.clone())),
            )
        };
        filters.push(Filter::or(vec![
            contains(Column::Filename),
            contains(Column::OriginalFilename),
        ]));
    }
    filters
}
