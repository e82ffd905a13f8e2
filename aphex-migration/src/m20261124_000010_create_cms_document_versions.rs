//! `cms_document_versions`: snapshots per draft save and publish.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, cascade};
use crate::m20261124_000009_create_cms_documents::CmsDocuments;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsDocumentVersions {
    Table,
    Id,
    DocumentId,
    VersionNumber,
    EventType,
    Data,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(CmsDocumentVersions::Table)
                    .col(c.uuid(CmsDocumentVersions::Id).not_null().primary_key())
                    .col(c.uuid(CmsDocumentVersions::DocumentId).not_null())
                    .col(c.bigint(CmsDocumentVersions::VersionNumber).not_null())
                    .col(c.varchar(CmsDocumentVersions::EventType, 20).not_null())
                    .col(c.json(CmsDocumentVersions::Data).not_null())
                    .col(c.text(CmsDocumentVersions::CreatedBy))
                    .col(c.timestamp(CmsDocumentVersions::CreatedAt).not_null())
                    .foreign_key(&mut cascade(
                        "cms_document_versions_document_id_fkey",
                        (CmsDocumentVersions::Table, CmsDocumentVersions::DocumentId),
                        (CmsDocuments::Table, CmsDocuments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cms_document_versions_document_id_version_number_key")
                    .table(CmsDocumentVersions::Table)
                    .col(CmsDocumentVersions::DocumentId)
                    .col(CmsDocumentVersions::VersionNumber)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsDocumentVersions::Table).to_owned())
            .await
    }
}
