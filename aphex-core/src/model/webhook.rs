//! Webhook endpoints: where an organization's events are delivered (`docs/events.md`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Timestamp;

/// A registered endpoint: a row of `cms_webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// UUID.
    pub id: Uuid,
    /// The organization whose events it receives.
    pub organization_id: String,
    /// Where deliveries are POSTed (`http` or `https`).
    pub url: String,
    /// Which events: kinds (`document.published`), kind prefixes (`document.*`) or `*`.
    pub events: Vec<String>,
    /// The Standard Webhooks signing secret (`whsec_` + base64).
    pub secret: String,
    /// Who registered it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

impl Webhook {
    /// Whether it receives events of `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.events.iter().any(|filter| {
            filter == "*"
                || filter == kind
                || filter
                    .strip_suffix('*')
                    .is_some_and(|prefix| prefix.ends_with('.') && kind.starts_with(prefix))
        })
    }
}
