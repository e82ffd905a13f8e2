use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Timestamp;

/// What a user may do in the CMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything.
    Admin,
    /// Documents (including publish) and assets.
    Editor,
    /// Read only.
    Viewer,
}

impl Role {
    /// All roles.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Viewer];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// CMS data about a user: one row of `cms_user_profiles`, keyed by the Better Auth user id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// The `user.id` this profile belongs to (deleted with the user).
    pub user_id: String,
    /// CMS role.
    pub role: Role,
    /// UI preferences (theme, language, ...), a JSON object.
    pub preferences: Option<Value>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A profile to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUserProfile {
    /// The `user.id`.
    pub user_id: String,
    /// CMS role.
    pub role: Role,
    /// Preferences.
    pub preferences: Option<Value>,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A profile change; `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserProfilePatch {
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
    /// New preferences (`Some(None)` clears them).
    #[serde(default, with = "crate::serde_util::double_option")]
    pub preferences: Option<Option<Value>>,
}

/// Something a role may or may not do. HTTP handlers ask [`Role::can`] (or
/// [`Role::require`]) before acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    /// Read documents, assets and schema types.
    Read,
    /// Create, edit, delete and restore documents.
    WriteDocuments,
    /// Publish and unpublish documents.
    PublishDocuments,
    /// Upload, edit and delete assets.
    ManageAssets,
    /// Register and delete schema types.
    ManageSchema,
    /// Change other users' roles, manage users.
    ManageUsers,
    /// Invite, remove and re-role an organization's members, manage its custom roles.
    ManageMembers,
    /// Change or delete the organization itself, and make or unmake owners.
    ManageOrganization,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 8] = [
        Capability::Read,
        Capability::WriteDocuments,
        Capability::PublishDocuments,
        Capability::ManageAssets,
        Capability::ManageSchema,
        Capability::ManageUsers,
        Capability::ManageMembers,
        Capability::ManageOrganization,
    ];

    /// The name in a custom role's permission (`write_documents`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::WriteDocuments => "write_documents",
            Capability::PublishDocuments => "publish_documents",
            Capability::ManageAssets => "manage_assets",
            Capability::ManageSchema => "manage_schema",
            Capability::ManageUsers => "manage_users",
            Capability::ManageMembers => "manage_members",
            Capability::ManageOrganization => "manage_organization",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Role {
    /// Whether this role has `capability`: admins everything; editors documents (publish
    /// included), assets and reading; viewers reading only.
    pub fn can(self, capability: Capability) -> bool {
        match self {
            Role::Admin => true,
            Role::Editor => matches!(
                capability,
                Capability::Read
                    | Capability::WriteDocuments
                    | Capability::PublishDocuments
                    | Capability::ManageAssets
            ),
            Role::Viewer => capability == Capability::Read,
        }
    }

    /// `Ok(())` when the role has `capability`.
    ///
    /// # Errors
    /// [`Error::Forbidden`](crate::Error::Forbidden) naming the role and capability.
    pub fn require(self, capability: Capability) -> crate::Result<()> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(crate::Error::Forbidden {
                message: format!("the {} role cannot {capability:?}", self.as_str()),
            })
        }
    }
}
