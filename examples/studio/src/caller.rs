//! Who is calling: an `x-api-key` header or the Better Auth session cookie. Handlers take a
//! [`Caller`] and ask it for a capability; no credentials is 401, a missing capability 403.

use aphex::auth::cookie::SESSION_COOKIE;
use aphex::model::{Capability, Role};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::http::request::Parts;

use crate::error::AppError;
use crate::state::AppState;

/// The permissions a read-only API key carries (`readOnly: true` at creation).
pub fn read_only_permissions() -> serde_json::Value {
    serde_json::json!({ "cms": ["read"] })
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user (the key's owner for API keys).
    pub user_id: String,
    /// The user's CMS role.
    pub role: Role,
    /// A read-only API key: only [`Capability::Read`].
    pub read_only: bool,
    /// The session token, when authenticated by cookie.
    pub session_token: Option<String>,
}

impl Caller {
    /// `Ok(())` when the caller may do `capability`.
    ///
    /// # Errors
    /// 403 (`forbidden`).
    pub fn require(&self, capability: Capability) -> Result<(), AppError> {
        if self.read_only && capability != Capability::Read {
            return Err(aphex::Error::Forbidden {
                message: "this API key is read-only".into(),
            }
            .into());
        }
        Ok(self.role.require(capability)?)
    }
}

/// The session cookie's value, from `better-auth.session_token` or its `__Secure-` form.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let secure = format!("__Secure-{SESSION_COOKIE}");
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE || *name == secure)
        .map(|(_, value)| value.to_string())
}

fn is_read_only(permissions: Option<&str>) -> bool {
    permissions
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .is_some_and(|p| p == read_only_permissions())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        if let Some(key) = parts.headers.get("x-api-key") {
            let key = key
                .to_str()
                .map_err(|_| AppError::BadRequest("x-api-key is not text".into()))?;
            let api_key = state.auth.verify_api_key(key).await?;
            return Ok(Caller {
                role: state.auth.role_of(&api_key.reference_id).await?,
                read_only: is_read_only(api_key.permissions.as_deref()),
                user_id: api_key.reference_id,
                session_token: None,
            });
        }
        if let Some(cookie) = session_cookie(&parts.headers) {
            if let Some(active) = state.auth.session_from_cookie(&cookie).await? {
                return Ok(Caller {
                    role: state.auth.role_of(&active.user.id).await?,
                    read_only: false,
                    user_id: active.user.id,
                    session_token: Some(active.session.token),
                });
            }
            return Err(aphex::Error::unauthorized(
                "INVALID_SESSION",
                "the session is invalid or has expired",
            )
            .into());
        }
        Err(AppError::Unauthenticated)
    }
}
