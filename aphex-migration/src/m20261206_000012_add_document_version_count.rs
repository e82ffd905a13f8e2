//! `cms_documents.version_count`: how many version snapshots the document has had — the number
//! of its newest snapshot. PostgreSQL's one-statement draft save and publish take the next
//! snapshot number from it: the row lock that serialises writers of one document also
//! serialises the counter, where `MAX(version_number) + 1` inside one statement would be read
//! from a snapshot taken before the lock was granted. Existing rows are set to the number of
//! their newest snapshot (0 without one).

use sea_orm_migration::prelude::*;

use crate::columns::Columns;
use crate::m20261124_000009_create_cms_documents::CmsDocuments;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cms {
    VersionCount,
}

const BACKFILL: &str = r#"UPDATE "cms_documents" SET "version_count" = COALESCE((SELECT MAX(v."version_number") FROM "cms_document_versions" v WHERE v."document_id" = "cms_documents"."id"), 0)"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .alter_table(
                Table::alter()
                    .table(CmsDocuments::Table)
                    .add_column(c.bigint(Cms::VersionCount).not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(BACKFILL)
            .await
            .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CmsDocuments::Table)
                    .drop_column(Cms::VersionCount)
                    .to_owned(),
            )
            .await
    }
}
