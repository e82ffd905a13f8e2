//! The user-profile service: the CMS role and preferences of a Better Auth user.

use std::sync::Arc;

use serde_json::Value;

use super::values;
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{NewUserProfile, Role, UserProfile, UserProfilePatch, now};
use crate::ports::DatabaseAdapter;

/// User profiles. Get it from [`Cms::profiles`](crate::Cms::profiles).
#[derive(Debug, Clone)]
pub struct UserProfileService {
    db: Arc<dyn DatabaseAdapter>,
}

impl UserProfileService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>) -> Self {
        UserProfileService { db }
    }

    /// Creates the profile of an existing user.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it exists; [`Error::NotFound`] when the user does not exist;
    /// [`Error::Validation`] when `preferences` is not an object.
    pub async fn create(
        &self,
        user_id: &str,
        role: Role,
        preferences: Option<Value>,
    ) -> Result<UserProfile> {
        known_user(user_id)?;
        check_preferences(preferences.as_ref())?;
        self.db
            .insert_profile(&NewUserProfile {
                user_id: user_id.to_string(),
                role,
                preferences,
                created_at: now(),
            })
            .await
    }

    /// The profile of a user.
    pub async fn get(&self, user_id: &str) -> Result<Option<UserProfile>> {
        if !values::storable(user_id) {
            return Ok(None);
        }
        self.db.find_profile(user_id).await
    }

    /// Changes the role.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn set_role(&self, user_id: &str, role: Role) -> Result<UserProfile> {
        known_user(user_id)?;
        let patch = UserProfilePatch {
            role: Some(role),
            ..Default::default()
        };
        self.db.update_profile(user_id, &patch, now()).await
    }

    /// Replaces the preferences.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] when not an object.
    pub async fn set_preferences(
        &self,
        user_id: &str,
        preferences: Option<Value>,
    ) -> Result<UserProfile> {
        known_user(user_id)?;
        check_preferences(preferences.as_ref())?;
        let patch = UserProfilePatch {
            preferences: Some(preferences),
            ..Default::default()
        };
        self.db.update_profile(user_id, &patch, now()).await
    }

    /// Deletes the profile.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn delete(&self, user_id: &str) -> Result<()> {
        known_user(user_id)?;
        if self.db.delete_profile(user_id).await? {
            Ok(())
        } else {
            Err(Error::not_found("user profile", user_id))
        }
    }
}

fn check_preferences(preferences: Option<&Value>) -> Result<()> {
    let mut errors = ValidationErrors::default();
    match preferences {
        None => {}
        Some(p @ Value::Object(_)) => values::check_json(&mut errors, "preferences", p),
        Some(_) => errors.push("preferences", "must be a JSON object"),
    }
    errors.into_result()
}

/// A user id that cannot have been stored belongs to no user.
fn known_user(user_id: &str) -> Result<()> {
    if values::storable(user_id) {
        Ok(())
    } else {
        Err(Error::not_found("user profile", user_id))
    }
}
