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

/// A member of an organization: one row of Better Auth's `member` table. `role` is Better
/// Auth's: `owner`, `admin`, `member` or a custom role of the organization, several joined by
/// `,` (see [`OrganizationRoles`](crate::service::OrganizationRoles)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The user.
    pub user_id: String,
    /// Role name(s), comma-separated.
    pub role: String,
    /// When the user joined.
    pub created_at: Timestamp,
}

/// The role names in a member's `role` text, trimmed (`"admin, member"` is `admin` and
/// `member`; an empty name between two commas is kept, for validation to refuse).
pub fn role_names(role: &str) -> impl Iterator<Item = &str> {
    role.split(',').map(str::trim)
}

impl Member {
    /// The role names, trimmed (`"admin, member"` is `admin` and `member`).
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        role_names(&self.role).filter(|r| !r.is_empty())
    }

    /// Whether one of the roles is `owner`.
    pub fn is_owner(&self) -> bool {
        self.roles().any(|r| r == OWNER_ROLE)
    }
}

/// Better Auth's owner role: the creator of an organization, who may do everything, including
/// deleting it. An organization always keeps at least one.
pub const OWNER_ROLE: &str = "owner";
/// Better Auth's admin role.
pub const ADMIN_ROLE: &str = "admin";
/// Better Auth's member role (the default of an invitation).
pub const MEMBER_ROLE: &str = "member";

/// Where an invitation stands (Better Auth's `invitation.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum InvitationStatus {
    /// Sent, not answered yet (it may have expired: see [`Invitation::is_open`]).
    Pending,
    /// The invitee joined.
    Accepted,
    /// The invitee declined.
    Rejected,
    /// The organization withdrew it.
    Canceled,
}

impl InvitationStatus {
    /// Every status.
    pub const ALL: [InvitationStatus; 4] = [
        InvitationStatus::Pending,
        InvitationStatus::Accepted,
        InvitationStatus::Rejected,
        InvitationStatus::Canceled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Rejected => "rejected",
            InvitationStatus::Canceled => "canceled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// An invitation to join an organization: one row of Better Auth's `invitation` table. Its id
/// is the token the invitee presents (as in Better Auth's accept link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// Id, and the token to accept it with.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// Who may accept it (lowercase).
    pub email: String,
    /// The role(s) the invitee gets.
    pub role: Option<String>,
    /// Where it stands.
    pub status: InvitationStatus,
    /// After this, it can no longer be accepted.
    pub expires_at: Timestamp,
    /// When it was sent.
    pub created_at: Timestamp,
    /// Who sent it.
    pub inviter_id: String,
}

impl Invitation {
    /// Pending and not expired at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.status == InvitationStatus::Pending && at < self.expires_at
    }
}

/// A custom role of an organization: one row of Better Auth's `organization_role` table
/// (dynamic access control). `permission` is Better Auth's JSON statement map; aphex-rs reads
/// the capabilities under the `cms` resource (`{"cms": ["read", "write_documents"]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRole {
    /// Id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The role's name, as members' `role` names it.
    pub role: String,
    /// The permission statements (JSON text).
    pub permission: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Option<Timestamp>,
}
