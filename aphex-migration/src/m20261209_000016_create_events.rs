//! The change feed (`docs/events.md`):
//!
//! - `cms_events`: every domain event, numbered 1, 2, 3… per stream (`document:<id>`, …) in
//!   the order the writes committed; unique on (`stream`, `stream_seq`). Listed per stream and
//!   per organization and time.
//! - `cms_event_streams`: each stream's last number, the counter a write increments in its own
//!   transaction (PostgreSQL: in its own statement) — the row lock orders the writers.
//! - `cms_outbox`: the events not handled yet, one row per event, deleted when a consumer is
//!   done with it; `available_at` is when it may be claimed (now, or when a lease ends).
//!
//! The tables start empty: events are appended from now on (nothing happened before them).

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, cascade};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsEventStreams {
    Table,
    Stream,
    LastSeq,
}

#[derive(DeriveIden)]
pub(crate) enum CmsEvents {
    Table,
    Id,
    OrganizationId,
    Stream,
    StreamSeq,
    Kind,
    SubjectId,
    Actor,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CmsOutbox {
    Table,
    EventId,
    Stream,
    StreamSeq,
    CreatedAt,
    AvailableAt,
    LeaseToken,
    Attempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(CmsEventStreams::Table)
                    .col(c.text(CmsEventStreams::Stream).not_null().primary_key())
                    .col(c.bigint(CmsEventStreams::LastSeq).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CmsEvents::Table)
                    .col(c.uuid(CmsEvents::Id).not_null().primary_key())
                    .col(c.text(CmsEvents::OrganizationId).not_null())
                    .col(c.text(CmsEvents::Stream).not_null())
                    .col(c.bigint(CmsEvents::StreamSeq).not_null())
                    .col(c.varchar(CmsEvents::Kind, 40).not_null())
                    .col(c.text(CmsEvents::SubjectId).not_null())
                    .col(c.text(CmsEvents::Actor))
                    .col(c.json(CmsEvents::Data).not_null())
                    .col(c.timestamp(CmsEvents::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cms_events_stream_stream_seq_key")
                    .table(CmsEvents::Table)
                    .col(CmsEvents::Stream)
                    .col(CmsEvents::StreamSeq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cms_events_organization_id_created_at_idx")
                    .table(CmsEvents::Table)
                    .col(CmsEvents::OrganizationId)
                    .col(CmsEvents::CreatedAt)
                    .col(CmsEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CmsOutbox::Table)
                    .col(c.uuid(CmsOutbox::EventId).not_null().primary_key())
                    .col(c.text(CmsOutbox::Stream).not_null())
                    .col(c.bigint(CmsOutbox::StreamSeq).not_null())
                    .col(c.timestamp(CmsOutbox::CreatedAt).not_null())
                    .col(c.timestamp(CmsOutbox::AvailableAt).not_null())
                    .col(c.uuid(CmsOutbox::LeaseToken))
                    .col(c.integer(CmsOutbox::Attempts).not_null().default(0))
                    .foreign_key(&mut cascade(
                        "cms_outbox_event_id_fkey",
                        (CmsOutbox::Table, CmsOutbox::EventId),
                        (CmsEvents::Table, CmsEvents::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The head of each stream: the claim's "no earlier entry of the same stream".
        manager
            .create_index(
                Index::create()
                    .name("cms_outbox_stream_stream_seq_key")
                    .table(CmsOutbox::Table)
                    .col(CmsOutbox::Stream)
                    .col(CmsOutbox::StreamSeq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The claim's candidates, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("cms_outbox_created_at_idx")
                    .table(CmsOutbox::Table)
                    .col(CmsOutbox::CreatedAt)
                    .col(CmsOutbox::EventId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["cms_outbox", "cms_events", "cms_event_streams"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
