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
