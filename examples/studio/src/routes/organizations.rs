//! `/api/organizations`: create, list the caller's, read, delete; members (add, change role,
//! remove or leave) and custom roles; `PUT /api/auth/session/organization` switches the
//! session's active organization — the one its content routes then act in.
//!
//! An organization is visible only to its members (and to an API key only its own
//! organization): to anyone else every route here answers 404, so ids of other organizations
//! reveal nothing. What a member may do comes from their roles (`aphex::service`'s
//! `builtin_role_capabilities` and custom roles); making or unmaking an owner needs
//! `manage_organization` (`capability_for_role`).

use aphex::DEFAULT_ORGANIZATION_ID;
use aphex::model::{Capability, Member, Organization, OrganizationRole};
use aphex::service::{CreateOrganization, capability_for_role};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::caller::Caller;
use crate::error::{AppError, AppJson, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/organizations", get(list_mine).post(create))
        .route("/api/organizations/{id}", get(read).delete(remove))
        .route(
            "/api/organizations/{id}/members",
            get(members).post(add_member),
        )
        .route(
            "/api/organizations/{id}/members/{user}",
            put(set_member_role).delete(remove_member),
        )
        .route(
            "/api/organizations/{id}/roles",
            get(roles).post(create_role),
        )
        .route("/api/organizations/{id}/roles/{role}", delete(delete_role))
        .route("/api/auth/session/organization", put(set_active))
}

