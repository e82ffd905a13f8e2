//! `invitation` (Better Auth's organization plugin).

use sea_orm::entity::prelude::*;

/// An `invitation` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation")]
pub struct Model {
    /// Id (the token).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// Who may accept it.
    pub email: String,
    /// The role(s) offered.
    pub role: Option<String>,
    /// `pending`, `accepted`, `rejected`, `canceled`.
    pub status: String,
    /// Expiry.
    pub expires_at: DateTimeUtc,
    /// When it was sent.
    pub created_at: DateTimeUtc,
    /// Who sent it.
    pub inviter_id: String,
}

/// Relations of `invitation` (read by queries, not joins).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
