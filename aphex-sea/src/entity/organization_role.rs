//! `organization_role` (Better Auth's organization plugin, dynamic access control).

use sea_orm::entity::prelude::*;

/// An `organization_role` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_role")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The role's name.
    pub role: String,
    /// Permission statements (JSON text).
    pub permission: String,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: Option<DateTimeUtc>,
}

/// Relations of `organization_role` (read by queries, not joins).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
