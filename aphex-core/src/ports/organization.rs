use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::Organization;

/// Storage of `organization` (Better Auth's organization plugin table, shared with a Better
/// Auth app as it is).
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
        }
    )*};
}
forward!(Arc, Box);
