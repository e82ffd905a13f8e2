//! The Better Auth collections (`user`, `session`, `account`, `verification`, `apikey`).
//!
//! `_id` is the 32-char Better Auth id; fields are the camelCase names of the SQL columns; every
//! field is written (null when absent). Patches `$set` only the fields they name plus
//! `updatedAt`, in one `findOneAndUpdate`. The SQL foreign keys are emulated: a session or account
//! of a missing user is `NotFound`, and deleting a user deletes its sessions, accounts and CMS
//! profile right after it.

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use aphex_core::model::{
    Account, AccountPatch, ApiKey, ApiKeyPatch, ApiKeyUsage, Session, SessionPatch, Timestamp,
    User, UserPatch, Verification,
};
use aphex_core::ports::AuthStore;
use aphex_core::{Error, Result};

use super::collections::{ACCOUNTS, API_KEYS, PROFILES, SESSIONS, USERS, VERIFICATIONS};
use super::{MongoStore, SessionMode, exec};
use crate::error::map_err;
use crate::value::{Fields, date, opt, opt_date};

const USER: &str = "user";
const SESSION: &str = "session";
const ACCOUNT: &str = "account";
const VERIFICATION: &str = "verification";
const API_KEY: &str = "api key";

fn user_to_core(d: &Document) -> Result<User> {
    let f = Fields::new(d, USERS);
    Ok(User {
        id: f.str("_id")?,
        name: f.str("name")?,
        email: f.str("email")?,
        email_verified: f.bool("emailVerified")?,
        image: f.opt_str("image")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
    })
}

fn session_to_core(d: &Document) -> Result<Session> {
    let f = Fields::new(d, SESSIONS);
    Ok(Session {
        id: f.str("_id")?,
        expires_at: f.date("expiresAt")?,
        token: f.str("token")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
        ip_address: f.opt_str("ipAddress")?,
        user_agent: f.opt_str("userAgent")?,
        user_id: f.str("userId")?,
        active_organization_id: f.opt_str("activeOrganizationId")?,
    })
}

fn account_to_core(d: &Document) -> Result<Account> {
    let f = Fields::new(d, ACCOUNTS);
    Ok(Account {
        id: f.str("_id")?,
        account_id: f.str("accountId")?,
        provider_id: f.str("providerId")?,
        user_id: f.str("userId")?,
        access_token: f.opt_str("accessToken")?,
        refresh_token: f.opt_str("refreshToken")?,
        id_token: f.opt_str("idToken")?,
        access_token_expires_at: f.opt_date("accessTokenExpiresAt")?,
        refresh_token_expires_at: f.opt_date("refreshTokenExpiresAt")?,
        scope: f.opt_str("scope")?,
        password: f.opt_str("password")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
    })
}

fn verification_to_core(d: &Document) -> Result<Verification> {
    let f = Fields::new(d, VERIFICATIONS);
    Ok(Verification {
        id: f.str("_id")?,
        identifier: f.str("identifier")?,
        value: f.str("value")?,
        expires_at: f.date("expiresAt")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
    })
}

fn api_key_to_core(d: &Document) -> Result<ApiKey> {
    let f = Fields::new(d, API_KEYS);
    Ok(ApiKey {
        id: f.str("_id")?,
        config_id: f.str("configId")?,
        name: f.opt_str("name")?,
        start: f.opt_str("start")?,
        reference_id: f.str("referenceId")?,
        prefix: f.opt_str("prefix")?,
        key: f.str("key")?,
        refill_interval: f.opt_i32("refillInterval")?,
        refill_amount: f.opt_i32("refillAmount")?,
        last_refill_at: f.opt_date("lastRefillAt")?,
        enabled: f.opt_bool("enabled")?,
        rate_limit_enabled: f.opt_bool("rateLimitEnabled")?,
        rate_limit_time_window: f.opt_i32("rateLimitTimeWindow")?,
        rate_limit_max: f.opt_i32("rateLimitMax")?,
        request_count: f.opt_i32("requestCount")?,
        remaining: f.opt_i32("remaining")?,
        last_request: f.opt_date("lastRequest")?,
        expires_at: f.opt_date("expiresAt")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
        permissions: f.opt_str("permissions")?,
        metadata: f.opt_str("metadata")?,
    })
}

