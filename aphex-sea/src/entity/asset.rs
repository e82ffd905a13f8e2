//! `cms_assets`: metadata of uploaded files.

use sea_orm::entity::prelude::*;

use crate::value::DbUuid;

/// A `cms_assets` row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_assets")]
pub struct Model {
    /// UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// `image`, `file`, ... (≤ 20).
    pub asset_type: String,
    /// Stored name (≤ 255).
    pub filename: String,
    /// Uploaded name (≤ 255).
    pub original_filename: String,
    /// MIME type (≤ 100).
    pub mime_type: String,
    /// Bytes.
    pub size: i64,
    /// Public URL.
    pub url: String,
    /// Path in the storage adapter.
    pub path: String,
    /// Storage adapter name (≤ 50).
    pub storage_adapter: String,
    /// Image width.
    pub width: Option<i32>,
    /// Image height.
    pub height: Option<i32>,
    /// Free-form metadata.
    pub metadata: Option<Json>,
    /// Title (≤ 255).
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Alt text.
    pub alt: Option<String>,
    /// Credit line.
    pub credit_line: Option<String>,
    /// Uploader.
    pub created_by: Option<String>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// The organization it belongs to.
    pub organization_id: String,
}

/// `cms_assets` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
