//! `cms_events`: the domain events, numbered per stream (`docs/events.md`).

use sea_orm::entity::prelude::*;

use crate::value::DbUuid;

/// A `cms_events` row; unique on (`stream`, `stream_seq`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_events")]
pub struct Model {
    /// UUID (version 7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// The organization the write acted in.
    pub organization_id: String,
    /// `document:<id>`, `asset:<id>`, `organization:<id>` or `schema`.
    pub stream: String,
    /// 1, 2, 3… per stream, in commit order.
    pub stream_seq: i64,
    /// `document.published`, …
    pub kind: String,
    /// What it happened to.
    pub subject_id: String,
    /// Who did it.
    pub actor: Option<String>,
    /// A small summary.
    pub data: Json,
    /// When.
    pub created_at: DateTimeUtc,
}

/// `cms_events` has no relations the CMS navigates.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
