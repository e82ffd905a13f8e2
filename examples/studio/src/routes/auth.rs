//! `/api/auth`: email sign-up and sign-in (setting Better Auth's session cookie), sign-out, the
//! current session, and the caller's API keys. `/api/users/{id}/role` lets an admin change roles.

use std::net::SocketAddr;

use aphex::DEFAULT_ORGANIZATION_ID;
use aphex::auth::cookie::SESSION_COOKIE;
use aphex::model::{ApiKey, Capability, Role, Session, User};
use aphex::service::{ClientInfo, CreateApiKey, SignUp, SignedIn};
use axum::extract::{ConnectInfo, State};
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::caller::{Access, Caller, KEY_ORGANIZATION, key_organization};
use crate::error::{AppError, AppJson, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/sign-up/email", post(sign_up))
        .route("/api/auth/sign-in/email", post(sign_in))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/auth/session", get(session))
        .route("/api/auth/api-keys", get(list_keys).post(create_key))
        .route("/api/auth/api-keys/{id}", delete(delete_key))
        .route("/api/users/{id}/role", put(set_role))
}

fn client(addr: SocketAddr, headers: &HeaderMap) -> ClientInfo {
    let mut client = ClientInfo::new().ip_address(addr.ip().to_string());
    client.user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    client
}

fn cookie_name(state: &AppState) -> String {
    if state.cookie_secure {
        format!("__Secure-{SESSION_COOKIE}")
    } else {
        SESSION_COOKIE.to_string()
    }
}

/// `Set-Cookie` for a session (or, with `None`, clearing it).
fn set_cookie(state: &AppState, value: Option<&str>, max_age: TimeDelta) -> String {
    let secure = if state.cookie_secure { "; Secure" } else { "" };
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        cookie_name(state),
        value.unwrap_or(""),
        if value.is_some() {
            max_age.num_seconds()
        } else {
            0
        },
    )
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionView {
    user: User,
    session: SessionInfo,
    role: Role,
}

/// A session without its token (the token only travels in the HttpOnly cookie).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfo {
    id: String,
    expires_at: aphex::model::Timestamp,
    created_at: aphex::model::Timestamp,
    /// The organization the session acts in (`null`: the default one).
    active_organization_id: Option<String>,
}

impl From<&Session> for SessionInfo {
    fn from(s: &Session) -> Self {
        SessionInfo {
            active_organization_id: s.active_organization_id.clone(),
            id: s.id.clone(),
            expires_at: s.expires_at,
            created_at: s.created_at,
        }
    }
}

async fn signed_in_response(state: &AppState, signed: SignedIn) -> Result<Response, AppError> {
    let role = state.auth.role_of(&signed.user.id).await?;
    let cookie = set_cookie(
        state,
        Some(&signed.cookie),
        state.auth.config().session_expires_in,
    );
    let body = SessionView {
        session: (&signed.session).into(),
        user: signed.user,
        role,
    };
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignUpBody {
    name: String,
    email: String,
    password: String,
    image: Option<String>,
}

async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    AppJson(body): AppJson<SignUpBody>,
) -> Result<Response, AppError> {
    if !state.open_signup && state.cms.adapter().count_users().await? > 0 {
        return Err(aphex::Error::Forbidden {
            message: "sign-up is closed (start the studio with APHEX_SIGNUP=open to allow it)"
                .into(),
        }
        .into());
    }
    let signed = state
        .auth
        .sign_up_email({
            let mut sign_up =
                SignUp::new(body.name, body.email, body.password).client(client(addr, &headers));
            sign_up.image = body.image;
            sign_up
        })
        .await?;
    signed_in_response(&state, signed).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    AppJson(body): AppJson<SignInBody>,
) -> Result<Response, AppError> {
    let signed = state
        .auth
        .sign_in_email(&body.email, &body.password, client(addr, &headers))
        .await?;
    signed_in_response(&state, signed).await
}

async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = &caller.session_token {
        state.auth.sign_out(token).await?;
    }
    let cookie = set_cookie(&state, None, TimeDelta::zero());
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, cookie)]),
    ))
}

async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SessionView>, AppError> {
    let cookie = crate::caller::session_cookie(&headers).ok_or(AppError::Unauthenticated)?;
    let active = state
        .auth
        .session_from_cookie(&cookie)
        .await?
        .ok_or_else(|| {
            aphex::Error::unauthorized("INVALID_SESSION", "the session is invalid or has expired")
        })?;
    let role = state.auth.role_of(&active.user.id).await?;
    Ok(Json(SessionView {
        session: (&active.session).into(),
        user: active.user,
        role,
    }))
}

