//! `verification` (Better Auth).

use sea_orm::entity::prelude::*;

/// A `verification` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "verification")]
pub struct Model {
    /// 32-char id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// What it verifies.
    pub identifier: String,
    /// The value to check.
    pub value: String,
    /// Expiry.
    pub expires_at: DateTimeUtc,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// `verification` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
