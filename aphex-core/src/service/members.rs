//! Members, roles and invitations of an organization, and the active organization of a
//! session — on Better Auth's organization plugin tables, with Better Auth's rules: roles
//! `owner`, `admin`, `member` plus the organization's custom roles (several per member, joined
//! by `,`), an organization never left without an owner, invitations accepted only by the
//! invited email before they expire.

use std::collections::BTreeSet;

use serde_json::Value;

use super::OrganizationService;
use super::values;
use super::work::unit_of_work;
use crate::auth::random;
use crate::error::{Error, Result};
use crate::model::{
    ADMIN_ROLE, Capability, EventKind, Invitation, InvitationStatus, MEMBER_ROLE, Member, NewEvent,
    OWNER_ROLE, OrganizationRole, Session, SessionPatch, Timestamp, now, organization_stream,
    role_names,
};
use crate::ports::Stores;
use crate::scope::Scope;

/// How long an invitation stays open unless said otherwise: 48 hours, Better Auth's default.
pub const DEFAULT_INVITATION_EXPIRY: std::time::Duration =
    std::time::Duration::from_secs(48 * 3600);

/// The resource under which a custom role's permission lists its capabilities:
/// `{"cms": ["read", "write_documents"]}`.
pub const CMS_PERMISSION_RESOURCE: &str = "cms";

/// The capabilities of Better Auth's built-in roles: an owner may do everything; an admin all
/// but change or delete the organization and make owners; a member read, write documents (not
/// publish) and manage assets. `None` for a name that is not built in.
pub fn builtin_role_capabilities(role: &str) -> Option<BTreeSet<Capability>> {
    let all = Capability::ALL.into_iter();
    Some(match role {
        OWNER_ROLE => all.collect(),
        ADMIN_ROLE => all
            .filter(|c| *c != Capability::ManageOrganization)
            .collect(),
        MEMBER_ROLE => [
            Capability::Read,
            Capability::WriteDocuments,
            Capability::ManageAssets,
        ]
        .into_iter()
        .collect(),
        _ => return None,
    })
}

/// The capabilities a custom role's `permission` JSON grants (names it does not know are
/// ignored: another app sharing the table may list its own resources and actions).
pub fn permission_capabilities(permission: &str) -> BTreeSet<Capability> {
    serde_json::from_str::<Value>(permission)
        .ok()
        .and_then(|v| v.get(CMS_PERMISSION_RESOURCE).cloned())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|name| name.as_str().and_then(Capability::parse))
        .collect()
}

/// The capability an actor needs to give someone `role`, or to change or remove a member who
/// has it: making or unmaking an owner needs [`Capability::ManageOrganization`] (an admin
/// cannot), any other role [`Capability::ManageMembers`].
pub fn capability_for_role(role: &str) -> Capability {
    if role_names(role).any(|r| r == OWNER_ROLE) {
        Capability::ManageOrganization
    } else {
        Capability::ManageMembers
    }
}

/// An invitation to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invite {
    /// Who may accept it.
    pub email: String,
    /// The role(s) the invitee gets (`member` when `None`).
    pub role: Option<String>,
    /// How long it stays open.
    pub expires_in: std::time::Duration,
}

impl Invite {
    /// An invitation for `email`, as a `member`, open for [`DEFAULT_INVITATION_EXPIRY`].
    pub fn new(email: impl Into<String>) -> Self {
        Invite {
            email: email.into(),
            role: None,
            expires_in: DEFAULT_INVITATION_EXPIRY,
        }
    }

    /// With this role (or roles, comma-separated).
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Open for `expires_in`.
    pub fn expires_in(mut self, expires_in: std::time::Duration) -> Self {
        self.expires_in = expires_in;
        self
    }
}

/// The membership of `user_id` among `members`, when it may stop being an owner (be removed,
/// or get roles without `owner`): refused for the organization's last owner.
fn leaving_ownership<'m>(members: &'m [Member], user_id: &str) -> Result<&'m Member> {
    let member = members
        .iter()
        .find(|m| m.user_id == user_id)
        .ok_or_else(|| Error::not_found("member", user_id))?;
    if member.is_owner() && !members.iter().any(|m| m.id != member.id && m.is_owner()) {
        return Err(Error::invalid(
            "role",
            "the organization's last owner cannot be removed or demoted: make another member owner first",
        ));
    }
    Ok(member)
}

