use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Timestamp;

/// An uploaded file's metadata: one row of `cms_assets`. The bytes live in a storage adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// UUID.
    pub id: Uuid,
    /// `image`, `file`, ... (≤ 20 chars).
    pub asset_type: String,
    /// Stored file name (≤ 255 chars).
    pub filename: String,
    /// Name as uploaded (≤ 255 chars).
    pub original_filename: String,
    /// MIME type (≤ 100 chars).
    pub mime_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Public URL.
    pub url: String,
    /// Path inside the storage adapter.
    pub path: String,
    /// Which storage adapter holds the bytes (≤ 50 chars, default `local`).
    pub storage_adapter: String,
    /// Image width in pixels.
    pub width: Option<i32>,
    /// Image height in pixels.
    pub height: Option<i32>,
    /// Free-form JSON metadata.
    pub metadata: Option<Value>,
    /// Title (≤ 255 chars).
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Alternative text.
    pub alt: Option<String>,
    /// Credit line.
    pub credit_line: Option<String>,
    /// Uploader's user id.
    pub created_by: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last metadata change.
    pub updated_at: Timestamp,
    /// The organization it belongs to (see [`Scope`](crate::Scope)).
    pub organization_id: String,
}

/// An asset to insert. `id`, timestamps and defaults are filled by the asset service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAsset {
    /// `image`, `file`, ...
    pub asset_type: String,
    /// Stored file name.
    pub filename: String,
    /// Name as uploaded.
    pub original_filename: String,
    /// MIME type.
    pub mime_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Public URL.
    pub url: String,
    /// Path inside the storage adapter.
    pub path: String,
    /// Storage adapter name; `local` when absent.
    #[serde(default)]
    pub storage_adapter: Option<String>,
    /// Image width.
    #[serde(default)]
    pub width: Option<i32>,
    /// Image height.
    #[serde(default)]
    pub height: Option<i32>,
    /// Free-form JSON metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Alternative text.
    #[serde(default)]
    pub alt: Option<String>,
    /// Credit line.
    #[serde(default)]
    pub credit_line: Option<String>,
    /// Uploader's user id.
    #[serde(default)]
    pub created_by: Option<String>,
}

/// A metadata change. `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssetPatch {
    /// New title.
    #[serde(default, with = "crate::serde_util::double_option")]
    pub title: Option<Option<String>>,
    /// New description.
    #[serde(default, with = "crate::serde_util::double_option")]
    pub description: Option<Option<String>>,
    /// New alt text.
    #[serde(default, with = "crate::serde_util::double_option")]
    pub alt: Option<Option<String>>,
    /// New credit line.
    #[serde(default, with = "crate::serde_util::double_option")]
    pub credit_line: Option<Option<String>>,
    /// New metadata.
    #[serde(default, with = "crate::serde_util::double_option")]
    pub metadata: Option<Option<Value>>,
}

impl AssetPatch {
    /// Applies the patch to `asset` (the store calls this inside its update).
    pub fn apply(&self, asset: &mut Asset) {
        if let Some(v) = &self.title {
            asset.title = v.clone();
        }
        if let Some(v) = &self.description {
            asset.description = v.clone();
        }
        if let Some(v) = &self.alt {
            asset.alt = v.clone();
        }
        if let Some(v) = &self.credit_line {
            asset.credit_line = v.clone();
        }
        if let Some(v) = &self.metadata {
            asset.metadata = v.clone();
        }
    }
}
