//! Who is calling: an `x-api-key` header, the Better Auth session cookie, or — with
//! `APHEX_PUBLIC_READ=published` — nobody at all. Handlers take a [`Caller`] and ask it for a
//! capability; no credentials is 401, a missing capability 403.
//!
//! A caller acts in one **organization**: a session in its active organization (while its user
//! is still a member; otherwise the default one), an API key in the organization recorded in
//! its metadata when it was created (`{"organizationId": …}`; none: the default one), an
//! anonymous reader in the default one. Content routes reach content only through
//! [`Caller::cms`], the CMS scoped to that organization, so another organization's ids are 404.
//! What the caller may do there comes from their membership's roles; in the default
//! organization, from their CMS role (`user_profile.role`), as before organizations existed.
//!
//! A credential also has an [`Access`] on top of that: cookie sessions and ordinary keys can
//! do what the role allows; a read-only key can only read; a delivery key (and an anonymous
//! caller in public read mode) can only read **published** content — never a draft, a version
//! or anything about users.

use std::collections::BTreeSet;

use aphex::auth::cookie::SESSION_COOKIE;
use aphex::model::{ApiKey, Capability, Role};
use aphex::query::Perspective;
use aphex::{Cms, DEFAULT_ORGANIZATION_ID};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::state::AppState;

/// The key of an API key's metadata that records the organization it acts in.
pub const KEY_ORGANIZATION: &str = "organizationId";

/// What a credential may do, on top of its owner's role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Everything the role allows (sessions, ordinary API keys).
    #[default]
    Full,
    /// Reading only, drafts included.
    Read,
    /// Published content only: no drafts, versions, users or keys.
    Delivery,
}

impl Access {
    /// The Better Auth `permissions` stored on a key of this access (`None`: no restriction).
    pub fn permissions(self) -> Option<Value> {
        match self {
            Access::Full => None,
            Access::Read => Some(json!({ "cms": ["read"] })),
            Access::Delivery => Some(json!({ "cms": ["delivery"] })),
        }
    }

    /// The access of a key with these stored `permissions`. A key without permissions is
    /// [`Full`](Access::Full); one whose permissions the studio does not know (e.g. written by
    /// another Better Auth app) gets the least privilege, [`Delivery`](Access::Delivery).
    pub fn of_key(permissions: Option<&str>) -> Access {
        let Some(text) = permissions else {
            return Access::Full;
        };
        let value = serde_json::from_str::<Value>(text).ok();
        [Access::Read, Access::Delivery]
            .into_iter()
            .find(|s| s.permissions() == value)
            .unwrap_or(Access::Delivery)
    }
}

/// The organization an API key acts in: `metadata.organizationId`, else the default one.
pub fn key_organization(key: &ApiKey) -> String {
    key.metadata
        .as_deref()
        .and_then(|m| serde_json::from_str::<Value>(m).ok())
        .and_then(|m| m.get(KEY_ORGANIZATION)?.as_str().map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_ORGANIZATION_ID.to_owned())
}

/// Where the caller's permissions come from.
#[derive(Debug, Clone)]
enum Grants {
    /// The CMS role (the default organization).
    Role(Role),
    /// A membership's capabilities (any other organization).
    Member(BTreeSet<Capability>),
}

