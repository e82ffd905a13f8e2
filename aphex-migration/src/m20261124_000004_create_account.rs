//! Better Auth `account`.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, cascade, index};
use crate::m20261124_000002_create_user::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

// `account_id` is Better Auth's column name; the variant has to spell it.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    AccountId,
    ProviderId,
    UserId,
    AccessToken,
    RefreshToken,
    IdToken,
    AccessTokenExpiresAt,
    RefreshTokenExpiresAt,
    Scope,
    Password,
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
                    .table(Account::Table)
                    .col(c.text(Account::Id).not_null().primary_key())
                    .col(c.text(Account::AccountId).not_null())
                    .col(c.text(Account::ProviderId).not_null())
                    .col(c.text(Account::UserId).not_null())
                    .col(c.text(Account::AccessToken))
                    .col(c.text(Account::RefreshToken))
                    .col(c.text(Account::IdToken))
                    .col(c.auth_timestamp(Account::AccessTokenExpiresAt))
                    .col(c.auth_timestamp(Account::RefreshTokenExpiresAt))
                    .col(c.text(Account::Scope))
                    .col(c.text(Account::Password))
                    .col(c.now_default_on_pg(
                        c.auth_timestamp(Account::CreatedAt).not_null().to_owned(),
                    ))
                    .col(c.auth_timestamp(Account::UpdatedAt).not_null())
                    .foreign_key(&mut cascade(
                        "account_user_id_fkey",
                        (Account::Table, Account::UserId),
                        (User::Table, User::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "account_user_id_idx",
                Account::Table,
                [Account::UserId.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Account::Table).to_owned())
            .await
    }
}
