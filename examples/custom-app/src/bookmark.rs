//! The application's own entity, `bookmarks`, related to the CMS entities it references.

use aphex::DbUuid;
use aphex::entities::{document, user};
use sea_orm::entity::prelude::*;

/// A `bookmarks` row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bookmarks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The CMS user (Better Auth's `user.id`).
    pub user_id: String,
    /// The CMS document. `DbUuid` is the CMS's content-id column type: `uuid` on PostgreSQL,
    /// text on SQLite.
    pub document_id: DbUuid,
    pub note: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "user::Entity",
        from = "Column::UserId",
        to = "user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "document::Entity",
        from = "Column::DocumentId",
        to = "document::Column::Id",
        on_delete = "Cascade"
    )]
    Document,
}

impl Related<user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