/// A `$set` document that only holds the fields a patch names.
struct SetFields(Document);

impl SetFields {
    fn new() -> Self {
        SetFields(Document::new())
    }

    /// Sets `key` when the patch has a value for it.
    fn field<T>(&mut self, key: &str, value: &Option<T>, to_bson: impl FnOnce(&T) -> Bson) {
        if let Some(v) = value {
            self.0.insert(key, to_bson(v));
        }
    }

    /// The `$set` update, with `updatedAt`.
    fn update(mut self, updated_at: Timestamp) -> Document {
        self.0.insert("updatedAt", date(updated_at));
        doc! { "$set": self.0 }
    }
}

fn opt_string(v: &Option<String>) -> Bson {
    opt(v.clone())
}

fn opt_timestamp(v: &Option<Timestamp>) -> Bson {
    opt_date(*v)
}

fn opt_int(v: &Option<i32>) -> Bson {
    opt(*v)
}

/// `NotFound { entity: "user" }` unless a user with this id exists: the emulated foreign key of
/// sessions, accounts and profiles.
pub(super) async fn require_user<S: SessionMode>(
    store: &MongoStore<S>,
    user_id: &str,
) -> Result<()> {
    let users = store.coll(USERS);
    let found = exec!(
        store,
        users
            .find_one(doc! { "_id": user_id })
            .projection(doc! { "_id": 1 })
    )
    .map_err(map_err(USER))?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::not_found(USER, user_id)),
    }
}

/// One `findOneAndUpdate` on `filter` returning the document after the update; `NotFound` (for
/// `key`) when nothing matches.
async fn patch_one<S: SessionMode>(
    store: &MongoStore<S>,
    collection: &'static str,
    entity: &'static str,
    filter: Document,
    key: &str,
    update: Document,
) -> Result<Document> {
    let coll = store.coll(collection);
    exec!(
        store,
        coll.find_one_and_update(filter, update)
            .return_document(ReturnDocument::After)
    )
    .map_err(map_err(entity))?
    .ok_or_else(|| Error::not_found(entity, key))
}

async fn delete_where<S: SessionMode>(
    store: &MongoStore<S>,
    collection: &'static str,
    entity: &'static str,
    filter: Document,
) -> Result<u64> {
    let coll = store.coll(collection);
    let res = exec!(store, coll.delete_many(filter)).map_err(map_err(entity))?;
    Ok(res.deleted_count)
}

async fn delete_one_where<S: SessionMode>(
    store: &MongoStore<S>,
    collection: &'static str,
    entity: &'static str,
    filter: Document,
) -> Result<bool> {
    let coll = store.coll(collection);
    let res = exec!(store, coll.delete_one(filter)).map_err(map_err(entity))?;
    Ok(res.deleted_count > 0)
}

async fn find_one_where<S: SessionMode>(
    store: &MongoStore<S>,
    collection: &'static str,
    entity: &'static str,
    filter: Document,
) -> Result<Option<Document>> {
    let coll = store.coll(collection);
    exec!(store, coll.find_one(filter)).map_err(map_err(entity))
}

async fn insert_record<S: SessionMode>(
    store: &MongoStore<S>,
    collection: &'static str,
    entity: &'static str,
    record: &Document,
) -> Result<()> {
    let coll = store.coll(collection);
    exec!(store, coll.insert_one(record)).map_err(map_err(entity))?;
    Ok(())
}

#[async_trait]
impl<S: SessionMode> AuthStore for MongoStore<S> {
    async fn insert_user(&self, u: &User) -> Result<User> {
        let record = doc! {
            "_id": &u.id,
            "name": &u.name,
            "email": &u.email,
            "emailVerified": u.email_verified,
            "image": opt(u.image.clone()),
            "createdAt": date(u.created_at),
            "updatedAt": date(u.updated_at),
        };
        insert_record(self, USERS, USER, &record).await?;
        user_to_core(&record)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        find_one_where(self, USERS, USER, doc! { "_id": id })
            .await?
            .as_ref()
            .map(user_to_core)
            .transpose()
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        find_one_where(self, USERS, USER, doc! { "email": email })
            .await?
            .as_ref()
            .map(user_to_core)
            .transpose()
    }

