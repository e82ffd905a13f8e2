//! Better Auth `user`.

use sea_orm_migration::prelude::*;

use crate::columns::Columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum User {
    Table,
    Id,
    Name,
    Email,
    EmailVerified,
    Image,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(User::Table)
                    .col(c.text(User::Id).not_null().primary_key())
                    .col(c.text(User::Name).not_null())
                    .col(c.text(User::Email).not_null().unique_key())
                    .col(c.auth_bool(User::EmailVerified).not_null())
                    .col(c.text(User::Image))
                    .col(
                        c.now_default_on_pg(
                            c.auth_timestamp(User::CreatedAt).not_null().to_owned(),
                        ),
                    )
                    .col(
                        c.now_default_on_pg(
                            c.auth_timestamp(User::UpdatedAt).not_null().to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(User::Table).to_owned())
            .await
    }
}
