//! `apikey` (the `@better-auth/api-key` plugin).

use sea_orm::entity::prelude::*;

/// An `apikey` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "apikey")]
pub struct Model {
    /// 32-char id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Plugin configuration id (`default`).
    pub config_id: String,
    /// Name.
    pub name: Option<String>,
    /// Start of the plaintext, for display.
    pub start: Option<String>,
    /// Owner.
    pub reference_id: String,
    /// Prefix.
    pub prefix: Option<String>,
    /// base64url(SHA-256(plaintext)).
    pub key: String,
    /// Refill period (ms).
    pub refill_interval: Option<i32>,
    /// Refill amount.
    pub refill_amount: Option<i32>,
    /// Last refill.
    pub last_refill_at: Option<DateTimeUtc>,
    /// Enabled flag.
    pub enabled: Option<bool>,
    /// Rate limit on/off.
    pub rate_limit_enabled: Option<bool>,
    /// Rate-limit window (ms).
    pub rate_limit_time_window: Option<i32>,
    /// Requests per window.
    pub rate_limit_max: Option<i32>,
    /// Requests in the current window.
    pub request_count: Option<i32>,
    /// Requests left.
    pub remaining: Option<i32>,
    /// Last accepted request.
    pub last_request: Option<DateTimeUtc>,
    /// Expiry.
    pub expires_at: Option<DateTimeUtc>,
    /// Creation.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Permissions JSON text.
    pub permissions: Option<String>,
    /// Metadata JSON text.
    pub metadata: Option<String>,
}

/// `apikey` has no relations (the owner is a plain `reference_id`, as in Better Auth).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