    async fn update_user(&self, id: &str, p: &UserPatch, updated_at: Timestamp) -> Result<User> {
        let mut set = SetFields::new();
        set.field("name", &p.name, |v| Bson::String(v.clone()));
        set.field("email", &p.email, |v| Bson::String(v.clone()));
        set.field("emailVerified", &p.email_verified, |v| Bson::Boolean(*v));
        set.field("image", &p.image, opt_string);
        let row = patch_one(
            self,
            USERS,
            USER,
            doc! { "_id": id },
            id,
            set.update(updated_at),
        )
        .await?;
        user_to_core(&row)
    }

    async fn delete_user(&self, id: &str) -> Result<bool> {
        let deleted = delete_one_where(self, USERS, USER, doc! { "_id": id }).await?;
        // The SQL schema cascades; here the user's rows go right after it.
        delete_where(self, SESSIONS, SESSION, doc! { "userId": id }).await?;
        delete_where(self, ACCOUNTS, ACCOUNT, doc! { "userId": id }).await?;
        delete_one_where(self, PROFILES, "user profile", doc! { "_id": id }).await?;
        Ok(deleted)
    }

    async fn count_users(&self) -> Result<u64> {
        let coll = self.coll(USERS);
        exec!(self, coll.count_documents(doc! {})).map_err(map_err(USER))
    }

    async fn insert_session(&self, s: &Session) -> Result<Session> {
        require_user(self, &s.user_id).await?;
        let record = doc! {
            "_id": &s.id,
            "expiresAt": date(s.expires_at),
            "token": &s.token,
            "createdAt": date(s.created_at),
            "updatedAt": date(s.updated_at),
            "ipAddress": opt(s.ip_address.clone()),
            "userAgent": opt(s.user_agent.clone()),
            "activeOrganizationId": opt(s.active_organization_id.clone()),
            "userId": &s.user_id,
        };
        insert_record(self, SESSIONS, SESSION, &record).await?;
        session_to_core(&record)
    }

    async fn find_session_by_token(&self, token: &str) -> Result<Option<Session>> {
        find_one_where(self, SESSIONS, SESSION, doc! { "token": token })
            .await?
            .as_ref()
            .map(session_to_core)
            .transpose()
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        let rows = self
            .find_all(
                SESSIONS,
                doc! { "userId": user_id },
                Some(doc! { "createdAt": -1, "_id": 1 }),
                None,
                None,
            )
            .await?;
        rows.iter().map(session_to_core).collect()
    }

    async fn update_session(
        &self,
        token: &str,
        p: &SessionPatch,
        updated_at: Timestamp,
    ) -> Result<Session> {
        let mut set = SetFields::new();
        set.field("expiresAt", &p.expires_at, |v| date(*v));
        set.field("ipAddress", &p.ip_address, opt_string);
        set.field("userAgent", &p.user_agent, opt_string);
        set.field(
            "activeOrganizationId",
            &p.active_organization_id,
            opt_string,
        );
        let row = patch_one(
            self,
            SESSIONS,
            SESSION,
            doc! { "token": token },
            token,
            set.update(updated_at),
        )
        .await?;
        session_to_core(&row)
    }

    async fn delete_session(&self, token: &str) -> Result<bool> {
        delete_one_where(self, SESSIONS, SESSION, doc! { "token": token }).await
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        delete_where(self, SESSIONS, SESSION, doc! { "userId": user_id }).await
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        delete_where(
            self,
            SESSIONS,
            SESSION,
            doc! { "expiresAt": { "$lte": date(now) } },
        )
        .await
    }

