use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{Invitation, InvitationStatus, Member, Organization, OrganizationRole};

/// Storage of Better Auth's organization plugin tables — `organization`, `member`,
/// `invitation`, `organization_role` — shared with a Better Auth app as they are.
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Inserts an organization.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) (`organization.id` or `organization.slug`)
    /// when the id or the slug is taken.
    async fn insert_organization(&self, organization: &Organization) -> Result<Organization>;

    /// The organization with this id.
    async fn find_organization(&self, id: &str) -> Result<Option<Organization>>;

    /// The organization with this slug.
    async fn find_organization_by_slug(&self, slug: &str) -> Result<Option<Organization>>;

    /// The organizations whose `parent_id` is one of `parents` (one level), in id order.
    async fn list_child_organizations(&self, parents: &[String]) -> Result<Vec<Organization>>;

    /// Every organization, in id order.
    async fn list_organizations(&self) -> Result<Vec<Organization>>;

    /// Deletes an organization (its members, invitations and roles go with it, by cascade; its
    /// content stays). `false` when it did not exist.
    async fn delete_organization(&self, id: &str) -> Result<bool>;

    /// Inside a unit of work: holds the organization's row until the unit of work ends, so that
    /// membership changes of one organization (the last-owner rule) run one at a time.
    /// PostgreSQL locks the row (`FOR UPDATE`); SQLite's write transaction already holds the
    /// database; MongoDB writes the organization document in the transaction (two such
    /// transactions conflict, and one is run again). Outside a transaction it only checks that
    /// the organization exists.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown organization.
    async fn lock_organization(&self, id: &str) -> Result<()>;

    /// Inserts a member.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the organization or the user does not
    /// exist.
    async fn insert_member(&self, member: &Member) -> Result<Member>;

    /// The membership of `user_id` in `organization_id`.
    async fn find_member(&self, organization_id: &str, user_id: &str) -> Result<Option<Member>>;

    /// The members of an organization, oldest first.
    async fn list_members(&self, organization_id: &str) -> Result<Vec<Member>>;

    /// The memberships of a user, oldest first.
    async fn list_memberships(&self, user_id: &str) -> Result<Vec<Member>>;

    /// Sets a member's role(s).
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound).
    async fn update_member_role(&self, member_id: &str, role: &str) -> Result<Member>;

    /// Deletes a member. `false` when there was none.
    async fn delete_member(&self, member_id: &str) -> Result<bool>;

    /// Inserts an invitation.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the organization or the inviter does
    /// not exist.
    async fn insert_invitation(&self, invitation: &Invitation) -> Result<Invitation>;

    /// The invitation with this id.
    async fn find_invitation(&self, id: &str) -> Result<Option<Invitation>>;

    /// An organization's invitations, newest first.
    async fn list_invitations(&self, organization_id: &str) -> Result<Vec<Invitation>>;

    /// Moves an invitation from `from` to `to`, as ONE guarded write: `false` (nothing written)
    /// when it is not in `from` (answered concurrently) or does not exist.
    async fn set_invitation_status(
        &self,
        id: &str,
        from: InvitationStatus,
        to: InvitationStatus,
    ) -> Result<bool>;

    /// Inserts a custom role.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the organization does not exist.
    async fn insert_organization_role(&self, role: &OrganizationRole) -> Result<OrganizationRole>;

    /// An organization's custom roles, by name.
    async fn list_organization_roles(&self, organization_id: &str)
    -> Result<Vec<OrganizationRole>>;

    /// Deletes a custom role by name. `false` when there was none.
    async fn delete_organization_role(&self, organization_id: &str, role: &str) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: OrganizationStore + ?Sized> OrganizationStore for $wrapper<T> {
            async fn insert_organization(&self, organization: &Organization) -> Result<Organization> {
                (**self).insert_organization(organization).await
            }

            async fn find_organization(&self, id: &str) -> Result<Option<Organization>> {
                (**self).find_organization(id).await
            }

            async fn find_organization_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
                (**self).find_organization_by_slug(slug).await
            }

            async fn list_child_organizations(&self, parents: &[String]) -> Result<Vec<Organization>> {
                (**self).list_child_organizations(parents).await
            }

            async fn list_organizations(&self) -> Result<Vec<Organization>> {
                (**self).list_organizations().await
            }

            async fn delete_organization(&self, id: &str) -> Result<bool> {
                (**self).delete_organization(id).await
            }

            async fn lock_organization(&self, id: &str) -> Result<()> {
                (**self).lock_organization(id).await
            }

            async fn insert_member(&self, member: &Member) -> Result<Member> {
                (**self).insert_member(member).await
            }

            async fn find_member(&self, organization_id: &str, user_id: &str) -> Result<Option<Member>> {
                (**self).find_member(organization_id, user_id).await
            }

            async fn list_members(&self, organization_id: &str) -> Result<Vec<Member>> {
                (**self).list_members(organization_id).await
            }

            async fn list_memberships(&self, user_id: &str) -> Result<Vec<Member>> {
                (**self).list_memberships(user_id).await
            }

            async fn update_member_role(&self, member_id: &str, role: &str) -> Result<Member> {
                (**self).update_member_role(member_id, role).await
            }

            async fn delete_member(&self, member_id: &str) -> Result<bool> {
                (**self).delete_member(member_id).await
            }

            async fn insert_invitation(&self, invitation: &Invitation) -> Result<Invitation> {
                (**self).insert_invitation(invitation).await
            }

            async fn find_invitation(&self, id: &str) -> Result<Option<Invitation>> {
                (**self).find_invitation(id).await
            }

            async fn list_invitations(&self, organization_id: &str) -> Result<Vec<Invitation>> {
                (**self).list_invitations(organization_id).await
            }

            async fn set_invitation_status(
                &self,
                id: &str,
                from: InvitationStatus,
                to: InvitationStatus,
            ) -> Result<bool> {
                (**self).set_invitation_status(id, from, to).await
            }

            async fn insert_organization_role(&self, role: &OrganizationRole) -> Result<OrganizationRole> {
                (**self).insert_organization_role(role).await
            }

            async fn list_organization_roles(&self, organization_id: &str) -> Result<Vec<OrganizationRole>> {
                (**self).list_organization_roles(organization_id).await
            }

            async fn delete_organization_role(&self, organization_id: &str, role: &str) -> Result<bool> {
                (**self).delete_organization_role(organization_id, role).await
            }
        }
    )*};
}
forward!(Arc, Box);
