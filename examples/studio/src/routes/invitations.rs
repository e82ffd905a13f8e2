//! Invitations: `/api/organizations/{id}/invitations` (list, invite — members who may manage
//! members) and `/api/invitations/{id}` (read, accept, reject — the invited user; cancel — a
//! member who may manage members). The invitation's id is its token: whoever is sent it signs
//! in with the invited email and accepts.

use std::time::Duration;

use aphex::model::{Capability, Invitation, Member};
use aphex::service::{Invite, capability_for_role};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::organizations::membership;
use crate::caller::Caller;
use crate::error::{AppError, AppJson, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/organizations/{id}/invitations",
            get(list).post(invite),
        )
        .route("/api/invitations/{id}", get(read).delete(cancel))
        .route("/api/invitations/{id}/accept", post(accept))
        .route("/api/invitations/{id}/reject", post(reject))
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Vec<Invitation>>, AppError> {
    membership(&state, &caller, &id, Capability::ManageMembers).await?;
    Ok(Json(state.cms.organizations().invitations(&id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct InviteBody {
    email: String,
    /// Role name(s), comma-separated (default `member`).
    role: Option<String>,
    /// Seconds the invitation stays open (default 48 hours).
    expires_in: Option<u64>,
}

async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<InviteBody>,
) -> Result<(StatusCode, Json<Invitation>), AppError> {
    let role = body
        .role
        .unwrap_or_else(|| aphex::model::MEMBER_ROLE.to_owned());
    let inviter = membership(&state, &caller, &id, capability_for_role(&role)).await?;
    let mut invite = Invite::new(body.email).role(role);
    if let Some(seconds) = body.expires_in {
        invite = invite.expires_in(Duration::from_secs(seconds));
    }
    let organizations = state.cms.organizations();
    let invitation = organizations.invite(&id, &inviter.user_id, invite).await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// The invitation `id`, for its invitee or a member of its organization who may manage
/// members; 404 for anyone else.
async fn read(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Invitation>, AppError> {
    let user = caller.user()?;
    let organizations = state.cms.organizations();
    let not_found = || AppError::from(aphex::Error::not_found("invitation", &id));
    let invitation = organizations.invitation(&id).await?.ok_or_else(not_found)?;
    let email = state
        .cms
        .adapter()
        .find_user(user)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    let invited = email.eq_ignore_ascii_case(&invitation.email);
    if !invited
        && membership(
            &state,
            &caller,
            &invitation.organization_id,
            Capability::ManageMembers,
        )
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok(Json(invitation))
}

/// The invitation `id`, when the caller may answer or cancel it at all: a session, or an API
/// key of the invitation's organization (a key acts in its own organization only).
async fn addressed(state: &AppState, caller: &Caller, id: &str) -> Result<Invitation, AppError> {
    caller.writer()?;
    state
        .cms
        .organizations()
        .invitation(id)
        .await?
        .filter(|i| caller.may_address(&i.organization_id))
        .ok_or_else(|| aphex::Error::not_found("invitation", id).into())
}

/// Joins the organization with the invitation's role (only the invited email).
async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Member>, AppError> {
    addressed(&state, &caller, &id).await?;
    let organizations = state.cms.organizations();
    Ok(Json(
        organizations
            .accept_invitation(&id, caller.writer()?)
            .await?,
    ))
}

async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Invitation>, AppError> {
    addressed(&state, &caller, &id).await?;
    let organizations = state.cms.organizations();
    Ok(Json(
        organizations
            .reject_invitation(&id, caller.writer()?)
            .await?,
    ))
}

/// Withdraws a pending invitation.
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<Invitation>, AppError> {
    let invitation = addressed(&state, &caller, &id).await?;
    let member = membership(
        &state,
        &caller,
        &invitation.organization_id,
        capability_for_role(invitation.role.as_deref().unwrap_or_default()),
    )
    .await?;
    let organizations = state.cms.organizations();
    Ok(Json(
        organizations
            .cancel_invitation(&id, &member.user_id)
            .await?,
    ))
}
