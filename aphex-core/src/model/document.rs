use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Timestamp;

/// Where a document is in its editorial life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentStatus {
    /// Never published.
    Draft,
    /// Has live (`published_data`) content; the draft may have moved on since.
    Published,
    /// Was published, then taken down; `published_data` is cleared.
    Unpublished,
}

impl DocumentStatus {
    /// All statuses, in declaration order.
    pub const ALL: [DocumentStatus; 3] = [
        DocumentStatus::Draft,
        DocumentStatus::Published,
        DocumentStatus::Unpublished,
    ];

    /// The stored name: `draft`, `published` or `unpublished`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Draft => "draft",
            DocumentStatus::Published => "published",
            DocumentStatus::Unpublished => "unpublished",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A content document: one row of `cms_documents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// UUID; the same value on every backend.
    pub id: Uuid,
    /// Schema type name, e.g. `post`.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// Editorial status.
    pub status: DocumentStatus,
    /// The working copy, a JSON object. `None` in a [published view](Document::published_view)
    /// (and then absent from the JSON form, so a delivery client never sees a draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_data: Option<Value>,
    /// The live copy, set by publish and cleared by unpublish.
    pub published_data: Option<Value>,
    /// Publish hash of `published_data` (see [`publish_hash`](crate::service::publish_hash)).
    pub published_hash: Option<String>,
    /// Starts at 1, +1 on every draft update. The compare-and-swap token.
    pub revision: i64,
    /// User id of the creator.
    pub created_by: Option<String>,
    /// User id of the last writer.
    pub updated_by: Option<String>,
    /// When it was last published.
    pub published_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change (draft save, publish or unpublish).
    pub updated_at: Timestamp,
    /// The organization it belongs to (see [`Scope`](crate::Scope)).
    pub organization_id: String,
}

impl Document {
    /// The document as the published perspective shows it: the same row without its draft
    /// (`draft_data: None`). Metadata (`revision`, timestamps, authors) stays: it is not
    /// content. Every read in the published perspective returns documents in this form.
    pub fn published_view(mut self) -> Document {
        self.draft_data = None;
        self
    }

    /// The data seen in `perspective`: the draft, or the published copy.
    pub fn data(&self, perspective: crate::query::Perspective) -> Option<&Value> {
        match perspective {
            crate::query::Perspective::Draft => self.draft_data.as_ref(),
            crate::query::Perspective::Published => self.published_data.as_ref(),
        }
    }

    /// Mutable access to the data seen in `perspective`.
    pub fn data_mut(&mut self, perspective: crate::query::Perspective) -> Option<&mut Value> {
        match perspective {
            crate::query::Perspective::Draft => self.draft_data.as_mut(),
            crate::query::Perspective::Published => self.published_data.as_mut(),
        }
    }
}

/// A document to insert, fully prepared by the document service (id, timestamps, validation).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    /// The id to use.
    pub id: Uuid,
    /// Schema type name.
    pub doc_type: String,
    /// Initial draft data (a JSON object).
    pub draft_data: Value,
    /// Creator's user id.
    pub created_by: Option<String>,
    /// Creation time; also `updated_at`.
    pub created_at: Timestamp,
}
