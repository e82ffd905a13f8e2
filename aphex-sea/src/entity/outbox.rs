//! `cms_outbox`: the events no consumer has finished with (`docs/events.md`).

use sea_orm::entity::prelude::*;

use crate::value::DbUuid;

/// A `cms_outbox` row: one per pending event; unique on (`stream`, `stream_seq`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_outbox")]
pub struct Model {
    /// The event (deleted with it).
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: DbUuid,
    /// The event's stream.
    pub stream: String,
    /// The event's number in its stream.
    pub stream_seq: i64,
    /// The event's time: claims take the oldest first.
    pub created_at: DateTimeUtc,
    /// When it may be claimed: at once, after a release's delay, or when a lease ends.
    pub available_at: DateTimeUtc,
    /// The claim holding it, if any.
    pub lease_token: Option<DbUuid>,
    /// How many times it was claimed.
    pub attempts: i32,
}

/// `cms_outbox` has no relations the CMS navigates.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
