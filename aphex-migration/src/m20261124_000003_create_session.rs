//! Better Auth `session`.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, cascade, index};
use crate::m20261124_000002_create_user::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    ExpiresAt,
    Token,
    CreatedAt,
    UpdatedAt,
    IpAddress,
    UserAgent,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(c.text(Session::Id).not_null().primary_key())
                    .col(c.auth_timestamp(Session::ExpiresAt).not_null())
                    .col(c.text(Session::Token).not_null().unique_key())
                    .col(c.now_default_on_pg(
                        c.auth_timestamp(Session::CreatedAt).not_null().to_owned(),
                    ))
                    .col(c.auth_timestamp(Session::UpdatedAt).not_null())
                    .col(c.text(Session::IpAddress))
                    .col(c.text(Session::UserAgent))
                    .col(c.text(Session::UserId).not_null())
                    .foreign_key(&mut cascade(
                        "session_user_id_fkey",
                        (Session::Table, Session::UserId),
                        (User::Table, User::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "session_user_id_idx",
                Session::Table,
                [Session::UserId.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Session::Table).to_owned())
            .await
    }
}
