//! `organization` (Better Auth's organization plugin), plus `parent_id` (ours).

use sea_orm::entity::prelude::*;

/// An `organization` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique slug.
    #[sea_orm(unique)]
    pub slug: String,
    /// Logo URL.
    pub logo: Option<String>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Metadata (JSON text).
    pub metadata: Option<String>,
    /// The parent organization.
    pub parent_id: Option<String>,
}

/// Relations of `organization` (the hierarchy is read by queries, not joins).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
