//! `cms_document_versions`: snapshots of a document's data on every draft save and publish.

use sea_orm::entity::prelude::*;

use crate::value::DbUuid;

/// A `cms_document_versions` row; unique on (`document_id`, `version_number`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_document_versions")]
pub struct Model {
    /// UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// The document (deleted with it).
    pub document_id: DbUuid,
    /// 1, 2, 3... per document.
    pub version_number: i64,
    /// `draft` or `publish`.
    pub event_type: String,
    /// The data at that moment.
    pub data: Json,
    /// Who caused it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: DateTimeUtc,
    /// Its document's organization.
    pub organization_id: String,
}

/// Relations of `cms_document_versions`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The document.
    #[sea_orm(
        belongs_to = "super::document::Entity",
        from = "Column::DocumentId",
        to = "super::document::Column::Id",
        on_delete = "Cascade"
    )]
    Document,
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
