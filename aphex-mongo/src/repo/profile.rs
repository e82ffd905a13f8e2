//! `cms_user_profiles`: `_id` is the Better Auth user id; `role` and `preferences` (JSON, keys
//! escaped like document data). A profile of a missing user is `NotFound`; `delete_user` deletes
//! the profile with the user.

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use aphex_core::model::{NewUserProfile, Role, Timestamp, UserProfile, UserProfilePatch};
use aphex_core::ports::UserProfileStore;
use aphex_core::{Error, Result};

use super::auth::require_user;
use super::collections::PROFILES;
use super::{MongoStore, SessionMode, exec};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, to_bson};

const ENTITY: &str = "user profile";

fn to_core(d: &Document) -> Result<UserProfile> {
    let f = Fields::new(d, PROFILES);
    let role = f.str("role")?;
    Ok(UserProfile {
        user_id: f.str("_id")?,
        role: Role::parse(&role)
            .ok_or_else(|| malformed(PROFILES, format!("unknown role {role:?}")))?,
        preferences: f.opt_json("preferences")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
    })
}

/// Preferences as BSON; `None` is null.
fn preferences(p: Option<&serde_json::Value>) -> Bson {
    p.map_or(Bson::Null, to_bson)
}

#[async_trait]
impl<S: SessionMode> UserProfileStore for MongoStore<S> {
    async fn insert_profile(&self, p: &NewUserProfile) -> Result<UserProfile> {
        require_user(self, &p.user_id).await?;
        let record = doc! {
            "_id": &p.user_id,
            "role": p.role.as_str(),
            "preferences": preferences(p.preferences.as_ref()),
            "createdAt": date(p.created_at),
            "updatedAt": date(p.created_at),
        };
        let coll = self.coll(PROFILES);
        exec!(self, coll.insert_one(&record)).map_err(map_err(ENTITY))?;
        to_core(&record)
    }

    async fn find_profile(&self, user_id: &str) -> Result<Option<UserProfile>> {
        let coll = self.coll(PROFILES);
        exec!(self, coll.find_one(doc! { "_id": user_id }))
            .map_err(map_err(ENTITY))?
            .as_ref()
            .map(to_core)
            .transpose()
    }

    async fn update_profile(
        &self,
        user_id: &str,
        patch: &UserProfilePatch,
        updated_at: Timestamp,
    ) -> Result<UserProfile> {
        let mut set = Document::new();
        if let Some(role) = patch.role {
            set.insert("role", role.as_str());
        }
        if let Some(prefs) = &patch.preferences {
            set.insert("preferences", preferences(prefs.as_ref()));
        }
        set.insert("updatedAt", date(updated_at));
        let coll = self.coll(PROFILES);
        let row = exec!(
            self,
            coll.find_one_and_update(doc! { "_id": user_id }, doc! { "$set": set })
                .return_document(ReturnDocument::After)
        )
        .map_err(map_err(ENTITY))?
        .ok_or_else(|| Error::not_found(ENTITY, user_id))?;
        to_core(&row)
    }

    async fn delete_profile(&self, user_id: &str) -> Result<bool> {
        let coll = self.coll(PROFILES);
        let res = exec!(self, coll.delete_one(doc! { "_id": user_id })).map_err(map_err(ENTITY))?;
        Ok(res.deleted_count > 0)
    }
}
