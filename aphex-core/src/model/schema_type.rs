use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Timestamp;

/// Whether a schema type describes top-level documents or embeddable objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaKind {
    /// Top-level content (`post`, `author`).
    Document,
    /// A reusable object shape embedded in documents (`seo`, `address`).
    Object,
}

impl SchemaKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaKind::Document => "document",
            SchemaKind::Object => "object",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "document" => Some(SchemaKind::Document),
            "object" => Some(SchemaKind::Object),
            _ => None,
        }
    }
}

/// A stored schema type: one row of `cms_schema_types`. `schema` is the full definition as JSON
/// (see [`SchemaTypeDef`](crate::schema::SchemaTypeDef)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaType {
    /// UUID.
    pub id: Uuid,
    /// Unique name (≤ 100 chars).
    pub name: String,
    /// Human title (≤ 200 chars).
    pub title: String,
    /// Document or object.
    #[serde(rename = "type")]
    pub kind: SchemaKind,
    /// Description.
    pub description: Option<String>,
    /// The full definition.
    pub schema: Value,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}
