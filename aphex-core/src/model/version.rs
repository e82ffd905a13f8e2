use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Timestamp;

/// What produced a version snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionEvent {
    /// A draft save (including creation and restore).
    Draft,
    /// A publish.
    Publish,
}

impl VersionEvent {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionEvent::Draft => "draft",
            VersionEvent::Publish => "publish",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(VersionEvent::Draft),
            "publish" => Some(VersionEvent::Publish),
            _ => None,
        }
    }
}

/// A snapshot of a document's data: one row of `cms_document_versions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentVersion {
    /// UUID of the snapshot.
    pub id: Uuid,
    /// The document it belongs to.
    pub document_id: Uuid,
    /// 1, 2, 3... per document, never reused.
    pub version_number: i64,
    /// Draft save or publish.
    pub event_type: VersionEvent,
    /// The data at that moment.
    pub data: Value,
    /// Who caused it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: Timestamp,
    /// Its document's organization.
    pub organization_id: String,
}

/// A snapshot to insert; the store assigns the next `version_number`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    /// Snapshot id.
    pub id: Uuid,
    /// The document it belongs to.
    pub document_id: Uuid,
    /// Draft save or publish.
    pub event_type: VersionEvent,
    /// The data at that moment.
    pub data: Value,
    /// Who caused it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: Timestamp,
}
