//! `cms_webhooks`: the endpoints an organization's events are delivered to (`docs/events.md`).
//! Their deliveries are jobs (`cms_jobs`, kind `webhook.deliver`).

use sea_orm_migration::prelude::*;

use crate::columns::Columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsWebhooks {
    Table,
    Id,
    OrganizationId,
    Url,
    Events,
    Secret,
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
                    .table(CmsWebhooks::Table)
                    .col(c.uuid(CmsWebhooks::Id).not_null().primary_key())
                    .col(c.text(CmsWebhooks::OrganizationId).not_null())
                    .col(c.text(CmsWebhooks::Url).not_null())
                    .col(c.json(CmsWebhooks::Events).not_null())
                    .col(c.text(CmsWebhooks::Secret).not_null())
                    .col(c.text(CmsWebhooks::CreatedBy))
                    .col(c.timestamp(CmsWebhooks::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cms_webhooks_organization_id_idx")
                    .table(CmsWebhooks::Table)
                    .col(CmsWebhooks::OrganizationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsWebhooks::Table).to_owned())
            .await
    }
}
