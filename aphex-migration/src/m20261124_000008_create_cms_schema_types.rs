//! `cms_schema_types`: content type definitions synced from code.

use sea_orm_migration::prelude::*;

use crate::columns::Columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsSchemaTypes {
    Table,
    Id,
    Name,
    Title,
    Type,
    Description,
    Schema,
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
                    .table(CmsSchemaTypes::Table)
                    .col(c.uuid(CmsSchemaTypes::Id).not_null().primary_key())
                    .col(c.varchar(CmsSchemaTypes::Name, 100).not_null().unique_key())
                    .col(c.varchar(CmsSchemaTypes::Title, 200).not_null())
                    .col(
                        c.enumeration(CmsSchemaTypes::Type, "schema_type", &["document", "object"])
                            .not_null(),
                    )
                    .col(c.text(CmsSchemaTypes::Description))
                    .col(c.json(CmsSchemaTypes::Schema).not_null())
                    .col(c.timestamp(CmsSchemaTypes::CreatedAt).not_null())
                    .col(c.timestamp(CmsSchemaTypes::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsSchemaTypes::Table).to_owned())
            .await
    }
}
