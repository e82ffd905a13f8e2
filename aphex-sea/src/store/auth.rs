//! The Better Auth tables. Writes only touch the columns a patch names (plus `updated_at`), so
//! rows written by a Better Auth app keep every column we do not change.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, Value,
};

use aphex_core::model::{
    Account, AccountPatch, ApiKey, ApiKeyPatch, ApiKeyUsage, Session, SessionPatch, Timestamp,
    User, UserPatch, Verification,
};
use aphex_core::ports::AuthStore;
use aphex_core::{Error, Result};

use super::SeaStore;
use crate::entity::{account, apikey, session, user, verification};

/// `Set` when the patch has a value for the field.
fn patch<T: Into<Value> + Clone>(value: &Option<T>) -> ActiveValue<T> {
    match value {
        Some(v) => Set(v.clone()),
        None => ActiveValue::NotSet,
    }
}

/// `column IS NULL` or `column = value`.
fn same<V: Into<Value>>(column: impl ColumnTrait, value: Option<V>) -> Expr {
    match value {
        Some(v) => Expr::col(column).eq(v.into()),
        None => Expr::col(column).is_null(),
    }
}

impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> SeaStore<C, B> {
    async fn insert_row<A>(
        &self,
        model: A,
        entity: &'static str,
    ) -> Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        model.insert(&self.conn).await.map_err(self.err(entity))
    }

    async fn update_row<E: EntityTrait>(
        &self,
        values: E::ActiveModel,
        key: impl ColumnTrait,
        id: &str,
        entity: &'static str,
    ) -> Result<E::Model>
    where
        E::Model: Send,
    {
        let mut rows = E::update_many()
            .set(values)
            .filter(key.eq(id))
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(entity))?;
        rows.pop().ok_or_else(|| Error::not_found(entity, id))
    }

    async fn delete_rows<E: EntityTrait>(
        &self,
        condition: Expr,
        entity: &'static str,
    ) -> Result<u64> {
        let res = E::delete_many()
            .filter(condition)
            .exec(&self.conn)
            .await
            .map_err(self.err(entity))?;
        Ok(res.rows_affected)
    }
}

