//! The application's own table: a user's bookmarks of CMS documents.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Bookmarks {
    Table,
    Id,
    UserId,
    DocumentId,
    Note,
    CreatedAt,
}

/// The CMS tables it references (created by `aphex_migration::migrations()`).
#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CmsDocuments {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Bookmarks::Table)
                    .col(
                        ColumnDef::new(Bookmarks::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Bookmarks::UserId).text().not_null())
                    .col(ColumnDef::new(Bookmarks::DocumentId).uuid().not_null())
                    .col(ColumnDef::new(Bookmarks::Note).text().not_null())
                    .col(
                        ColumnDef::new(Bookmarks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("bookmarks_user_id_fk")
                            .from(Bookmarks::Table, Bookmarks::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("bookmarks_document_id_fk")
                            .from(Bookmarks::Table, Bookmarks::DocumentId)
                            .to(CmsDocuments::Table, CmsDocuments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Bookmarks::Table).to_owned())
            .await
    }
}
