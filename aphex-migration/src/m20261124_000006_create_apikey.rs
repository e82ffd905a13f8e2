//! `apikey` of the `@better-auth/api-key` plugin (1.7: `config_id` and `reference_id`).

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apikey {
    Table,
    Id,
    ConfigId,
    Name,
    Start,
    ReferenceId,
    Prefix,
    Key,
    RefillInterval,
    RefillAmount,
    LastRefillAt,
    Enabled,
    RateLimitEnabled,
    RateLimitTimeWindow,
    RateLimitMax,
    RequestCount,
    Remaining,
    LastRequest,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
    Permissions,
    Metadata,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(Apikey::Table)
                    .col(c.text(Apikey::Id).not_null().primary_key())
                    .col(c.text(Apikey::ConfigId).not_null())
                    .col(c.text(Apikey::Name))
                    .col(c.text(Apikey::Start))
                    .col(c.text(Apikey::ReferenceId).not_null())
                    .col(c.text(Apikey::Prefix))
                    .col(c.text(Apikey::Key).not_null())
                    .col(c.integer(Apikey::RefillInterval))
                    .col(c.integer(Apikey::RefillAmount))
                    .col(c.auth_timestamp(Apikey::LastRefillAt))
                    .col(c.auth_bool(Apikey::Enabled))
                    .col(c.auth_bool(Apikey::RateLimitEnabled))
                    .col(c.integer(Apikey::RateLimitTimeWindow))
                    .col(c.integer(Apikey::RateLimitMax))
                    .col(c.integer(Apikey::RequestCount))
                    .col(c.integer(Apikey::Remaining))
                    .col(c.auth_timestamp(Apikey::LastRequest))
                    .col(c.auth_timestamp(Apikey::ExpiresAt))
                    .col(c.auth_timestamp(Apikey::CreatedAt).not_null())
                    .col(c.auth_timestamp(Apikey::UpdatedAt).not_null())
                    .col(c.text(Apikey::Permissions))
                    .col(c.text(Apikey::Metadata))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("apikey_config_id_idx", Apikey::ConfigId),
            ("apikey_reference_id_idx", Apikey::ReferenceId),
            ("apikey_key_idx", Apikey::Key),
        ] {
            manager
                .create_index(index(name, Apikey::Table, [col.into_iden()]))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Apikey::Table).to_owned())
            .await
    }
}
