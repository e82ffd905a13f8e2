//! `cms_event_streams`: each event stream's last number, incremented by the write that appends
//! to it (its row lock orders the stream's writers).

use sea_orm::entity::prelude::*;

/// A `cms_event_streams` row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_event_streams")]
pub struct Model {
    /// The stream.
    #[sea_orm(primary_key, auto_increment = false)]
    pub stream: String,
    /// Its last event's number.
    pub last_seq: i64,
}

/// `cms_event_streams` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
