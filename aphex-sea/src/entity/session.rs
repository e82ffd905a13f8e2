//! `session` (Better Auth).

use sea_orm::entity::prelude::*;

/// A `session` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    /// 32-char id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Expiry.
    pub expires_at: DateTimeUtc,
    /// Secret token, unique.
    #[sea_orm(unique)]
    pub token: String,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last refresh.
    pub updated_at: DateTimeUtc,
    /// Client IP.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Owner.
    pub user_id: String,
    /// The active organization (Better Auth's organization plugin).
    pub active_organization_id: Option<String>,
}

/// Relations of `session`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Owner.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