    async fn insert_account(&self, a: &Account) -> Result<Account> {
        require_user(self, &a.user_id).await?;
        let record = doc! {
            "_id": &a.id,
            "accountId": &a.account_id,
            "providerId": &a.provider_id,
            "userId": &a.user_id,
            "accessToken": opt(a.access_token.clone()),
            "refreshToken": opt(a.refresh_token.clone()),
            "idToken": opt(a.id_token.clone()),
            "accessTokenExpiresAt": opt_date(a.access_token_expires_at),
            "refreshTokenExpiresAt": opt_date(a.refresh_token_expires_at),
            "scope": opt(a.scope.clone()),
            "password": opt(a.password.clone()),
            "createdAt": date(a.created_at),
            "updatedAt": date(a.updated_at),
        };
        insert_record(self, ACCOUNTS, ACCOUNT, &record).await?;
        account_to_core(&record)
    }

    async fn find_account(&self, provider_id: &str, account_id: &str) -> Result<Option<Account>> {
        let filter = doc! { "providerId": provider_id, "accountId": account_id };
        find_one_where(self, ACCOUNTS, ACCOUNT, filter)
            .await?
            .as_ref()
            .map(account_to_core)
            .transpose()
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<Account>> {
        let rows = self
            .find_all(
                ACCOUNTS,
                doc! { "userId": user_id },
                Some(doc! { "createdAt": 1, "_id": 1 }),
                None,
                None,
            )
            .await?;
        rows.iter().map(account_to_core).collect()
    }

    async fn update_account(
        &self,
        id: &str,
        p: &AccountPatch,
        updated_at: Timestamp,
    ) -> Result<Account> {
        let mut set = SetFields::new();
        set.field("password", &p.password, opt_string);
        set.field("accessToken", &p.access_token, opt_string);
        set.field("refreshToken", &p.refresh_token, opt_string);
        set.field("idToken", &p.id_token, opt_string);
        set.field(
            "accessTokenExpiresAt",
            &p.access_token_expires_at,
            opt_timestamp,
        );
        set.field(
            "refreshTokenExpiresAt",
            &p.refresh_token_expires_at,
            opt_timestamp,
        );
        set.field("scope", &p.scope, opt_string);
        let row = patch_one(
            self,
            ACCOUNTS,
            ACCOUNT,
            doc! { "_id": id },
            id,
            set.update(updated_at),
        )
        .await?;
        account_to_core(&row)
    }

    async fn delete_account(&self, id: &str) -> Result<bool> {
        delete_one_where(self, ACCOUNTS, ACCOUNT, doc! { "_id": id }).await
    }

    async fn insert_verification(&self, v: &Verification) -> Result<Verification> {
        let record = doc! {
            "_id": &v.id,
            "identifier": &v.identifier,
            "value": &v.value,
            "expiresAt": date(v.expires_at),
            "createdAt": date(v.created_at),
            "updatedAt": date(v.updated_at),
        };
        insert_record(self, VERIFICATIONS, VERIFICATION, &record).await?;
        verification_to_core(&record)
    }

    async fn find_verification(&self, identifier: &str) -> Result<Option<Verification>> {
        let coll = self.coll(VERIFICATIONS);
        exec!(
            self,
            coll.find_one(doc! { "identifier": identifier })
                .sort(doc! { "createdAt": -1, "_id": -1 })
        )
        .map_err(map_err(VERIFICATION))?
        .as_ref()
        .map(verification_to_core)
        .transpose()
    }

    async fn delete_verification(&self, id: &str) -> Result<bool> {
        delete_one_where(self, VERIFICATIONS, VERIFICATION, doc! { "_id": id }).await
    }

    async fn delete_expired_verifications(&self, now: Timestamp) -> Result<u64> {
        delete_where(
            self,
            VERIFICATIONS,
            VERIFICATION,
            doc! { "expiresAt": { "$lte": date(now) } },
        )
        .await
    }

    async fn insert_api_key(&self, k: &ApiKey) -> Result<ApiKey> {
        let record = doc! {
            "_id": &k.id,
            "configId": &k.config_id,
            "name": opt(k.name.clone()),
            "start": opt(k.start.clone()),
            "referenceId": &k.reference_id,
            "prefix": opt(k.prefix.clone()),
            "key": &k.key,
            "refillInterval": opt(k.refill_interval),
            "refillAmount": opt(k.refill_amount),
            "lastRefillAt": opt_date(k.last_refill_at),
            "enabled": opt(k.enabled),
            "rateLimitEnabled": opt(k.rate_limit_enabled),
            "rateLimitTimeWindow": opt(k.rate_limit_time_window),
            "rateLimitMax": opt(k.rate_limit_max),
            "requestCount": opt(k.request_count),
            "remaining": opt(k.remaining),
            "lastRequest": opt_date(k.last_request),
            "expiresAt": opt_date(k.expires_at),
            "createdAt": date(k.created_at),
            "updatedAt": date(k.updated_at),
            "permissions": opt(k.permissions.clone()),
            "metadata": opt(k.metadata.clone()),
        };
        insert_record(self, API_KEYS, API_KEY, &record).await?;
        api_key_to_core(&record)
    }

    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKey>> {
        find_one_where(self, API_KEYS, API_KEY, doc! { "_id": id })
            .await?
            .as_ref()
            .map(api_key_to_core)
            .transpose()
    }

    async fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        find_one_where(self, API_KEYS, API_KEY, doc! { "key": key_hash })
            .await?
            .as_ref()
            .map(api_key_to_core)
            .transpose()
    }

