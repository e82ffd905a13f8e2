//! `cms_schema_types`: content type definitions synced from code.

use sea_orm::entity::prelude::*;

use super::enums::SchemaKind;
use crate::value::DbUuid;

/// A `cms_schema_types` row; `name` is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_schema_types")]
pub struct Model {
    /// UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// Unique name (≤ 100).
    #[sea_orm(unique)]
    pub name: String,
    /// Title (≤ 200).
    pub title: String,
    /// Document or object.
    #[sea_orm(column_name = "type")]
    pub kind: SchemaKind,
    /// Description.
    pub description: Option<String>,
    /// The full definition.
    pub schema: Json,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// `cms_schema_types` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
