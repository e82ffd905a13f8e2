//! `cms_user_profiles`: the CMS role and preferences of a Better Auth user.

use sea_orm::entity::prelude::*;

use super::enums::UserRole;

/// A `cms_user_profiles` row, keyed by `user.id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_user_profiles")]
pub struct Model {
    /// The `user.id` (deleted with the user).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// CMS role.
    pub role: UserRole,
    /// UI preferences.
    pub preferences: Option<Json>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of `cms_user_profiles`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The Better Auth user.
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
