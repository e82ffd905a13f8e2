//! Better Auth `verification`.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Verification {
    Table,
    Id,
    Identifier,
    Value,
    ExpiresAt,
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
                    .table(Verification::Table)
                    .col(c.text(Verification::Id).not_null().primary_key())
                    .col(c.text(Verification::Identifier).not_null())
                    .col(c.text(Verification::Value).not_null())
                    .col(c.auth_timestamp(Verification::ExpiresAt).not_null())
                    .col(
                        c.now_default_on_pg(
                            c.auth_timestamp(Verification::CreatedAt)
                                .not_null()
                                .to_owned(),
                        ),
                    )
                    .col(
                        c.now_default_on_pg(
                            c.auth_timestamp(Verification::UpdatedAt)
                                .not_null()
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "verification_identifier_idx",
                Verification::Table,
                [Verification::Identifier.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Verification::Table).to_owned())
            .await
    }
}
