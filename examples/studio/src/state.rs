//! What every handler can reach.

use std::sync::Arc;

use aphex::Cms;
use aphex::service::AuthService;
use aphex::storage::StorageAdapter;

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The CMS services.
    pub cms: Cms,
    /// Authentication (always configured in the studio).
    pub auth: AuthService,
    /// Where asset files live.
    pub storage: Arc<dyn StorageAdapter>,
    /// Upload cap in bytes.
    pub max_upload_bytes: usize,
    /// Cap on every other request body, in bytes.
    pub max_body_bytes: usize,
    /// `APHEX_PUBLIC_READ=published`: requests without credentials read published content.
    pub public_read: bool,
    /// Whether the session cookie is marked `Secure`.
    pub cookie_secure: bool,
    /// Whether anyone may sign up (otherwise only the first user).
    pub open_signup: bool,
}
