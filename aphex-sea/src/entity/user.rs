//! `user` (Better Auth).

use sea_orm::entity::prelude::*;

/// A `user` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user")]
pub struct Model {
    /// 32-char id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Lowercase email, unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Verified flag.
    pub email_verified: bool,
    /// Avatar URL.
    pub image: Option<String>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of `user`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Sessions.
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
    /// Accounts.
    #[sea_orm(has_many = "super::account::Entity")]
    Accounts,
    /// CMS profile.
    #[sea_orm(has_one = "super::user_profile::Entity")]
    Profile,
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Accounts.def()
    }
}

impl Related<super::user_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Profile.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
