//! `member` (Better Auth's organization plugin).

use sea_orm::entity::prelude::*;

/// A `member` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The user.
    pub user_id: String,
    /// Role name(s), comma-separated.
    pub role: String,
    /// When the user joined.
    pub created_at: DateTimeUtc,
}

/// Relations of `member` (read by queries, not joins).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
