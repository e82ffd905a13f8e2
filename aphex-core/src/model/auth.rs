//! The Better Auth 1.7 tables, field for field (snake_case columns, camelCase JSON like Better Auth).
//!
//! Ids are 32 random `[A-Za-z0-9]` characters (Better Auth's format). Every NOT NULL column is a
//! non-`Option` field: Better Auth has no database-side defaults to fall back on, so we always
//! write them.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// `user`: a person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// 32-char id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email, stored lowercase, unique.
    pub email: String,
    /// Whether the email address was verified.
    pub email_verified: bool,
    /// Avatar URL.
    pub image: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// `session`: a signed-in browser or client, found by its `token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// 32-char id.
    pub id: String,
    /// When the session stops being valid.
    pub expires_at: Timestamp,
    /// Secret session token (unique).
    pub token: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last refresh.
    pub updated_at: Timestamp,
    /// Client IP address.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Owner.
    pub user_id: String,
    /// The organization the session acts in (Better Auth's organization plugin); `None`: none
    /// chosen (the default organization).
    pub active_organization_id: Option<String>,
}

/// `account`: a way to sign in (`provider_id = "credential"` holds the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// 32-char id.
    pub id: String,
    /// Id at the provider (the user id for `credential`).
    pub account_id: String,
    /// `credential`, `github`, ...
    pub provider_id: String,
    /// Owner.
    pub user_id: String,
    /// OAuth access token.
    pub access_token: Option<String>,
    /// OAuth refresh token.
    pub refresh_token: Option<String>,
    /// OpenID id token.
    pub id_token: Option<String>,
    /// Access token expiry.
    pub access_token_expires_at: Option<Timestamp>,
    /// Refresh token expiry.
    pub refresh_token_expires_at: Option<Timestamp>,
    /// OAuth scope.
    pub scope: Option<String>,
    /// Password hash, `"<salt hex>:<key hex>"` (scrypt).
    pub password: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// `verification`: a one-time value (email verification, password reset) found by `identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// 32-char id.
    pub id: String,
    /// What it verifies, e.g. `reset-password:<token>`.
    pub identifier: String,
    /// The value to check.
    pub value: String,
    /// When it stops being valid.
    pub expires_at: Timestamp,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// `apikey` (the `@better-auth/api-key` plugin's table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// 32-char id.
    pub id: String,
    /// Plugin configuration id; always `default`.
    pub config_id: String,
    /// Human name.
    pub name: Option<String>,
    /// First characters of the plaintext key, for display.
    pub start: Option<String>,
    /// Owner (a user id).
    pub reference_id: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// base64url(SHA-256(plaintext)), never the plaintext.
    pub key: String,
    /// Refill period in milliseconds.
    pub refill_interval: Option<i32>,
    /// `remaining` is reset to this on refill.
    pub refill_amount: Option<i32>,
    /// Last refill.
    pub last_refill_at: Option<Timestamp>,
    /// Disabled keys are refused.
    pub enabled: Option<bool>,
    /// Whether the rate limit applies.
    pub rate_limit_enabled: Option<bool>,
    /// Rate-limit window in milliseconds.
    pub rate_limit_time_window: Option<i32>,
    /// Requests allowed per window.
    pub rate_limit_max: Option<i32>,
    /// Requests in the current window.
    pub request_count: Option<i32>,
    /// Requests left overall (`None` = unlimited).
    pub remaining: Option<i32>,
    /// Last accepted request.
    pub last_request: Option<Timestamp>,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// JSON text of the permissions map.
    pub permissions: Option<String>,
    /// JSON text of free-form metadata.
    pub metadata: Option<String>,
}

impl ApiKey {
    /// The usage counters, the part the atomic usage update compares and swaps.
    pub fn usage(&self) -> ApiKeyUsage {
        ApiKeyUsage {
            remaining: self.remaining,
            request_count: self.request_count,
            last_request: self.last_request,
            last_refill_at: self.last_refill_at,
        }
    }
}

/// The counters an API-key verification changes. Swapped atomically by
/// [`AuthStore::swap_api_key_usage`](crate::ports::AuthStore::swap_api_key_usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyUsage {
    /// Requests left overall.
    pub remaining: Option<i32>,
    /// Requests in the current window.
    pub request_count: Option<i32>,
    /// Last accepted request.
    pub last_request: Option<Timestamp>,
    /// Last refill.
    pub last_refill_at: Option<Timestamp>,
}

/// A change to a [`User`]; `None` fields are left alone. Only the given columns are written, so
/// concurrent patches of different fields never undo each other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// New name.
    pub name: Option<String>,
    /// New email (lowercase).
    pub email: Option<String>,
    /// New verification flag.
    pub email_verified: Option<bool>,
    /// New avatar (`Some(None)` clears it).
    pub image: Option<Option<String>>,
}

/// A change to a [`Session`]; `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionPatch {
    /// New expiry.
    pub expires_at: Option<Timestamp>,
    /// New IP address.
    pub ip_address: Option<Option<String>>,
    /// New user agent.
    pub user_agent: Option<Option<String>>,
    /// New active organization.
    pub active_organization_id: Option<Option<String>>,
}

/// A change to an [`Account`]; `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountPatch {
    /// New password hash.
    pub password: Option<Option<String>>,
    /// New access token.
    pub access_token: Option<Option<String>>,
    /// New refresh token.
    pub refresh_token: Option<Option<String>>,
    /// New id token.
    pub id_token: Option<Option<String>>,
    /// New access token expiry.
    pub access_token_expires_at: Option<Option<Timestamp>>,
    /// New refresh token expiry.
    pub refresh_token_expires_at: Option<Option<Timestamp>>,
    /// New scope.
    pub scope: Option<Option<String>>,
}

/// A change to an [`ApiKey`]'s settings; `None` fields are left alone. Usage counters change
/// only through [`AuthStore::swap_api_key_usage`](crate::ports::AuthStore::swap_api_key_usage).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeyPatch {
    /// New name.
    pub name: Option<Option<String>>,
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// New remaining count.
    pub remaining: Option<Option<i32>>,
    /// New refill interval.
    pub refill_interval: Option<Option<i32>>,
    /// New refill amount.
    pub refill_amount: Option<Option<i32>>,
    /// Rate limit on or off.
    pub rate_limit_enabled: Option<bool>,
    /// New rate-limit window.
    pub rate_limit_time_window: Option<Option<i32>>,
    /// New rate-limit maximum.
    pub rate_limit_max: Option<Option<i32>>,
    /// New expiry.
    pub expires_at: Option<Option<Timestamp>>,
    /// New permissions JSON text.
    pub permissions: Option<Option<String>>,
    /// New metadata JSON text.
    pub metadata: Option<Option<String>>,
}
