use serde::{Deserialize, Serialize};

use super::Timestamp;

/// An organization: one row of Better Auth's `organization` table (organization plugin), plus
/// `parent_id`, ours, for the hierarchy. Content belongs to exactly one organization (see
/// [`Scope`](crate::Scope)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Id (Better Auth's are 32-char random strings; the default organization's is
    /// [`DEFAULT_ORGANIZATION_ID`](crate::DEFAULT_ORGANIZATION_ID)).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique, URL-safe name.
    pub slug: String,
    /// Logo URL.
    pub logo: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Free-form metadata, as Better Auth stores it (JSON text).
    pub metadata: Option<String>,
    /// The parent organization, which may read this one's content; `None` at the top.
    pub parent_id: Option<String>,
}
