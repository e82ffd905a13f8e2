//! The asset service: metadata rows for uploaded files (the bytes are a storage adapter's job).

use std::collections::BTreeMap;
use std::sync::Arc;

use uuid::Uuid;

use super::events;
use super::work::unit_of_work;
use super::{limits, values};
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{Asset, AssetPatch, EventKind, NewAsset, now};
use crate::ports::DatabaseAdapter;
use crate::query::{Column, Field, Filter, FindOptions, FindResult, Op, Operand, Target};
use crate::scope::Scope;
use crate::storage::{StorageAdapter, StoredFile, sanitize_filename};

/// The convenience filters of an asset listing, ANDed with `FindOptions::where_clause`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssetFilter {
    /// Only this asset type (`image`, `file`, ...).
    pub asset_type: Option<String>,
    /// Only this MIME type.
    pub mime_type: Option<String>,
    /// Case-insensitive literal substring of `filename` or `original_filename`.
    pub search: Option<String>,
}

impl AssetFilter {
    /// No filter: every asset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this asset type (`image`, `file`, ...).
    pub fn asset_type(mut self, asset_type: impl Into<String>) -> Self {
        self.asset_type = Some(asset_type.into());
        self
    }

    /// Only this MIME type.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Case-insensitive literal substring of `filename` or `original_filename`.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }
}

/// An uploaded file and the metadata given with it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Upload {
    /// Name as uploaded (sanitised for storage, kept as `original_filename`).
    pub original_filename: String,
    /// MIME type as declared by the client.
    pub mime_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Uploader's user id.
    pub created_by: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Alt text.
    pub alt: Option<String>,
    /// Credit line.
    pub credit_line: Option<String>,
    /// Free-form metadata.
    pub metadata: Option<serde_json::Value>,
}