/// A caller: an authenticated user (with the credential's access), or, in public read mode, an
/// anonymous delivery reader — acting in one organization.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user (the key's owner for API keys); `None` for an anonymous public reader.
    user_id: Option<String>,
    /// What the user may do in [`organization`](Self::organization).
    grants: Grants,
    /// The CMS, scoped to the caller's organization.
    cms: Cms,
    /// Whether the credential is an API key (bound to its organization).
    is_key: bool,
    /// What the credential may do.
    pub access: Access,
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
            if self.access != Access::Full {
                return Err(forbidden(match self.access {
                    Access::Delivery => "a delivery key can only read published content",
                    _ => "this API key is read-only",
                }));
            }
        }
        match &self.grants {
            Grants::Role(role) => Ok(role.require(capability)?),
            Grants::Member(capabilities) if capabilities.contains(&capability) => Ok(()),
            Grants::Member(_) => Err(forbidden(&format!(
                "your roles in this organization do not allow {}",
                capability.as_str()
            ))),
        }
    }

    /// `Ok(())` when the caller's CMS role (not a membership) allows `capability`: for what is
    /// not an organization's (users' CMS roles).
    ///
    /// # Errors
    /// 401/403.
    pub async fn require_cms_role(
        &self,
        state: &AppState,
        capability: Capability,
    ) -> Result<(), AppError> {
        let user = self.user()?;
        if self.access != Access::Full {
            return Err(forbidden("this API key is read-only"));
        }
        Ok(state.auth.role_of(user).await?.require(capability)?)
    }

    /// The CMS acting in the caller's organization: the only way content routes reach content.
    pub fn cms(&self) -> &Cms {
        &self.cms
    }

    /// The organization the caller acts in.
    pub fn organization(&self) -> &str {
        self.cms.scope().organization()
    }

    /// Whether the caller may address organization `id` in the organization routes: a session
    /// any (membership decides), an API key only its own.
    pub fn may_address(&self, id: &str) -> bool {
        !self.is_key || self.organization() == id
    }

    /// The perspective a read runs in: the one asked for (draft by default), except that a
    /// delivery caller reads published content only (its default), and asking it for drafts
    /// is 403.
    ///
    /// # Errors
    /// 403 (`forbidden`).
    pub fn perspective(&self, asked: Option<Perspective>) -> Result<Perspective, AppError> {
        self.require(Capability::Read)?;
        match (self.access, asked) {
            (Access::Delivery, Some(Perspective::Draft)) => Err(forbidden(
                "published content only (a delivery key or a public read): no drafts",
            )),
            (Access::Delivery, _) => Ok(Perspective::Published),
            (_, asked) => Ok(asked.unwrap_or_default()),
        }
    }

    /// `Ok(())` for callers that may see drafts and their history (not delivery callers).
    ///
    /// # Errors
    /// 403 (`forbidden`).
    pub fn require_drafts(&self) -> Result<(), AppError> {
        self.require(Capability::Read)?;
        if self.access == Access::Delivery {
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
        if self.access == Access::Delivery {
            return Err(forbidden("a delivery key cannot manage users or keys"));
        }
        Ok(user)
    }

    /// The signed-in user, for changes (not read-only or delivery keys).
    ///
    /// # Errors
    /// 401 for an anonymous reader; 403 for a key that is not a full one.
    pub fn writer(&self) -> Result<&str, AppError> {
        let user = self.user()?;
        if self.access != Access::Full {
            return Err(forbidden("this API key is read-only"));
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

/// What `user_id` may do in `organization` and the CMS scoped to it: the CMS role in the
/// default organization; elsewhere the membership's capabilities (`None`: not a member).
async fn grants(
    state: &AppState,
    user_id: &str,
    organization: &str,
) -> Result<Option<(Grants, Cms)>, AppError> {
    if organization == DEFAULT_ORGANIZATION_ID {
        let role = state.auth.role_of(user_id).await?;
        return Ok(Some((Grants::Role(role), state.cms.clone())));
    }
    let organizations = state.cms.organizations();
    let Some(member) = organizations.member(organization, user_id).await? else {
        return Ok(None);
    };
    let capabilities = organizations.member_capabilities(&member).await?;
    // A membership implies the organization exists (members go with it).
    let cms = state.cms.in_scope(aphex::Scope::new(organization));
    Ok(Some((Grants::Member(capabilities), cms)))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        if let Some(key) = parts.headers.get("x-api-key") {
            let key = key
                .to_str()
                .map_err(|_| AppError::BadRequest("x-api-key is not text".into()))?;
            let api_key = state.auth.verify_api_key(key).await?;
            let organization = key_organization(&api_key);
            let (grants, cms) = grants(state, &api_key.reference_id, &organization)
                .await?
                .ok_or_else(|| {
                    forbidden("the key's owner is no longer a member of the key's organization")
                })?;
            return Ok(Caller {
                grants,
                cms,
                is_key: true,
                access: Access::of_key(api_key.permissions.as_deref()),
                user_id: Some(api_key.reference_id),
                session_token: None,
            });
        }
        if let Some(cookie) = session_cookie(&parts.headers) {
            if let Some(active) = state.auth.session_from_cookie(&cookie).await? {
                let user = active.user.id;
                let organization = active.session.active_organization_id.as_deref();
                // A session whose user left its active organization acts in the default one.
                let mut found = match organization {
                    Some(org) => grants(state, &user, org).await?,
                    None => None,
                };
                if found.is_none() {
                    found = grants(state, &user, DEFAULT_ORGANIZATION_ID).await?;
                }
                let (grants, cms) = found.ok_or(AppError::Unauthenticated)?;
                return Ok(Caller {
                    grants,
                    cms,
                    is_key: false,
                    access: Access::Full,
                    user_id: Some(user),
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
                grants: Grants::Role(Role::Viewer),
                cms: state.cms.clone(),
                is_key: false,
                access: Access::Delivery,
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
        let text = |s: Access| s.permissions().map(|p| p.to_string());
        assert_eq!(Access::of_key(None), Access::Full);
        assert_eq!(Access::of_key(text(Access::Read).as_deref()), Access::Read);
        assert_eq!(
            Access::of_key(text(Access::Delivery).as_deref()),
            Access::Delivery
        );
        assert_eq!(
            Access::of_key(Some(r#"{"files":["write"]}"#)),
            Access::Delivery,
            "unknown permissions get the least privilege"
        );
    }
}