/// [`Error::NotFound`] for an id no row can have (it holds a NUL), before it reaches a
/// database that would refuse it.
fn storable_id(entity: &'static str, id: &str) -> Result<()> {
    if values::storable(id) {
        Ok(())
    } else {
        Err(Error::not_found(entity, id))
    }
}

impl OrganizationService {
    /// Checks role names: each built in or a custom role of the organization.
    async fn check_roles(
        &self,
        stores: &dyn Stores,
        organization_id: &str,
        role: &str,
    ) -> Result<()> {
        let names: Vec<&str> = role_names(role).collect();
        if names.iter().any(|n| n.is_empty()) || !values::storable(role) {
            return Err(Error::invalid(
                "role",
                "one or more role names, comma-separated",
            ));
        }
        let custom = stores.list_organization_roles(organization_id).await?;
        for name in names {
            if builtin_role_capabilities(name).is_none() && !custom.iter().any(|r| r.role == name) {
                return Err(Error::invalid(
                    "role",
                    format!("no role `{name}` in this organization"),
                ));
            }
        }
        Ok(())
    }

    /// The members of an organization, oldest first.
    pub async fn members(&self, organization_id: &str) -> Result<Vec<Member>> {
        if !values::storable(organization_id) {
            return Ok(Vec::new());
        }
        self.db.list_members(organization_id).await
    }

    /// The membership of a user in an organization.
    pub async fn member(&self, organization_id: &str, user_id: &str) -> Result<Option<Member>> {
        if !values::storable(organization_id) || !values::storable(user_id) {
            return Ok(None);
        }
        self.db.find_member(organization_id, user_id).await
    }

    /// The organizations a user is a member of (their memberships, oldest first).
    pub async fn memberships(&self, user_id: &str) -> Result<Vec<Member>> {
        if !values::storable(user_id) {
            return Ok(Vec::new());
        }
        self.db.list_memberships(user_id).await
    }

