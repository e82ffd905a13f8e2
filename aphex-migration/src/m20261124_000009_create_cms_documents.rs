//! `cms_documents`: content, draft and published copy side by side.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum CmsDocuments {
    Table,
    Id,
    Type,
    Status,
    DraftData,
    PublishedData,
    PublishedHash,
    Revision,
    CreatedBy,
    UpdatedBy,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

/// GIN indexes for jsonb containment (`@>`) on PostgreSQL; SQLite has no equivalent.
const PG_GIN_INDEXES: [&str; 2] = [
    "CREATE INDEX cms_documents_draft_data_gin ON cms_documents USING gin (draft_data jsonb_path_ops)",
    "CREATE INDEX cms_documents_published_data_gin ON cms_documents USING gin (published_data jsonb_path_ops)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(CmsDocuments::Table)
                    .col(c.uuid(CmsDocuments::Id).not_null().primary_key())
                    .col(c.varchar(CmsDocuments::Type, 100).not_null())
                    .col(
                        c.enumeration(
                            CmsDocuments::Status,
                            "document_status",
                            &["draft", "published", "unpublished"],
                        )
                        .not_null()
                        .default("draft"),
                    )
                    .col(c.json(CmsDocuments::DraftData))
                    .col(c.json(CmsDocuments::PublishedData))
                    .col(c.varchar(CmsDocuments::PublishedHash, 20))
                    .col(c.bigint(CmsDocuments::Revision).not_null().default(1))
                    .col(c.text(CmsDocuments::CreatedBy))
                    .col(c.text(CmsDocuments::UpdatedBy))
                    .col(c.timestamp(CmsDocuments::PublishedAt))
                    .col(c.timestamp(CmsDocuments::CreatedAt).not_null())
                    .col(c.timestamp(CmsDocuments::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "cms_documents_type_status_idx",
                CmsDocuments::Table,
                [
                    CmsDocuments::Type.into_iden(),
                    CmsDocuments::Status.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "cms_documents_type_updated_at_idx",
                CmsDocuments::Table,
                [
                    CmsDocuments::Type.into_iden(),
                    CmsDocuments::UpdatedAt.into_iden(),
                ],
            ))
            .await?;
        if c.is_postgres() {
            for sql in PG_GIN_INDEXES {
                manager.get_connection().execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsDocuments::Table).to_owned())
            .await
    }
}
