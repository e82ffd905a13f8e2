//! Who is calling: an `x-api-key` header, the Better Auth session cookie, or — with
//! `APHEX_PUBLIC_READ=published` — nobody at all. Handlers take a [`Caller`] and ask it for a
//! capability; no credentials is 401, a missing capability 403.
//!
//! A credential has a [`Scope`] on top of its owner's role: cookie sessions and ordinary keys
//! can do what the role allows; a read-only key can only read; a delivery key (and an anonymous
//! caller in public read mode) can only read **published** content — never a draft, a version
//! or anything about users.

use aphex::auth::cookie::SESSION_COOKIE;
use aphex::model::{Capability, Role};
use aphex::query::Perspective;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::state::AppState;

/// What a credential may do, on top of its owner's role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Everything the role allows (sessions, ordinary API keys).
    #[default]
    Full,
    /// Reading only, drafts included.
    Read,
    /// Published content only: no drafts, versions, users or keys.
    Delivery,
}

impl Scope {
    /// The Better Auth `permissions` stored on a key of this scope (`None`: no restriction).
    pub fn permissions(self) -> Option<Value> {
        match self {
            Scope::Full => None,
            Scope::Read => Some(json!({ "cms": ["read"] })),
            Scope::Delivery => Some(json!({ "cms": ["delivery"] })),
        }
    }

    /// The scope of a key with these stored `permissions`. A key without permissions is
    /// [`Full`](Scope::Full); one whose permissions the studio does not know (e.g. written by
    /// another Better Auth app) gets the least privilege, [`Delivery`](Scope::Delivery).
    pub fn of_key(permissions: Option<&str>) -> Scope {
        let Some(text) = permissions else {
            return Scope::Full;
        };
        let value = serde_json::from_str::<Value>(text).ok();
        [Scope::Read, Scope::Delivery]
            .into_iter()
            .find(|s| s.permissions() == value)
            .unwrap_or(Scope::Delivery)
    }
}

/// A caller: an authenticated user (with the credential's scope), or, in public read mode, an
/// anonymous delivery reader.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user (the key's owner for API keys); `None` for an anonymous public reader.
    user_id: Option<String>,
    /// The user's CMS role (`viewer` for anonymous readers).
    pub role: Role,
    /// What the credential may do.
    pub scope: Scope,
    /// The session token, when authenticated by cookie.
    pub session_token: Option<String>,
}

fn forbidden(message: &str) -> AppError {
    aphex::Error::Forbidden {
        message: message.into(),
    }
    .into()
}

impl Caller {
    /// `Ok(())` when the caller may do `capability` (for a delivery caller only
    /// [`Capability::Read`], which then means published content).
    ///
    /// # Errors
    /// 403 (`forbidden`).
    pub fn require(&self, capability: Capability) -> Result<(), AppError> {
        if capability != Capability::Read {
            if self.user_id.is_none() {
                return Err(AppError::Unauthenticated);
            }
            if self.scope != Scope::Full {
                return Err(forbidden(match self.scope {
                    Scope::Delivery => "a delivery key can only read published content",
                    _ => "this API key is read-only",
                }));
            }
        }
        Ok(self.role.require(capability)?)
    }

    /// The perspective a read runs in: the one asked for (draft by default), except that a
    /// delivery caller reads published content only (its default), and asking it for drafts
    /// is 403.
    ///
    /// # Errors
    /// 403 (`forbidden`).
    pub fn perspective(&self, asked: Option<Perspective>) -> Result<Perspective, AppError> {
        self.require(Capability::Read)?;
        match (self.scope, asked) {
            (Scope::Delivery, Some(Perspective::Draft)) => Err(forbidden(
                "published content only (a delivery key or a public read): no drafts",
            )),
            (Scope::Delivery, _) => Ok(Perspective::Published),
            (_, asked) => Ok(asked.unwrap_or_default()),
        }
    }

    /// `Ok(())` for callers that may see drafts and their history (not delivery callers).
    ///
    /// # Errors
    /// 403 (`forbidden`).
    pub fn require_drafts(&self) -> Result<(), AppError> {
        self.require(Capability::Read)?;
        if self.scope == Scope::Delivery {
            return Err(forbidden(
                "published content only (a delivery key or a public read): no drafts or versions",
            ));
        }
        Ok(())
    }

    /// The signed-in user, for routes about the caller's own account (not for delivery keys).
    ///
    /// # Errors
    /// 401 for an anonymous reader; 403 for a delivery key.
    pub fn user(&self) -> Result<&str, AppError> {
        let user = self.user_id.as_deref().ok_or(AppError::Unauthenticated)?;
        if self.scope == Scope::Delivery {
            return Err(forbidden("a delivery key cannot manage users or keys"));
        }
        Ok(user)
    }

    /// The user id to record as the author of a write (callers that can write always have one).
    pub fn author(&self) -> Option<String> {
        self.user_id.clone()
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
                scope: Scope::of_key(api_key.permissions.as_deref()),
                user_id: Some(api_key.reference_id),
                session_token: None,
            });
        }
        if let Some(cookie) = session_cookie(&parts.headers) {
            if let Some(active) = state.auth.session_from_cookie(&cookie).await? {
                return Ok(Caller {
                    role: state.auth.role_of(&active.user.id).await?,
                    scope: Scope::Full,
                    user_id: Some(active.user.id),
                    session_token: Some(active.session.token),
                });
            }
            return Err(aphex::Error::unauthorized(
                "INVALID_SESSION",
                "the session is invalid or has expired",
            )
            .into());
        }
        if state.public_read {
            return Ok(Caller {
                user_id: None,
                role: Role::Viewer,
                scope: Scope::Delivery,
                session_token: None,
            });
        }
        Err(AppError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_permissions_map_to_scopes() {
        let text = |s: Scope| s.permissions().map(|p| p.to_string());
        assert_eq!(Scope::of_key(None), Scope::Full);
        assert_eq!(Scope::of_key(text(Scope::Read).as_deref()), Scope::Read);
        assert_eq!(
            Scope::of_key(text(Scope::Delivery).as_deref()),
            Scope::Delivery
        );
        assert_eq!(
            Scope::of_key(Some(r#"{"files":["write"]}"#)),
            Scope::Delivery,
            "unknown permissions get the least privilege"
        );
    }
}