/// An API key without its hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyView {
    id: String,
    name: Option<String>,
    start: Option<String>,
    prefix: Option<String>,
    enabled: Option<bool>,
    /// `full`, `read` or `delivery`.
    scope: Access,
    /// The organization the key acts in.
    organization_id: String,
    /// `scope == "read"` (kept for clients of the first version).
    read_only: bool,
    remaining: Option<i32>,
    rate_limit_enabled: Option<bool>,
    rate_limit_time_window: Option<i32>,
    rate_limit_max: Option<i32>,
    request_count: Option<i32>,
    last_request: Option<aphex::model::Timestamp>,
    expires_at: Option<aphex::model::Timestamp>,
    created_at: aphex::model::Timestamp,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        let scope = Access::of_key(k.permissions.as_deref());
        ApiKeyView {
            organization_id: key_organization(&k),
            scope,
            read_only: scope == Access::Read,
            id: k.id,
            name: k.name,
            start: k.start,
            prefix: k.prefix,
            enabled: k.enabled,
            remaining: k.remaining,
            rate_limit_enabled: k.rate_limit_enabled,
            rate_limit_time_window: k.rate_limit_time_window,
            rate_limit_max: k.rate_limit_max,
            request_count: k.request_count,
            last_request: k.last_request,
            expires_at: k.expires_at,
            created_at: k.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateKeyBody {
    name: Option<String>,
    prefix: Option<String>,
    /// Seconds (1 to 365 days).
    expires_in: Option<i64>,
    /// `full` (default), `read` or `delivery`.
    scope: Option<Access>,
    /// The same as `scope: "read"`.
    #[serde(default)]
    read_only: bool,
    /// The organization the key acts in (default: the caller's current one).
    organization_id: Option<String>,
}

async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<CreateKeyBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let user = caller.writer()?;
    let organization = match body.organization_id {
        Some(id) if id != caller.organization() => {
            // Only as a member of that organization, and never from a key of another one.
            if !caller.may_address(&id)
                || (id != DEFAULT_ORGANIZATION_ID
                    && state.cms.organizations().member(&id, user).await?.is_none())
            {
                return Err(aphex::Error::not_found("organization", id).into());
            }
            id
        }
        _ => caller.organization().to_owned(),
    };
    let scope = match (body.scope, body.read_only) {
        (None, read_only) => {
            if read_only {
                Access::Read
            } else {
                Access::Full
            }
        }
        (Some(scope), false) => scope,
        (Some(Access::Read), true) => Access::Read,
        (Some(_), true) => {
            return Err(AppError::BadRequest(
                "`readOnly: true` contradicts the `scope` given".into(),
            ));
        }
    };
    let expires_in = body
        .expires_in
        .map(|s| {
            TimeDelta::try_seconds(s)
                .ok_or_else(|| aphex::Error::invalid("expiresIn", "is out of range"))
        })
        .transpose()?;
    let mut input = CreateApiKey::default();
    input.name = body.name;
    input.prefix = body.prefix;
    input.expires_in = expires_in;
    input.permissions = scope.permissions();
    if organization != DEFAULT_ORGANIZATION_ID {
        input.metadata = Some(json!({ KEY_ORGANIZATION: organization }));
    }
    let created = state.auth.create_api_key(user, input).await?;
    let view = ApiKeyView::from(created.api_key);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "key": created.key, "apiKey": view })),
    ))
}

async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApiKeyView>>, AppError> {
    let keys = state.auth.list_api_keys(caller.user()?).await?;
    Ok(Json(keys.into_iter().map(ApiKeyView::from).collect()))
}

async fn delete_key(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, AppError> {
    let user = caller.writer()?;
    state.auth.delete_api_key(user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: Role,
}

async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<RoleBody>,
) -> Result<Json<Value>, AppError> {
    // CMS roles are not an organization's: a membership's capabilities do not count here.
    caller
        .require_cms_role(&state, Capability::ManageUsers)
        .await?;
    let profile = match state.cms.profiles().get(&id).await? {
        Some(_) => state.cms.profiles().set_role(&id, body.role).await?,
        None => state.cms.profiles().create(&id, body.role, None).await?,
    };
    Ok(Json(
        json!({ "userId": profile.user_id, "role": profile.role }),
    ))
}
