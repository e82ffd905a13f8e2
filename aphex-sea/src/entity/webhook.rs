//! `cms_webhooks`: the endpoints an organization's events are delivered to.

use sea_orm::entity::prelude::*;

use crate::value::DbUuid;

/// A `cms_webhooks` row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_webhooks")]
pub struct Model {
    /// UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// The organization whose events it receives.
    pub organization_id: String,
    /// Where deliveries go.
    pub url: String,
    /// Which events: a JSON array of kinds, `prefix.*` or `*`.
    pub events: Json,
    /// The signing secret.
    pub secret: String,
    /// Who registered it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// `cms_webhooks` has no relations the CMS navigates.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