    /// Adds a user to an organization with `role` (built in or one of its custom roles).
    ///
    /// # Errors
    /// [`Error::Validation`] for an unknown role; [`Error::Conflict`] (`member.user_id`) when
    /// the user is already a member; [`Error::NotFound`] for an unknown organization or user.
    pub async fn add_member(
        &self,
        organization_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<Member> {
        storable_id("organization", organization_id)?;
        storable_id("user", user_id)?;
        let id = random::id();
        unit_of_work!(&*self.db, |stores| {
            stores.lock_organization(organization_id).await?;
            self.check_roles(stores, organization_id, role).await?;
            join(stores, &id, organization_id, user_id, role, now()).await
        })
    }

    /// Changes a member's role(s). The last owner cannot be demoted.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a user who is not a member; [`Error::Validation`] for an unknown
    /// role or the last owner.
    pub async fn set_member_role(
        &self,
        organization_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<Member> {
        storable_id("organization", organization_id)?;
        unit_of_work!(&*self.db, |stores| {
            stores.lock_organization(organization_id).await?;
            self.check_roles(stores, organization_id, role).await?;
            let members = stores.list_members(organization_id).await?;
            let member = if role_names(role).any(|r| r == OWNER_ROLE) {
                members
                    .iter()
                    .find(|m| m.user_id == user_id)
                    .ok_or_else(|| Error::not_found("member", user_id))?
            } else {
                leaving_ownership(&members, user_id)?
            };
            let member = stores.update_member_role(&member.id, role).await?;
            record_member(stores, EventKind::MemberRoleChanged, &member).await?;
            Ok(member)
        })
    }

    /// Removes a member. The last owner cannot be removed.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a user who is not a member; [`Error::Validation`] for the last
    /// owner.
    pub async fn remove_member(&self, organization_id: &str, user_id: &str) -> Result<()> {
        storable_id("organization", organization_id)?;
        unit_of_work!(&*self.db, |stores| {
            stores.lock_organization(organization_id).await?;
            let members = stores.list_members(organization_id).await?;
            let member = leaving_ownership(&members, user_id)?;
            stores.delete_member(&member.id).await?;
            record_member(stores, EventKind::MemberRemoved, member).await
        })
    }

    /// What a user may do in an organization: the union of their roles' capabilities
    /// (built-in roles as [`builtin_role_capabilities`], custom roles from their permission);
    /// nothing for a user who is not a member.
    pub async fn capabilities(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<BTreeSet<Capability>> {
        match self.member(organization_id, user_id).await? {
            Some(member) => self.member_capabilities(&member).await,
            None => Ok(BTreeSet::new()),
        }
    }

    /// What a member may do: the union of their roles' capabilities (one more query when a
    /// role is custom).
    pub async fn member_capabilities(&self, member: &Member) -> Result<BTreeSet<Capability>> {
        let organization_id = member.organization_id.as_str();
        let mut out = BTreeSet::new();
        let mut custom: Option<Vec<OrganizationRole>> = None;
        for name in member.roles() {
            if let Some(caps) = builtin_role_capabilities(name) {
                out.extend(caps);
                continue;
            }
            if custom.is_none() {
                custom = Some(self.db.list_organization_roles(organization_id).await?);
            }
            if let Some(role) = custom.iter().flatten().find(|r| r.role == name) {
                out.extend(permission_capabilities(&role.permission));
            }
        }
        Ok(out)
    }

    /// Refuses unless the user may do `capability` in the organization.
    ///
    /// # Errors
    /// [`Error::Forbidden`].
    pub async fn require(
        &self,
        organization_id: &str,
        user_id: &str,
        capability: Capability,
    ) -> Result<()> {
        if self
            .capabilities(organization_id, user_id)
            .await?
            .contains(&capability)
        {
            Ok(())
        } else {
            Err(Error::Forbidden {
                message: format!(
                    "not allowed to {} in this organization",
                    capability.as_str()
                ),
            })
        }
    }

    /// Creates a custom role of the organization with these capabilities (stored as Better
    /// Auth's permission JSON under [`CMS_PERMISSION_RESOURCE`]).
    ///
    /// # Errors
    /// [`Error::Validation`] for a built-in or empty name, or a name taken in the organization;
    /// [`Error::NotFound`] for an unknown organization.
    pub async fn create_role(
        &self,
        organization_id: &str,
        role: &str,
        capabilities: &[Capability],
    ) -> Result<OrganizationRole> {
        if role.trim().is_empty() || role.contains(',') || !values::storable(role) {
            return Err(Error::invalid("role", "a name without `,`"));
        }
        if builtin_role_capabilities(role).is_some() {
            return Err(Error::invalid(
                "role",
                format!("`{role}` is a built-in role"),
            ));
        }
        let names: BTreeSet<&str> = capabilities.iter().map(|c| c.as_str()).collect();
        let permission = serde_json::json!({ CMS_PERMISSION_RESOURCE: names }).to_string();
        storable_id("organization", organization_id)?;
        let id = random::id();
        unit_of_work!(&*self.db, |stores| {
            stores.lock_organization(organization_id).await?;
            if stores
                .list_organization_roles(organization_id)
                .await?
                .iter()
                .any(|r| r.role == role)
            {
                return Err(Error::invalid("role", format!("`{role}` exists")));
            }
            stores
                .insert_organization_role(&OrganizationRole {
                    id: id.clone(),
                    organization_id: organization_id.to_owned(),
                    role: role.to_owned(),
                    permission: permission.clone(),
                    created_at: now(),
                    updated_at: None,
                })
                .await
        })
    }

    /// The organization's custom roles, by name.
    pub async fn roles(&self, organization_id: &str) -> Result<Vec<OrganizationRole>> {
        if !values::storable(organization_id) {
            return Ok(Vec::new());
        }
        self.db.list_organization_roles(organization_id).await
    }

    /// Deletes a custom role that no member has (as Better Auth refuses to).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] while members have it.
    pub async fn delete_role(&self, organization_id: &str, role: &str) -> Result<()> {
        storable_id("organization role", role)?;
        storable_id("organization", organization_id)?;
        unit_of_work!(&*self.db, |stores| {
            stores.lock_organization(organization_id).await?;
            let members = stores.list_members(organization_id).await?;
            if members.iter().any(|m| m.roles().any(|r| r == role)) {
                return Err(Error::invalid("role", format!("members have `{role}`")));
            }
            if stores
                .delete_organization_role(organization_id, role)
                .await?
            {
                Ok(())
            } else {
                Err(Error::not_found("organization role", role))
            }
        })
    }

    /// Invites `invite.email` to the organization; the invitation's id is the token the
    /// invitee accepts it with.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty email or an unknown role; [`Error::Forbidden`] when
    /// the inviter may not manage members; [`Error::NotFound`] for an unknown organization.
    pub async fn invite(
        &self,
        organization_id: &str,
        inviter_id: &str,
        invite: Invite,
    ) -> Result<Invitation> {
        let email = invite.email.trim().to_lowercase();
        if !email.contains('@') || !values::storable(&email) {
            return Err(Error::invalid("email", "an email address"));
        }
        self.require(organization_id, inviter_id, Capability::ManageMembers)
            .await?;
        let role = invite.role.unwrap_or_else(|| MEMBER_ROLE.to_owned());
        let at = now();
        let expires_at = at
            + chrono::TimeDelta::from_std(invite.expires_in)
                .map_err(|_| Error::invalid("expiresIn", "too long"))?;
        self.check_roles(&*self.db, organization_id, &role).await?;
        self.db
            .insert_invitation(&Invitation {
                id: random::id(),
                organization_id: organization_id.to_owned(),
                email,
                role: Some(role),
                status: InvitationStatus::Pending,
                expires_at,
                created_at: at,
                inviter_id: inviter_id.to_owned(),
            })
            .await
    }

    /// The invitation with this id (its token).
    pub async fn invitation(&self, id: &str) -> Result<Option<Invitation>> {
        if !values::storable(id) {
            return Ok(None);
        }
        self.db.find_invitation(id).await
    }

    /// The organization's invitations, newest first.
    pub async fn invitations(&self, organization_id: &str) -> Result<Vec<Invitation>> {
        if !values::storable(organization_id) {
            return Ok(Vec::new());
        }
        self.db.list_invitations(organization_id).await
    }

    /// The invitation `id` as `user_id` may answer it: open, and for their email.
    async fn addressed_to(&self, id: &str, user_id: &str, at: Timestamp) -> Result<Invitation> {
        let invitation = self
            .invitation(id)
            .await?
            .ok_or_else(|| Error::not_found("invitation", id))?;
        let user = self
            .db
            .find_user(user_id)
            .await?
            .ok_or_else(|| Error::not_found("user", user_id))?;
        if !user.email.eq_ignore_ascii_case(&invitation.email) {
            return Err(Error::Forbidden {
                message: "this invitation is for another email address".into(),
            });
        }
        if !invitation.is_open(at) {
            return Err(Error::invalid(
                "invitation",
                if invitation.status == InvitationStatus::Pending {
                    "the invitation has expired".to_owned()
                } else {
                    format!("the invitation was {}", invitation.status.as_str())
                },
            ));
        }
        Ok(invitation)
    }

    /// Accepts an invitation: the user (whose email must be the invited one) joins with the
    /// invitation's role, and the invitation is `accepted` — in one unit of work.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Forbidden`] for another user's invitation;
    /// [`Error::Validation`] when it expired or was answered already; [`Error::Conflict`] when
    /// the user is a member already.
    pub async fn accept_invitation(&self, id: &str, user_id: &str) -> Result<Member> {
        let at = now();
        let invitation = self.addressed_to(id, user_id, at).await?;
        let member_id = random::id();
        let role = invitation
            .role
            .clone()
            .unwrap_or_else(|| MEMBER_ROLE.to_owned());
        unit_of_work!(&*self.db, |stores| {
            stores
                .lock_organization(&invitation.organization_id)
                .await?;
            if !stores
                .set_invitation_status(id, InvitationStatus::Pending, InvitationStatus::Accepted)
                .await?
            {
                return Err(Error::invalid(
                    "invitation",
                    "the invitation was answered already",
                ));
            }
            join(
                stores,
                &member_id,
                &invitation.organization_id,
                user_id,
                &role,
                at,
            )
            .await
        })
    }

    /// Declines an invitation (only its invitee).
    ///
    /// # Errors
    /// As [`accept_invitation`](Self::accept_invitation).
    pub async fn reject_invitation(&self, id: &str, user_id: &str) -> Result<Invitation> {
        let invitation = self.addressed_to(id, user_id, now()).await?;
        self.answer(invitation, InvitationStatus::Rejected).await
    }

    /// Withdraws a pending invitation (`by` must manage members of its organization).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Forbidden`]; [`Error::Validation`] when it was answered.
    pub async fn cancel_invitation(&self, id: &str, by: &str) -> Result<Invitation> {
        let invitation = self
            .invitation(id)
            .await?
            .ok_or_else(|| Error::not_found("invitation", id))?;
        self.require(&invitation.organization_id, by, Capability::ManageMembers)
            .await?;
        self.answer(invitation, InvitationStatus::Canceled).await
    }

    async fn answer(&self, invitation: Invitation, to: InvitationStatus) -> Result<Invitation> {
        if self
            .db
            .set_invitation_status(&invitation.id, InvitationStatus::Pending, to)
            .await?
        {
            Ok(Invitation {
                status: to,
                ..invitation
            })
        } else {
            Err(Error::invalid(
                "invitation",
                "the invitation was answered already",
            ))
        }
    }

    /// Makes `organization_id` the session's active organization (`None`: none, the default
    /// organization). The session's user must be a member.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown session; [`Error::Forbidden`] for a user who is not a
    /// member.
    pub async fn set_active(
        &self,
        session_token: &str,
        organization_id: Option<&str>,
    ) -> Result<Session> {
        let session = self
            .db
            .find_session_by_token(session_token)
            .await?
            .ok_or_else(|| Error::not_found("session", "token"))?;
        if let Some(org) = organization_id
            && self.member(org, &session.user_id).await?.is_none()
        {
            return Err(Error::Forbidden {
                message: "not a member of this organization".into(),
            });
        }
        let patch = SessionPatch {
            active_organization_id: Some(organization_id.map(str::to_owned)),
            ..Default::default()
        };
        self.db.update_session(session_token, &patch, now()).await
    }

    /// The scope a session acts in: its active organization while its user is still a member
    /// of it, else the default organization.
    pub async fn session_scope(&self, session: &Session) -> Result<Scope> {
        match &session.active_organization_id {
            Some(org) if self.member(org, &session.user_id).await?.is_some() => {
                Ok(Scope::new(org.clone()))
            }
            _ => Ok(Scope::default()),
        }
    }
}

/// Inserts the membership, unless the user is a member already.
async fn join(
    stores: &dyn Stores,
    id: &str,
    organization_id: &str,
    user_id: &str,
    role: &str,
    at: Timestamp,
) -> Result<Member> {
    if stores
        .find_member(organization_id, user_id)
        .await?
        .is_some()
    {
        return Err(Error::Conflict {
            entity: "member",
            constraint: "member.organization_id,user_id".into(),
        });
    }
    let member = stores
        .insert_member(&Member {
            id: id.to_owned(),
            organization_id: organization_id.to_owned(),
            user_id: user_id.to_owned(),
            role: role.to_owned(),
            created_at: at,
        })
        .await?;
    record_member(stores, EventKind::MemberAdded, &member).await?;
    Ok(member)
}

/// Appends the membership event of `kind` about `member`, in its organization's stream.
pub(super) async fn record_member(
    stores: &dyn Stores,
    kind: EventKind,
    member: &Member,
) -> Result<()> {
    let event = NewEvent::new(
        organization_stream(&member.organization_id),
        kind,
        member.organization_id.clone(),
        None,
        serde_json::json!({
            "organizationId": member.organization_id,
            "memberId": member.id,
            "userId": member.user_id,
            "role": member.role,
        }),
        now(),
    );
    stores
        .append_event(&Scope::new(member.organization_id.as_str()), &event)
        .await
        .map(drop)
}