fn user_to_core(m: user::Model) -> User {
    User {
        id: m.id,
        name: m.name,
        email: m.email,
        email_verified: m.email_verified,
        image: m.image,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn session_to_core(m: session::Model) -> Session {
    Session {
        id: m.id,
        expires_at: m.expires_at,
        token: m.token,
        created_at: m.created_at,
        updated_at: m.updated_at,
        ip_address: m.ip_address,
        user_agent: m.user_agent,
        user_id: m.user_id,
        active_organization_id: m.active_organization_id,
    }
}

fn account_to_core(m: account::Model) -> Account {
    Account {
        id: m.id,
        account_id: m.account_id,
        provider_id: m.provider_id,
        user_id: m.user_id,
        access_token: m.access_token,
        refresh_token: m.refresh_token,
        id_token: m.id_token,
        access_token_expires_at: m.access_token_expires_at,
        refresh_token_expires_at: m.refresh_token_expires_at,
        scope: m.scope,
        password: m.password,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn verification_to_core(m: verification::Model) -> Verification {
    Verification {
        id: m.id,
        identifier: m.identifier,
        value: m.value,
        expires_at: m.expires_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn api_key_to_core(m: apikey::Model) -> ApiKey {
    ApiKey {
        id: m.id,
        config_id: m.config_id,
        name: m.name,
        start: m.start,
        reference_id: m.reference_id,
        prefix: m.prefix,
        key: m.key,
        refill_interval: m.refill_interval,
        refill_amount: m.refill_amount,
        last_refill_at: m.last_refill_at,
        enabled: m.enabled,
        rate_limit_enabled: m.rate_limit_enabled,
        rate_limit_time_window: m.rate_limit_time_window,
        rate_limit_max: m.rate_limit_max,
        request_count: m.request_count,
        remaining: m.remaining,
        last_request: m.last_request,
        expires_at: m.expires_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
        permissions: m.permissions,
        metadata: m.metadata,
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> AuthStore for SeaStore<C, B> {
    async fn insert_user(&self, u: &User) -> Result<User> {
        let model = user::ActiveModel {
            id: Set(u.id.clone()),
            name: Set(u.name.clone()),
            email: Set(u.email.clone()),
            email_verified: Set(u.email_verified),
            image: Set(u.image.clone()),
            created_at: Set(u.created_at),
            updated_at: Set(u.updated_at),
        };
        self.insert_row(model, "user").await.map(user_to_core)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        let row = user::Entity::find_by_id(id.to_owned())
            .one(&self.conn)
            .await
            .map_err(self.err("user"))?;
        Ok(row.map(user_to_core))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.conn)
            .await
            .map_err(self.err("user"))?;
        Ok(row.map(user_to_core))
    }

    async fn update_user(&self, id: &str, p: &UserPatch, updated_at: Timestamp) -> Result<User> {
        let values = user::ActiveModel {
            name: patch(&p.name),
            email: patch(&p.email),
            email_verified: patch(&p.email_verified),
            image: patch(&p.image),
            updated_at: Set(updated_at),
            ..Default::default()
        };
        self.update_row::<user::Entity>(values, user::Column::Id, id, "user")
            .await
            .map(user_to_core)
    }

    async fn delete_user(&self, id: &str) -> Result<bool> {
        let n = self
            .delete_rows::<user::Entity>(Expr::col(user::Column::Id).eq(id), "user")
            .await?;
        Ok(n > 0)
    }

    async fn count_users(&self) -> Result<u64> {
        user::Entity::find()
            .count(&self.conn)
            .await
            .map_err(self.err("user"))
    }

    async fn insert_session(&self, s: &Session) -> Result<Session> {
        let model = session::ActiveModel {
            id: Set(s.id.clone()),
            expires_at: Set(s.expires_at),
            token: Set(s.token.clone()),
            created_at: Set(s.created_at),
            updated_at: Set(s.updated_at),
            ip_address: Set(s.ip_address.clone()),
            user_agent: Set(s.user_agent.clone()),
            user_id: Set(s.user_id.clone()),
            active_organization_id: Set(s.active_organization_id.clone()),
        };
        match self.insert_row(model, "session").await {
            Err(Error::NotFound { .. }) => Err(Error::not_found("user", &s.user_id)),
            other => other.map(session_to_core),
        }
    }

    async fn find_session_by_token(&self, token: &str) -> Result<Option<Session>> {
        let row = session::Entity::find()
            .filter(session::Column::Token.eq(token))
            .one(&self.conn)
            .await
            .map_err(self.err("session"))?;
        Ok(row.map(session_to_core))
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        let rows = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .order_by_desc(session::Column::CreatedAt)
            .order_by_asc(session::Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err("session"))?;
        Ok(rows.into_iter().map(session_to_core).collect())
    }

    async fn update_session(
        &self,
        token: &str,
        p: &SessionPatch,
        updated_at: Timestamp,
    ) -> Result<Session> {
        let values = session::ActiveModel {
            expires_at: patch(&p.expires_at),
            ip_address: patch(&p.ip_address),
            user_agent: patch(&p.user_agent),
            active_organization_id: patch(&p.active_organization_id),
            updated_at: Set(updated_at),
            ..Default::default()
        };
        self.update_row::<session::Entity>(values, session::Column::Token, token, "session")
            .await
            .map(session_to_core)
    }

    async fn delete_session(&self, token: &str) -> Result<bool> {
        let n = self
            .delete_rows::<session::Entity>(Expr::col(session::Column::Token).eq(token), "session")
            .await?;
        Ok(n > 0)
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        self.delete_rows::<session::Entity>(
            Expr::col(session::Column::UserId).eq(user_id),
            "session",
        )
        .await
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        self.delete_rows::<session::Entity>(
            Expr::col(session::Column::ExpiresAt).lte(now),
            "session",
        )
        .await
    }

    async fn insert_account(&self, a: &Account) -> Result<Account> {
        let model = account::ActiveModel {
            id: Set(a.id.clone()),
            account_id: Set(a.account_id.clone()),
            provider_id: Set(a.provider_id.clone()),
            user_id: Set(a.user_id.clone()),
            access_token: Set(a.access_token.clone()),
            refresh_token: Set(a.refresh_token.clone()),
            id_token: Set(a.id_token.clone()),
            access_token_expires_at: Set(a.access_token_expires_at),
            refresh_token_expires_at: Set(a.refresh_token_expires_at),
            scope: Set(a.scope.clone()),
            password: Set(a.password.clone()),
            created_at: Set(a.created_at),
            updated_at: Set(a.updated_at),
        };
        match self.insert_row(model, "account").await {
            Err(Error::NotFound { .. }) => Err(Error::not_found("user", &a.user_id)),
            other => other.map(account_to_core),
        }
    }

    async fn find_account(&self, provider_id: &str, account_id: &str) -> Result<Option<Account>> {
        let row = account::Entity::find()
            .filter(account::Column::ProviderId.eq(provider_id))
            .filter(account::Column::AccountId.eq(account_id))
            .one(&self.conn)
            .await
            .map_err(self.err("account"))?;
        Ok(row.map(account_to_core))
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<Account>> {
        let rows = account::Entity::find()
            .filter(account::Column::UserId.eq(user_id))
            .order_by_asc(account::Column::CreatedAt)
            .order_by_asc(account::Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err("account"))?;
        Ok(rows.into_iter().map(account_to_core).collect())
    }

    async fn update_account(
        &self,
        id: &str,
        p: &AccountPatch,
        updated_at: Timestamp,
    ) -> Result<Account> {
        let values = account::ActiveModel {
            password: patch(&p.password),
            access_token: patch(&p.access_token),
            refresh_token: patch(&p.refresh_token),
            id_token: patch(&p.id_token),
            access_token_expires_at: patch(&p.access_token_expires_at),
            refresh_token_expires_at: patch(&p.refresh_token_expires_at),
            scope: patch(&p.scope),
            updated_at: Set(updated_at),
            ..Default::default()
        };
        self.update_row::<account::Entity>(values, account::Column::Id, id, "account")
            .await
            .map(account_to_core)
    }

    async fn delete_account(&self, id: &str) -> Result<bool> {
        let n = self
            .delete_rows::<account::Entity>(Expr::col(account::Column::Id).eq(id), "account")
            .await?;
        Ok(n > 0)
    }

    async fn insert_verification(&self, v: &Verification) -> Result<Verification> {
        let model = verification::ActiveModel {
            id: Set(v.id.clone()),
            identifier: Set(v.identifier.clone()),
            value: Set(v.value.clone()),
            expires_at: Set(v.expires_at),
            created_at: Set(v.created_at),
            updated_at: Set(v.updated_at),
        };
        self.insert_row(model, "verification")
            .await
            .map(verification_to_core)
    }

    async fn find_verification(&self, identifier: &str) -> Result<Option<Verification>> {
        let row = verification::Entity::find()
            .filter(verification::Column::Identifier.eq(identifier))
            .order_by_desc(verification::Column::CreatedAt)
            .order_by_desc(verification::Column::Id)
            .one(&self.conn)
            .await
            .map_err(self.err("verification"))?;
        Ok(row.map(verification_to_core))
    }

    async fn delete_verification(&self, id: &str) -> Result<bool> {
        let n = self
            .delete_rows::<verification::Entity>(
                Expr::col(verification::Column::Id).eq(id),
                "verification",
            )
            .await?;
        Ok(n > 0)
    }

    async fn delete_expired_verifications(&self, now: Timestamp) -> Result<u64> {
        self.delete_rows::<verification::Entity>(
            Expr::col(verification::Column::ExpiresAt).lte(now),
            "verification",
        )
        .await
    }

    async fn insert_api_key(&self, k: &ApiKey) -> Result<ApiKey> {
        let model = apikey::ActiveModel {
            id: Set(k.id.clone()),
            config_id: Set(k.config_id.clone()),
            name: Set(k.name.clone()),
            start: Set(k.start.clone()),
            reference_id: Set(k.reference_id.clone()),
            prefix: Set(k.prefix.clone()),
            key: Set(k.key.clone()),
            refill_interval: Set(k.refill_interval),
            refill_amount: Set(k.refill_amount),
            last_refill_at: Set(k.last_refill_at),
            enabled: Set(k.enabled),
            rate_limit_enabled: Set(k.rate_limit_enabled),
            rate_limit_time_window: Set(k.rate_limit_time_window),
            rate_limit_max: Set(k.rate_limit_max),
            request_count: Set(k.request_count),
            remaining: Set(k.remaining),
            last_request: Set(k.last_request),
            expires_at: Set(k.expires_at),
            created_at: Set(k.created_at),
            updated_at: Set(k.updated_at),
            permissions: Set(k.permissions.clone()),
            metadata: Set(k.metadata.clone()),
        };
        self.insert_row(model, "api key").await.map(api_key_to_core)
    }

    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKey>> {
        let row = apikey::Entity::find_by_id(id.to_owned())
            .one(&self.conn)
            .await
            .map_err(self.err("api key"))?;
        Ok(row.map(api_key_to_core))
    }

    async fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let row = apikey::Entity::find()
            .filter(apikey::Column::Key.eq(key_hash))
            .one(&self.conn)
            .await
            .map_err(self.err("api key"))?;
        Ok(row.map(api_key_to_core))
    }

    async fn list_api_keys(&self, reference_id: &str) -> Result<Vec<ApiKey>> {
        let rows = apikey::Entity::find()
            .filter(apikey::Column::ReferenceId.eq(reference_id))
            .order_by_desc(apikey::Column::CreatedAt)
            .order_by_asc(apikey::Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err("api key"))?;
        Ok(rows.into_iter().map(api_key_to_core).collect())
    }

    async fn update_api_key(
        &self,
        id: &str,
        p: &ApiKeyPatch,
        updated_at: Timestamp,
    ) -> Result<ApiKey> {
        let values = apikey::ActiveModel {
            name: patch(&p.name),
            enabled: patch(&p.enabled.map(Some)),
            remaining: patch(&p.remaining),
            refill_interval: patch(&p.refill_interval),
            refill_amount: patch(&p.refill_amount),
            rate_limit_enabled: patch(&p.rate_limit_enabled.map(Some)),
            rate_limit_time_window: patch(&p.rate_limit_time_window),
            rate_limit_max: patch(&p.rate_limit_max),
            expires_at: patch(&p.expires_at),
            permissions: patch(&p.permissions),
            metadata: patch(&p.metadata),
            updated_at: Set(updated_at),
            ..Default::default()
        };
        self.update_row::<apikey::Entity>(values, apikey::Column::Id, id, "api key")
            .await
            .map(api_key_to_core)
    }

    async fn delete_api_key(&self, id: &str) -> Result<bool> {
        let n = self
            .delete_rows::<apikey::Entity>(Expr::col(apikey::Column::Id).eq(id), "api key")
            .await?;
        Ok(n > 0)
    }

    async fn delete_expired_api_keys(&self, now: Timestamp) -> Result<u64> {
        self.delete_rows::<apikey::Entity>(Expr::col(apikey::Column::ExpiresAt).lte(now), "api key")
            .await
    }

    async fn swap_api_key_usage(
        &self,
        id: &str,
        expected: &ApiKeyUsage,
        new: &ApiKeyUsage,
        updated_at: Timestamp,
    ) -> Result<bool> {
        use apikey::Column as K;
        let values = apikey::ActiveModel {
            remaining: Set(new.remaining),
            request_count: Set(new.request_count),
            last_request: Set(new.last_request),
            last_refill_at: Set(new.last_refill_at),
            updated_at: Set(updated_at),
            ..Default::default()
        };
        let res = apikey::Entity::update_many()
            .set(values)
            .filter(K::Id.eq(id))
            .filter(same(K::Remaining, expected.remaining))
            .filter(same(K::RequestCount, expected.request_count))
            .filter(same(K::LastRequest, expected.last_request))
            .filter(same(K::LastRefillAt, expected.last_refill_at))
            .exec(&self.conn)
            .await
            .map_err(self.err("api key"))?;
        Ok(res.rows_affected == 1)
    }
}
