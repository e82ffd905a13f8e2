//! `cms_jobs`: scheduled work — publishes, unpublishes, an application's own kinds
//! (`docs/jobs.md`).

use sea_orm::entity::prelude::*;

use crate::value::DbUuid;

/// A `cms_jobs` row; unique on `dedupe_key`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cms_jobs")]
pub struct Model {
    /// UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DbUuid,
    /// The organization it acts in.
    pub organization_id: String,
    /// What to do.
    pub kind: String,
    /// When it is due.
    pub run_at: DateTimeUtc,
    /// Its arguments.
    pub payload: Json,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
    /// What makes a job unique: the organization and the idempotency key, or the id for a job
    /// without a key (so one unique index serves every backend, without partial indexes).
    pub dedupe_key: String,
    /// `scheduled`, `running`, `succeeded`, `failed`, `cancelled`.
    pub status: String,
    /// Claims so far.
    pub attempts: i32,
    /// Attempts before it fails for good.
    pub max_attempts: i32,
    /// The claim holding it.
    pub lease_token: Option<DbUuid>,
    /// Until when.
    pub lease_until: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Who scheduled it.
    pub created_by: Option<String>,
    /// When it was scheduled.
    pub created_at: DateTimeUtc,
    /// Its last change.
    pub updated_at: DateTimeUtc,
    /// When it finished.
    pub finished_at: Option<DateTimeUtc>,
}

/// `cms_jobs` has no relations the CMS navigates.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