/// The caller's membership in organization `id`, where they may act with `capability`.
///
/// # Errors
/// 404 when the caller is not a member (or is a key of another organization); 403 when their
/// roles do not allow `capability`, or a read-only key asks for more than reading.
pub(super) async fn membership(
    state: &AppState,
    caller: &Caller,
    id: &str,
    capability: Capability,
) -> Result<Member, AppError> {
    let user = if capability == Capability::Read {
        caller.user()?
    } else {
        caller.writer()?
    };
    let organizations = state.cms.organizations();
    let member = match caller.may_address(id) {
        true => organizations.member(id, user).await?,
        false => None,
    }
    .ok_or_else(|| aphex::Error::not_found("organization", id))?;
    if !organizations
        .member_capabilities(&member)
        .await?
        .contains(&capability)
    {
        return Err(aphex::Error::Forbidden {
            message: format!(
                "your roles in this organization do not allow {}",
                capability.as_str()
            ),
        }
        .into());
    }
    Ok(member)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateBody {
    name: String,
    slug: String,
    /// A parent organization (the caller must be allowed to manage it).
    parent_id: Option<String>,
    logo: Option<String>,
    /// A JSON object (stored as Better Auth's `metadata` text).
    metadata: Option<serde_json::Map<String, Value>>,
}

/// Creates an organization; the caller becomes its owner.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<CreateBody>,
) -> Result<(StatusCode, Json<Organization>), AppError> {
    let user = caller.writer()?;
    let mut input = CreateOrganization::new(body.name, body.slug).owner(user);
    if let Some(parent) = body.parent_id {
        membership(&state, &caller, &parent, Capability::ManageOrganization).await?;
        input = input.parent(parent);
    }
    if let Some(logo) = body.logo {
        input = input.logo(logo);
    }
    if let Some(metadata) = body.metadata {
        input = input.metadata(Value::Object(metadata).to_string());
    }
    let created = state.cms.organizations().create(input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// An organization with the caller's membership in it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Membership {
    organization: Organization,
    /// The caller's role(s), comma-separated.
    role: String,
    /// What those roles allow.
    capabilities: Vec<Capability>,
}

async fn membership_view(state: &AppState, member: Member) -> Result<Membership, AppError> {
    let organizations = state.cms.organizations();
    let organization = organizations
        .get(&member.organization_id)
        .await?
        .ok_or_else(|| aphex::Error::not_found("organization", &member.organization_id))?;
    let capabilities = organizations.member_capabilities(&member).await?;
    Ok(Membership {
        organization,
        role: member.role,
        capabilities: capabilities.into_iter().collect(),
    })
}

/// The organizations the caller is a member of (for a key: its own, if still a member).
async fn list_mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Membership>>, AppError> {
    let user = caller.user()?;
    let mut out = Vec::new();
    for member in state.cms.organizations().memberships(user).await? {
        if caller.may_address(&member.organization_id) {
            out.push(membership_view(&state, member).await?);
        }
    }
    Ok(Json(out))
}

async fn read(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Membership>, AppError> {
    let member = membership(&state, &caller, &id, Capability::Read).await?;
    Ok(Json(membership_view(&state, member).await?))
}

/// Deletes an organization (owners): members, invitations and roles go; content stays.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, AppError> {
    membership(&state, &caller, &id, Capability::ManageOrganization).await?;
    state.cms.organizations().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn members(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Vec<Member>>, AppError> {
    membership(&state, &caller, &id, Capability::Read).await?;
    Ok(Json(state.cms.organizations().members(&id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AddMemberBody {
    user_id: String,
    /// Role name(s), comma-separated (default `member`).
    role: Option<String>,
}

async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<AddMemberBody>,
) -> Result<(StatusCode, Json<Member>), AppError> {
    let role = body
        .role
        .unwrap_or_else(|| aphex::model::MEMBER_ROLE.to_owned());
    membership(&state, &caller, &id, capability_for_role(&role)).await?;
    let organizations = state.cms.organizations();
    let member = organizations.add_member(&id, &body.user_id, &role).await?;
    Ok((StatusCode::CREATED, Json(member)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

/// The member `user` of organization `id`, whom the caller may change or remove: themselves
/// with `own`, anyone else with what the member's roles call for ([`capability_for_role`]).
async fn changeable(
    state: &AppState,
    caller: &Caller,
    id: &str,
    user: &str,
    own: Capability,
) -> Result<Member, AppError> {
    caller.writer()?;
    let mine = membership(state, caller, id, own).await?;
    if mine.user_id == user {
        return Ok(mine);
    }
    let target = state
        .cms
        .organizations()
        .member(id, user)
        .await?
        .ok_or_else(|| aphex::Error::not_found("member", user))?;
    membership(state, caller, id, capability_for_role(&target.role)).await?;
    Ok(target)
}

async fn set_member_role(
    State(state): State<AppState>,
    caller: Caller,
    AppPath((id, user)): AppPath<(String, String)>,
    AppJson(body): AppJson<RoleBody>,
) -> Result<Json<Member>, AppError> {
    let target = changeable(&state, &caller, &id, &user, Capability::ManageMembers).await?;
    membership(&state, &caller, &id, capability_for_role(&body.role)).await?;
    let organizations = state.cms.organizations();
    let member = organizations
        .set_member_role(&id, &target.user_id, &body.role)
        .await?;
    Ok(Json(member))
}

/// Removes a member; any member may remove themselves (leave), except the last owner.
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    AppPath((id, user)): AppPath<(String, String)>,
) -> Result<StatusCode, AppError> {
    let target = changeable(&state, &caller, &id, &user, Capability::Read).await?;
    let organizations = state.cms.organizations();
    organizations.remove_member(&id, &target.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn roles(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Vec<OrganizationRole>>, AppError> {
    membership(&state, &caller, &id, Capability::Read).await?;
    Ok(Json(state.cms.organizations().roles(&id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRoleBody {
    role: String,
    /// Capability names (`read`, `write_documents`, `publish_documents`, ...).
    capabilities: Vec<Capability>,
}

async fn create_role(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<CreateRoleBody>,
) -> Result<(StatusCode, Json<OrganizationRole>), AppError> {
    membership(&state, &caller, &id, Capability::ManageMembers).await?;
    let organizations = state.cms.organizations();
    let role = organizations
        .create_role(&id, &body.role, &body.capabilities)
        .await?;
    Ok((StatusCode::CREATED, Json(role)))
}

async fn delete_role(
    State(state): State<AppState>,
    caller: Caller,
    AppPath((id, role)): AppPath<(String, String)>,
) -> Result<StatusCode, AppError> {
    membership(&state, &caller, &id, Capability::ManageMembers).await?;
    state.cms.organizations().delete_role(&id, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ActiveBody {
    /// The organization to act in; `null` (or the default organization's id): the default one.
    organization_id: Option<String>,
}

/// Switches the session's active organization (sessions only: a key's organization is fixed
/// when it is created).
async fn set_active(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<ActiveBody>,
) -> Result<Json<Value>, AppError> {
    let token = caller.session_token.as_deref().ok_or_else(|| {
        AppError::from(aphex::Error::Forbidden {
            message: "only a session has an active organization (an API key acts in the \
                      organization it was created for)"
                .into(),
        })
    })?;
    let organization = body
        .organization_id
        .filter(|id| id != DEFAULT_ORGANIZATION_ID);
    if let Some(id) = &organization {
        membership(&state, &caller, id, Capability::Read).await?;
    }
    let session = state
        .cms
        .organizations()
        .set_active(token, organization.as_deref())
        .await?;
    Ok(Json(
        json!({ "activeOrganizationId": session.active_organization_id }),
    ))
}
