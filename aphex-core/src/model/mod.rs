//! Plain data types shared by every backend. No database types appear here.

mod asset;
mod auth;
mod document;
mod event;
mod job;
mod organization;
mod profile;
mod schema_type;
mod version;
mod webhook;

pub use asset::{Asset, AssetPatch, NewAsset};
pub use auth::{
    Account, AccountPatch, ApiKey, ApiKeyPatch, ApiKeyUsage, Session, SessionPatch, User,
    UserPatch, Verification,
};
pub use document::{Document, DocumentStatus, NewDocument};
pub use event::{
    Event, EventKind, NewEvent, OutboxEntry, SCHEMA_STREAM, asset_stream, document_stream,
    organization_stream,
};
pub use job::{Job, JobOutcome, JobStatus, NewJob};
pub use organization::{
    ADMIN_ROLE, Invitation, InvitationStatus, MEMBER_ROLE, Member, OWNER_ROLE, Organization,
    OrganizationRole, role_names,
};
pub use profile::{Capability, NewUserProfile, Role, UserProfile, UserProfilePatch};
pub use schema_type::{SchemaKind, SchemaType};
pub use version::{DocumentVersion, NewVersion, VersionEvent};
pub use webhook::Webhook;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// A UTC instant. Every timestamp aphex-rs writes has millisecond precision, so it round-trips
/// identically through PostgreSQL, SQLite (ISO text) and MongoDB (BSON date).
pub type Timestamp = DateTime<Utc>;

/// The current time, truncated to whole milliseconds.
pub fn now() -> Timestamp {
    truncate_to_millis(Utc::now())
}

/// `t` truncated to whole milliseconds.
pub fn truncate_to_millis(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(t)
}

/// Formats a timestamp as Better Auth (and JavaScript's `toISOString`) writes it:
/// `2026-11-24T19:13:38.694Z`.
pub fn to_iso_millis(t: &Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
