//! `cms_documents`: one row per content document, draft and published copy side by side.

use sea_orm::entity::prelude::*;

use super::enums::DocumentStatus;
use crate::value::DbUuid;

/// A `cms_documents` row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_documents")]
pub struct Model {
    /// UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// Schema type name (≤ 100).
    #[sea_orm(column_name = "type")]
    pub doc_type: String,
    /// Editorial status.
    pub status: DocumentStatus,
    /// Working copy.
    pub draft_data: Option<Json>,
    /// Live copy.
    pub published_data: Option<Json>,
    /// Publish hash of the live copy (≤ 20).
    pub published_hash: Option<String>,
    /// Compare-and-swap token, +1 per draft save.
    pub revision: i64,
    /// Creator.
    pub created_by: Option<String>,
    /// Last writer.
    pub updated_by: Option<String>,
    /// Last publish.
    pub published_at: Option<DateTimeUtc>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Version snapshots taken so far: the number of the newest one (storage bookkeeping,
    /// not part of the document model; see `docs/design.md`).
    pub version_count: i64,
    /// The organization it belongs to.
    pub organization_id: String,
}

/// Relations of `cms_documents`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its version snapshots.
    #[sea_orm(has_many = "super::document_version::Entity")]
    Versions,
}

impl Related<super::document_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Versions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
