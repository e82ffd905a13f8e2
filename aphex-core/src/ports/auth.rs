use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{
    Account, AccountPatch, ApiKey, ApiKeyPatch, ApiKeyUsage, Session, SessionPatch, Timestamp,
    User, UserPatch, Verification,
};

/// Storage of the Better Auth tables (`user`, `session`, `account`, `verification`, `apikey`),
/// by the lookups Better Auth itself uses. Rows are shared with a Better Auth app as they are.
///
/// Every `update_*` writes only the patched columns plus `updated_at`, and fails with
/// [`Error::NotFound`](crate::Error::NotFound) when the row does not exist. Every `insert_*`
/// fails with [`Error::Conflict`](crate::Error::Conflict) on a duplicate id or unique key.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Inserts a user (email must be unique).
    async fn insert_user(&self, user: &User) -> Result<User>;
    /// The user with this id.
    async fn find_user(&self, id: &str) -> Result<Option<User>>;
    /// The user with this email (exact match; emails are stored lowercase).
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// Patches a user.
    async fn update_user(&self, id: &str, patch: &UserPatch, updated_at: Timestamp)
    -> Result<User>;
    /// Deletes a user; sessions, accounts and the CMS profile go with it (cascade).
    async fn delete_user(&self, id: &str) -> Result<bool>;
    /// Number of users.
    async fn count_users(&self) -> Result<u64>;

    /// Inserts a session (token must be unique).
    async fn insert_session(&self, session: &Session) -> Result<Session>;
    /// The session with this token.
    async fn find_session_by_token(&self, token: &str) -> Result<Option<Session>>;
    /// A user's sessions, newest first.
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>>;
    /// Patches the session with this token.
    async fn update_session(
        &self,
        token: &str,
        patch: &SessionPatch,
        updated_at: Timestamp,
    ) -> Result<Session>;
    /// Deletes the session with this token.
    async fn delete_session(&self, token: &str) -> Result<bool>;
    /// Deletes all sessions of a user; returns how many.
    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64>;
    /// Deletes sessions with `expires_at <= now`; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64>;

    /// Inserts an account.
    async fn insert_account(&self, account: &Account) -> Result<Account>;
    /// The account for a provider and the id at that provider.
    async fn find_account(&self, provider_id: &str, account_id: &str) -> Result<Option<Account>>;
    /// A user's accounts.
    async fn list_accounts(&self, user_id: &str) -> Result<Vec<Account>>;
    /// Patches an account.
    async fn update_account(
        &self,
        id: &str,
        patch: &AccountPatch,
        updated_at: Timestamp,
    ) -> Result<Account>;
    /// Deletes an account.
    async fn delete_account(&self, id: &str) -> Result<bool>;

    /// Inserts a verification value.
    async fn insert_verification(&self, verification: &Verification) -> Result<Verification>;
    /// The newest verification with this identifier (expired ones included; the caller checks).
    async fn find_verification(&self, identifier: &str) -> Result<Option<Verification>>;
    /// Deletes a verification by id.
    async fn delete_verification(&self, id: &str) -> Result<bool>;
    /// Deletes verifications with `expires_at <= now`; returns how many.
    async fn delete_expired_verifications(&self, now: Timestamp) -> Result<u64>;

    /// Inserts an API key.
    async fn insert_api_key(&self, key: &ApiKey) -> Result<ApiKey>;
    /// The API key with this id.
    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKey>>;
    /// The API key with this stored hash.
    async fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>>;
    /// The API keys of an owner, newest first.
    async fn list_api_keys(&self, reference_id: &str) -> Result<Vec<ApiKey>>;
    /// Patches an API key's settings.
    async fn update_api_key(
        &self,
        id: &str,
        patch: &ApiKeyPatch,
        updated_at: Timestamp,
    ) -> Result<ApiKey>;
    /// Deletes an API key.
    async fn delete_api_key(&self, id: &str) -> Result<bool>;
    /// Deletes API keys with `expires_at <= now`; returns how many.
    async fn delete_expired_api_keys(&self, now: Timestamp) -> Result<u64>;
    /// Compare-and-swap of the usage counters: writes `new` (and `updated_at`) only if the stored
    /// counters equal `expected`, as ONE guarded write. Returns whether it wrote. This is what
    /// keeps concurrent verifications from over-admitting.
    async fn swap_api_key_usage(
        &self,
        id: &str,
        expected: &ApiKeyUsage,
        new: &ApiKeyUsage,
        updated_at: Timestamp,
    ) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: AuthStore + ?Sized> AuthStore for $wrapper<T> {
    async fn insert_user(&self, user: &User) -> Result<User> {
        (**self).insert_user(user).await
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        (**self).find_user(id).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        (**self).find_user_by_email(email).await
    }

    async fn update_user(
        &self,
        id: &str,
        patch: &UserPatch,
        updated_at: Timestamp,
    ) -> Result<User> {
        (**self).update_user(id, patch, updated_at).await
    }

    async fn delete_user(&self, id: &str) -> Result<bool> {
        (**self).delete_user(id).await
    }

    async fn count_users(&self) -> Result<u64> {
        (**self).count_users().await
    }

    async fn insert_session(&self, session: &Session) -> Result<Session> {
        (**self).insert_session(session).await
    }

    async fn find_session_by_token(&self, token: &str) -> Result<Option<Session>> {
        (**self).find_session_by_token(token).await
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        (**self).list_sessions(user_id).await
    }

    async fn update_session(
        &self,
        token: &str,
        patch: &SessionPatch,
        updated_at: Timestamp,
    ) -> Result<Session> {
        (**self).update_session(token, patch, updated_at).await
    }

    async fn delete_session(&self, token: &str) -> Result<bool> {
        (**self).delete_session(token).await
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        (**self).delete_user_sessions(user_id).await
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        (**self).delete_expired_sessions(now).await
    }

    async fn insert_account(&self, account: &Account) -> Result<Account> {
        (**self).insert_account(account).await
    }

    async fn find_account(&self, provider_id: &str, account_id: &str) -> Result<Option<Account>> {
        (**self).find_account(provider_id, account_id).await
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<Account>> {
        (**self).list_accounts(user_id).await
    }

    async fn update_account(
        &self,
        id: &str,
        patch: &AccountPatch,
        updated_at: Timestamp,
    ) -> Result<Account> {
        (**self).update_account(id, patch, updated_at).await
    }

    async fn delete_account(&self, id: &str) -> Result<bool> {
        (**self).delete_account(id).await
    }

    async fn insert_verification(&self, verification: &Verification) -> Result<Verification> {
        (**self).insert_verification(verification).await
    }

    async fn find_verification(&self, identifier: &str) -> Result<Option<Verification>> {
        (**self).find_verification(identifier).await
    }

    async fn delete_verification(&self, id: &str) -> Result<bool> {
        (**self).delete_verification(id).await
    }

    async fn delete_expired_verifications(&self, now: Timestamp) -> Result<u64> {
        (**self).delete_expired_verifications(now).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<ApiKey> {
        (**self).insert_api_key(key).await
    }

    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKey>> {
        (**self).find_api_key(id).await
    }

    async fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        (**self).find_api_key_by_hash(key_hash).await
    }

    async fn list_api_keys(&self, reference_id: &str) -> Result<Vec<ApiKey>> {
        (**self).list_api_keys(reference_id).await
    }

    async fn update_api_key(
        &self,
        id: &str,
        patch: &ApiKeyPatch,
        updated_at: Timestamp,
    ) -> Result<ApiKey> {
        (**self).update_api_key(id, patch, updated_at).await
    }

    async fn delete_api_key(&self, id: &str) -> Result<bool> {
        (**self).delete_api_key(id).await
    }

    async fn delete_expired_api_keys(&self, now: Timestamp) -> Result<u64> {
        (**self).delete_expired_api_keys(now).await
    }

    async fn swap_api_key_usage(
        &self,
        id: &str,
        expected: &ApiKeyUsage,
        new: &ApiKeyUsage,
        updated_at: Timestamp,
    ) -> Result<bool> {
        (**self)
            .swap_api_key_usage(id, expected, new, updated_at)
            .await
    }
        }
    )*};
}
forward!(Arc, Box);
