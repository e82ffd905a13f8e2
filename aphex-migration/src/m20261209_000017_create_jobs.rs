//! `cms_jobs` (`docs/jobs.md`): scheduled work claimed by workers under a lease. Unique on
//! `dedupe_key` (the organization and the idempotency key, or the id), indexed for the claim
//! (`status`, `run_at`) and for listing an organization's jobs.

use sea_orm_migration::prelude::*;

use crate::columns::Columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsJobs {
    Table,
    Id,
    OrganizationId,
    Kind,
    RunAt,
    Payload,
    IdempotencyKey,
    DedupeKey,
    Status,
    Attempts,
    MaxAttempts,
    LeaseToken,
    LeaseUntil,
    LastError,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(CmsJobs::Table)
                    .col(c.uuid(CmsJobs::Id).not_null().primary_key())
                    .col(c.text(CmsJobs::OrganizationId).not_null())
                    .col(c.text(CmsJobs::Kind).not_null())
                    .col(c.timestamp(CmsJobs::RunAt).not_null())
                    .col(c.json(CmsJobs::Payload).not_null())
                    .col(c.text(CmsJobs::IdempotencyKey))
                    .col(c.text(CmsJobs::DedupeKey).not_null())
                    .col(c.varchar(CmsJobs::Status, 20).not_null())
                    .col(c.integer(CmsJobs::Attempts).not_null().default(0))
                    .col(c.integer(CmsJobs::MaxAttempts).not_null())
                    .col(c.uuid(CmsJobs::LeaseToken))
                    .col(c.timestamp(CmsJobs::LeaseUntil))
                    .col(c.text(CmsJobs::LastError))
                    .col(c.text(CmsJobs::CreatedBy))
                    .col(c.timestamp(CmsJobs::CreatedAt).not_null())
                    .col(c.timestamp(CmsJobs::UpdatedAt).not_null())
                    .col(c.timestamp(CmsJobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("cms_jobs_dedupe_key_key", vec![CmsJobs::DedupeKey], true),
            (
                "cms_jobs_status_run_at_idx",
                vec![CmsJobs::Status, CmsJobs::RunAt],
                false,
            ),
            (
                "cms_jobs_organization_id_run_at_idx",
                vec![CmsJobs::OrganizationId, CmsJobs::RunAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(CmsJobs::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsJobs::Table).to_owned())
            .await
    }
}