impl Upload {
    /// A file named `original_filename`, of `mime_type`, holding `bytes`.
    pub fn new(
        original_filename: impl Into<String>,
        mime_type: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Self {
        Upload {
            original_filename: original_filename.into(),
            mime_type: mime_type.into(),
            bytes,
            ..Default::default()
        }
    }

    /// Records the uploader.
    pub fn created_by(mut self, user_id: impl Into<String>) -> Self {
        self.created_by = Some(user_id.into());
        self
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the alt text.
    pub fn alt(mut self, alt: impl Into<String>) -> Self {
        self.alt = Some(alt.into());
        self
    }

    /// Sets free-form metadata (a JSON object).
    pub fn metadata(mut self, metadata: serde_json::Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Assets. Get it from [`Cms::assets`](crate::Cms::assets).
#[derive(Debug, Clone)]
pub struct AssetService {
    pub(super) db: Arc<dyn DatabaseAdapter>,
    pub(super) scope: Scope,
}

impl AssetService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>) -> Self {
        AssetService {
            db,
            scope: Scope::default(),
        }
    }

    /// The same service acting in `scope`.
    pub(crate) fn in_scope(&self, scope: Scope) -> Self {
        AssetService {
            scope,
            ..self.clone()
        }
    }

    /// The same service over other stores (a transaction's).
    pub(crate) fn with_db(&self, db: Arc<dyn DatabaseAdapter>) -> Self {
        AssetService { db, ..self.clone() }
    }

    /// The organization scope it acts in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Records an asset.
    ///
    /// # Errors
    /// [`Error::Validation`] for missing or oversize fields or a negative size/dimension.
    pub async fn create(&self, input: NewAsset) -> Result<Asset> {
        self.insert(Uuid::new_v4(), input).await
    }

    /// Stores an uploaded file and records it: the file goes to `storage` at
    /// `<asset id>/<sanitised name>` (so it never overwrites another asset's file), images get
    /// their width and height from the bytes, and when the row cannot be written the stored file
    /// is removed again.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty file or bad metadata; storage and backend errors.
    pub async fn upload(&self, storage: &dyn StorageAdapter, upload: Upload) -> Result<Asset> {
        if upload.bytes.is_empty() {
            return Err(Error::invalid("file", "is empty"));
        }
        let id = Uuid::new_v4();
        let filename = sanitize_filename(&upload.original_filename);
        let path = format!("{id}/{filename}");
        let size = i64::try_from(upload.bytes.len())
            .map_err(|_| Error::invalid("file", "is too large"))?;
        let dimensions = upload
            .mime_type
            .starts_with("image/")
            .then(|| imagesize::blob_size(&upload.bytes).ok())
            .flatten();
        let dim = |v: usize| i32::try_from(v).ok();
        let input = NewAsset {
            asset_type: if dimensions.is_some() {
                "image"
            } else {
                "file"
            }
            .into(),
            filename,
            original_filename: upload.original_filename,
            mime_type: upload.mime_type.clone(),
            size,
            url: storage.url(&path),
            path: path.clone(),
            storage_adapter: Some(storage.name().to_string()),
            width: dimensions.and_then(|d| dim(d.width)),
            height: dimensions.and_then(|d| dim(d.height)),
            metadata: upload.metadata,
            title: upload.title,
            description: upload.description,
            alt: upload.alt,
            credit_line: upload.credit_line,
            created_by: upload.created_by,
        };
        check_new_asset(&input)?;
        storage
            .store(&path, upload.bytes, &upload.mime_type)
            .await?;
        match self.insert(id, input).await {
            Ok(asset) => Ok(asset),
            Err(e) => {
                if let Err(cleanup) = storage.delete(&path).await {
                    tracing::warn!(%path, error = %cleanup, "could not remove the file of a failed upload");
                }
                Err(e)
            }
        }
    }

    /// Files in `storage` that no asset row points to, last modified more than `grace` ago: what
    /// a process killed between storing an upload's file and inserting its row (or between
    /// deleting a row and its file) leaves behind, and what an interrupted write leaves
    /// ([`StoredFile::partial`]). A file younger than `grace` is skipped — it may belong to an
    /// upload still in progress, whose row is not written yet.
    ///
    /// A file belongs to an asset when its path is the asset's `path`; paths are
    /// `<asset id>/<name>`, so each file costs one lookup by id. The storage is shared by every
    /// organization: a file is an orphan only when no asset of any organization points to it.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the storage cannot list; storage and backend errors.
    pub async fn orphaned_files(
        &self,
        storage: &dyn StorageAdapter,
        grace: std::time::Duration,
    ) -> Result<Vec<StoredFile>> {
        let cutoff = chrono::TimeDelta::from_std(grace)
            .ok()
            .and_then(|g| now().checked_sub_signed(g))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        let mut orphans = Vec::new();
        for file in storage.list().await? {
            if file.modified > cutoff {
                continue;
            }
            let owner = match file.path.split_once('/') {
                Some((id, _)) if !file.partial => match Uuid::parse_str(id) {
                    Ok(id) => self.db.find_asset_in_any_organization(id).await?,
                    Err(_) => None,
                },
                _ => None,
            };
            if owner.is_none_or(|asset| asset.path != file.path) {
                orphans.push(file);
            }
        }
        Ok(orphans)
    }

    /// Deletes the [`orphaned_files`](Self::orphaned_files) and returns them.
    ///
    /// # Errors
    /// As `orphaned_files`; storage errors (files deleted before the error stay deleted).
    pub async fn remove_orphaned_files(
        &self,
        storage: &dyn StorageAdapter,
        grace: std::time::Duration,
    ) -> Result<Vec<StoredFile>> {
        let orphans = self.orphaned_files(storage, grace).await?;
        for file in &orphans {
            storage.delete_listed(file).await?;
        }
        Ok(orphans)
    }

    async fn insert(&self, id: Uuid, input: NewAsset) -> Result<Asset> {
        check_new_asset(&input)?;
        let at = now();
        let asset = Asset {
            id,
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
            organization_id: self.scope.organization().to_owned(),
        };
        unit_of_work!(&*self.db, |stores| {
            let asset = stores.insert_asset(&self.scope, &asset).await?;
            let event = events::asset_event(EventKind::AssetCreated, &asset, at);
            stores.append_event(&self.scope, &event).await?;
            Ok(asset)
        })
    }

    /// The asset with this id.
    pub async fn find_by_id(&self, id: Uuid) -> Result<Option<Asset>> {
        self.db.find_asset(&self.scope, id).await
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
        let query = options.resolve(Target::Assets, convenience_filters(filter)?)?;
        let page = self.db.find_assets(&self.scope, &query).await?;
        Ok(FindResult::from_page(page, &query))
    }

    /// How many assets match `filter` and `options` (its `where`; sort and page do not apply).
    ///
    /// # Errors
    /// [`Error::InvalidQuery`].
    pub async fn count(&self, filter: &AssetFilter, options: &FindOptions) -> Result<u64> {
        let filter = options.resolve_filter(Target::Assets, convenience_filters(filter)?)?;
        self.db.count_assets(&self.scope, &filter).await
    }

    /// Number of assets per asset type.
    pub async fn counts_by_type(&self) -> Result<BTreeMap<String, u64>> {
        self.db.count_assets_by_type(&self.scope).await
    }

    /// Total bytes of all assets.
    pub async fn total_size(&self) -> Result<u64> {
        self.db.total_asset_size(&self.scope).await
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
        for (path, value) in [
            ("title", &patch.title),
            ("description", &patch.description),
            ("alt", &patch.alt),
            ("creditLine", &patch.credit_line),
        ] {
            values::check_opt_text(&mut errors, path, value.as_ref().and_then(Option::as_deref));
        }
        if let Some(Some(metadata)) = &patch.metadata {
            values::check_json(&mut errors, "metadata", metadata);
        }
        errors.into_result()?;
        let at = now();
        unit_of_work!(&*self.db, |stores| {
            let asset = stores.update_asset(&self.scope, id, patch, at).await?;
            let event = events::asset_event(EventKind::AssetUpdated, &asset, at);
            stores.append_event(&self.scope, &event).await?;
            Ok(asset)
        })
    }
}

fn check_new_asset(input: &NewAsset) -> Result<()> {
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
    for (path, value) in [
        ("assetType", Some(input.asset_type.as_str())),
        ("filename", Some(input.filename.as_str())),
        ("originalFilename", Some(input.original_filename.as_str())),
        ("mimeType", Some(input.mime_type.as_str())),
        ("url", Some(input.url.as_str())),
        ("path", Some(input.path.as_str())),
        ("storageAdapter", input.storage_adapter.as_deref()),
        ("title", input.title.as_deref()),
        ("description", input.description.as_deref()),
        ("alt", input.alt.as_deref()),
        ("creditLine", input.credit_line.as_deref()),
        ("createdBy", input.created_by.as_deref()),
    ] {
        values::check_opt_text(&mut errors, path, value);
    }
    if let Some(metadata) = &input.metadata {
        values::check_json(&mut errors, "metadata", metadata);
    }
    if input.size < 0 {
        errors.push("size", "must not be negative");
    }
    for (path, v) in [("width", input.width), ("height", input.height)] {
        if v.is_some_and(|v| v < 0) {
            errors.push(path, "must not be negative");
        }
    }
    errors.into_result()
}

fn convenience_filters(filter: &AssetFilter) -> Result<Vec<Filter>> {
    for (path, value) in [
        ("assetType", &filter.asset_type),
        ("mimeType", &filter.mime_type),
        ("search", &filter.search),
    ] {
        if value.as_deref().is_some_and(|v| !values::storable(v)) {
            return Err(Error::invalid_query(
                path,
                "strings must not contain a NUL character (U+0000)",
            ));
        }
    }
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
    Ok(filters)
}
