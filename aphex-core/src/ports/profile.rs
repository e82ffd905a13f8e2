use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{NewUserProfile, Timestamp, UserProfile, UserProfilePatch};

/// Storage of `cms_user_profiles`.
#[async_trait]
pub trait UserProfileStore: Send + Sync {
    /// Inserts a profile.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the user already has one;
    /// [`Error::NotFound`](crate::Error::NotFound) when the user does not exist.
    async fn insert_profile(&self, profile: &NewUserProfile) -> Result<UserProfile>;

    /// The profile of a user.
    async fn find_profile(&self, user_id: &str) -> Result<Option<UserProfile>>;

    /// Applies a patch and sets `updated_at`, atomically.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound).
    async fn update_profile(
        &self,
        user_id: &str,
        patch: &UserProfilePatch,
        updated_at: Timestamp,
    ) -> Result<UserProfile>;

    /// Deletes a profile. `false` when there was none.
    async fn delete_profile(&self, user_id: &str) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: UserProfileStore + ?Sized> UserProfileStore for $wrapper<T> {
    async fn insert_profile(&self, profile: &NewUserProfile) -> Result<UserProfile> {
        (**self).insert_profile(profile).await
    }

    async fn find_profile(&self, user_id: &str) -> Result<Option<UserProfile>> {
        (**self).find_profile(user_id).await
    }

    async fn update_profile(
        &self,
        user_id: &str,
        patch: &UserProfilePatch,
        updated_at: Timestamp,
    ) -> Result<UserProfile> {
        (**self).update_profile(user_id, patch, updated_at).await
    }

    async fn delete_profile(&self, user_id: &str) -> Result<bool> {
        (**self).delete_profile(user_id).await
    }
        }
    )*};
}
forward!(Arc, Box);
