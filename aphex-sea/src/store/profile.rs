use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use aphex_core::model::{NewUserProfile, Timestamp, UserProfile, UserProfilePatch};
use aphex_core::ports::UserProfileStore;
use aphex_core::{Error, Result};

use super::SeaStore;
use crate::entity::enums::UserRole;
use crate::entity::user_profile::{ActiveModel, Column, Entity, Model};

const ENTITY: &str = "user profile";

fn to_core(m: Model) -> UserProfile {
    UserProfile {
        user_id: m.user_id,
        role: m.role.into(),
        preferences: m.preferences,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> UserProfileStore for SeaStore<C, B> {
    async fn insert_profile(&self, p: &NewUserProfile) -> Result<UserProfile> {
        let model = ActiveModel {
            user_id: Set(p.user_id.clone()),
            role: Set(UserRole::from(p.role)),
            preferences: Set(p.preferences.clone()),
            created_at: Set(p.created_at),
            updated_at: Set(p.created_at),
        };
        match model.insert(&self.conn).await.map_err(self.err(ENTITY)) {
            Ok(row) => Ok(to_core(row)),
            Err(Error::NotFound { .. }) => Err(Error::not_found("user", &p.user_id)),
            Err(e) => Err(e),
        }
    }

    async fn find_profile(&self, user_id: &str) -> Result<Option<UserProfile>> {
        let row = Entity::find_by_id(user_id.to_owned())
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn update_profile(
        &self,
        user_id: &str,
        patch: &UserProfilePatch,
        updated_at: Timestamp,
    ) -> Result<UserProfile> {
        let mut values = ActiveModel {
            updated_at: Set(updated_at),
            ..Default::default()
        };
        if let Some(role) = patch.role {
            values.role = Set(role.into());
        }
        if let Some(prefs) = &patch.preferences {
            values.preferences = Set(prefs.clone());
        }
        let mut rows = Entity::update_many()
            .set(values)
            .filter(Column::UserId.eq(user_id))
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        rows.pop()
            .map(to_core)
            .ok_or_else(|| Error::not_found(ENTITY, user_id))
    }

    async fn delete_profile(&self, user_id: &str) -> Result<bool> {
        let res = Entity::delete_by_id(user_id.to_owned())
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }
}