    async fn list_api_keys(&self, reference_id: &str) -> Result<Vec<ApiKey>> {
        let rows = self
            .find_all(
                API_KEYS,
                doc! { "referenceId": reference_id },
                Some(doc! { "createdAt": -1, "_id": 1 }),
                None,
                None,
            )
            .await?;
        rows.iter().map(api_key_to_core).collect()
    }

    async fn update_api_key(
        &self,
        id: &str,
        p: &ApiKeyPatch,
        updated_at: Timestamp,
    ) -> Result<ApiKey> {
        let mut set = SetFields::new();
        set.field("name", &p.name, opt_string);
        set.field("enabled", &p.enabled, |v| Bson::Boolean(*v));
        set.field("remaining", &p.remaining, opt_int);
        set.field("refillInterval", &p.refill_interval, opt_int);
        set.field("refillAmount", &p.refill_amount, opt_int);
        set.field("rateLimitEnabled", &p.rate_limit_enabled, |v| {
            Bson::Boolean(*v)
        });
        set.field("rateLimitTimeWindow", &p.rate_limit_time_window, opt_int);
        set.field("rateLimitMax", &p.rate_limit_max, opt_int);
        set.field("expiresAt", &p.expires_at, opt_timestamp);
        set.field("permissions", &p.permissions, opt_string);
        set.field("metadata", &p.metadata, opt_string);
        let row = patch_one(
            self,
            API_KEYS,
            API_KEY,
            doc! { "_id": id },
            id,
            set.update(updated_at),
        )
        .await?;
        api_key_to_core(&row)
    }

    async fn delete_api_key(&self, id: &str) -> Result<bool> {
        delete_one_where(self, API_KEYS, API_KEY, doc! { "_id": id }).await
    }

    async fn delete_expired_api_keys(&self, now: Timestamp) -> Result<u64> {
        delete_where(
            self,
            API_KEYS,
            API_KEY,
            doc! { "expiresAt": { "$lte": date(now) } },
        )
        .await
    }

    async fn swap_api_key_usage(
        &self,
        id: &str,
        expected: &ApiKeyUsage,
        new: &ApiKeyUsage,
        updated_at: Timestamp,
    ) -> Result<bool> {
        // `{field: null}` matches a stored null or a missing field, like SQL's `IS NULL`.
        let filter = doc! {
            "_id": id,
            "remaining": opt(expected.remaining),
            "requestCount": opt(expected.request_count),
            "lastRequest": opt_date(expected.last_request),
            "lastRefillAt": opt_date(expected.last_refill_at),
        };
        let update = doc! {
            "$set": {
                "remaining": opt(new.remaining),
                "requestCount": opt(new.request_count),
                "lastRequest": opt_date(new.last_request),
                "lastRefillAt": opt_date(new.last_refill_at),
                "updatedAt": date(updated_at),
            }
        };
        let coll = self.coll(API_KEYS);
        let res = exec!(self, coll.update_one(filter, update)).map_err(map_err(API_KEY))?;
        Ok(res.matched_count == 1)
    }
}
