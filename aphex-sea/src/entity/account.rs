//! `account` (Better Auth).

use sea_orm::entity::prelude::*;

/// An `account` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    /// 32-char id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Id at the provider.
    pub account_id: String,
    /// Provider (`credential`, ...).
    pub provider_id: String,
    /// Owner.
    pub user_id: String,
    /// OAuth access token.
    pub access_token: Option<String>,
    /// OAuth refresh token.
    pub refresh_token: Option<String>,
    /// OpenID id token.
    pub id_token: Option<String>,
    /// Access token expiry.
    pub access_token_expires_at: Option<DateTimeUtc>,
    /// Refresh token expiry.
    pub refresh_token_expires_at: Option<DateTimeUtc>,
    /// OAuth scope.
    pub scope: Option<String>,
    /// Password hash.
    pub password: Option<String>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of `account`.
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
