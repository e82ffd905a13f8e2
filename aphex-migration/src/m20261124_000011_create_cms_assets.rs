//! `cms_assets`: metadata of uploaded files.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsAssets {
    Table,
    Id,
    AssetType,
    Filename,
    OriginalFilename,
    MimeType,
    Size,
    Url,
    Path,
    StorageAdapter,
    Width,
    Height,
    Metadata,
    Title,
    Description,
    Alt,
    CreditLine,
    CreatedBy,
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
                    .table(CmsAssets::Table)
                    .col(c.uuid(CmsAssets::Id).not_null().primary_key())
                    .col(c.varchar(CmsAssets::AssetType, 20).not_null())
                    .col(c.varchar(CmsAssets::Filename, 255).not_null())
                    .col(c.varchar(CmsAssets::OriginalFilename, 255).not_null())
                    .col(c.varchar(CmsAssets::MimeType, 100).not_null())
                    .col(c.bigint(CmsAssets::Size).not_null())
                    .col(c.text(CmsAssets::Url).not_null())
                    .col(c.text(CmsAssets::Path).not_null())
                    .col(
                        c.varchar(CmsAssets::StorageAdapter, 50)
                            .not_null()
                            .default("local"),
                    )
                    .col(c.integer(CmsAssets::Width))
                    .col(c.integer(CmsAssets::Height))
                    .col(c.json(CmsAssets::Metadata))
                    .col(c.varchar(CmsAssets::Title, 255))
                    .col(c.text(CmsAssets::Description))
                    .col(c.text(CmsAssets::Alt))
                    .col(c.text(CmsAssets::CreditLine))
                    .col(c.text(CmsAssets::CreatedBy))
                    .col(c.timestamp(CmsAssets::CreatedAt).not_null())
                    .col(c.timestamp(CmsAssets::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "cms_assets_asset_type_idx",
                CmsAssets::Table,
                [CmsAssets::AssetType.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "cms_assets_created_at_idx",
                CmsAssets::Table,
                [CmsAssets::CreatedAt.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsAssets::Table).to_owned())
            .await
    }
}
