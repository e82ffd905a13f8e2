//! Domain events: what happened to a document, an asset, the schema or an organization's
//! members, appended by the write that did it (see `docs/events.md`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Timestamp;

/// What happened. Stored as its dotted name (`document.published`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventKind {
    /// A document was created (its first draft).
    #[serde(rename = "document.created")]
    DocumentCreated,
    /// A document's draft was saved.
    #[serde(rename = "document.draft_saved")]
    DocumentDraftSaved,
    /// A document was published.
    #[serde(rename = "document.published")]
    DocumentPublished,
    /// A document was unpublished.
    #[serde(rename = "document.unpublished")]
    DocumentUnpublished,
    /// A version snapshot was made the draft again.
    #[serde(rename = "document.restored")]
    DocumentRestored,
    /// A document was deleted.
    #[serde(rename = "document.deleted")]
    DocumentDeleted,
    /// An asset row was created.
    #[serde(rename = "asset.created")]
    AssetCreated,
    /// An asset's metadata changed.
    #[serde(rename = "asset.updated")]
    AssetUpdated,
    /// An asset row was deleted.
    #[serde(rename = "asset.deleted")]
    AssetDeleted,
    /// The schema types were synced, registered or deleted.
    #[serde(rename = "schema.synced")]
    SchemaSynced,
    /// A user became a member of an organization.
    #[serde(rename = "member.added")]
    MemberAdded,
    /// A member's role changed.
    #[serde(rename = "member.role_changed")]
    MemberRoleChanged,
    /// A member left or was removed.
    #[serde(rename = "member.removed")]
    MemberRemoved,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 13] = [
        EventKind::DocumentCreated,
        EventKind::DocumentDraftSaved,
        EventKind::DocumentPublished,
        EventKind::DocumentUnpublished,
        EventKind::DocumentRestored,
        EventKind::DocumentDeleted,
        EventKind::AssetCreated,
        EventKind::AssetUpdated,
        EventKind::AssetDeleted,
        EventKind::SchemaSynced,
        EventKind::MemberAdded,
        EventKind::MemberRoleChanged,
        EventKind::MemberRemoved,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::DocumentCreated => "document.created",
            EventKind::DocumentDraftSaved => "document.draft_saved",
            EventKind::DocumentPublished => "document.published",
            EventKind::DocumentUnpublished => "document.unpublished",
            EventKind::DocumentRestored => "document.restored",
            EventKind::DocumentDeleted => "document.deleted",
            EventKind::AssetCreated => "asset.created",
            EventKind::AssetUpdated => "asset.updated",
            EventKind::AssetDeleted => "asset.deleted",
            EventKind::SchemaSynced => "schema.synced",
            EventKind::MemberAdded => "member.added",
            EventKind::MemberRoleChanged => "member.role_changed",
            EventKind::MemberRemoved => "member.removed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stream of the events of one subject: events of a stream are numbered 1, 2, 3… in the
/// order their writes committed, and delivered in that order.
pub fn document_stream(id: Uuid) -> String {
    format!("document:{id}")
}

/// The stream of an asset's events.
pub fn asset_stream(id: Uuid) -> String {
    format!("asset:{id}")
}

/// The stream of an organization's membership events.
pub fn organization_stream(id: &str) -> String {
    format!("organization:{id}")
}

/// The stream of the schema's events (schema types are global).
pub const SCHEMA_STREAM: &str = "schema";

/// One stored event: a row of `cms_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// UUID (version 7: ordered by time).
    pub id: Uuid,
    /// The organization the write acted in.
    pub organization_id: String,
    /// Its stream: `document:<id>`, `asset:<id>`, `organization:<id>` or `schema`.
    pub stream: String,
    /// 1, 2, 3… within the stream, in commit order.
    pub sequence: i64,
    /// What happened.
    pub kind: EventKind,
    /// The id of what it happened to (document, asset, organization; the schema: `schema`).
    pub subject_id: String,
    /// The user who did it, when known.
    pub actor: Option<String>,
    /// A small summary (never content: a consumer reads the subject for that).
    pub data: Value,
    /// When the write happened.
    pub created_at: Timestamp,
}

/// An event to append; the store numbers it in its stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewEvent {
    /// UUID of the new event.
    pub id: Uuid,
    /// Its stream.
    pub stream: String,
    /// What happened.
    pub kind: EventKind,
    /// What it happened to.
    pub subject_id: String,
    /// Who did it.
    pub actor: Option<String>,
    /// The summary.
    pub data: Value,
    /// When.
    pub created_at: Timestamp,
}

impl NewEvent {
    /// A new event (a fresh time-ordered id) of `kind` on `stream`.
    pub fn new(
        stream: String,
        kind: EventKind,
        subject_id: impl Into<String>,
        actor: Option<String>,
        data: Value,
        created_at: Timestamp,
    ) -> Self {
        NewEvent {
            id: Uuid::now_v7(),
            stream,
            kind,
            subject_id: subject_id.into(),
            actor,
            data,
            created_at,
        }
    }
}

/// An outbox entry a consumer holds: the event, and the lease it holds it under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The event to handle.
    pub event: Event,
    /// How many times it has been claimed, this claim included.
    pub attempts: i32,
    /// Until when this claim holds it; after that another consumer may claim it.
    pub lease_until: Timestamp,
}
