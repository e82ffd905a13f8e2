//! The auth service: Better Auth's email-and-password, session, password-reset and API-key flows,
//! written against the auth ports so the rows it writes are the rows a Better Auth 1.7 app
//! writes, and the other way round (see `docs/better-auth.md`). No database code here.

use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::Value;

use super::values::{self, storable};
use super::work::unit_of_work;
use crate::auth::{api_key, cookie, password, random};
use crate::error::{Error, Result, Transient, ValidationErrors};
use crate::model::{
    Account, AccountPatch, ApiKey, ApiKeyPatch, ApiKeyUsage, NewUserProfile, Role, Session,
    SessionPatch, Timestamp, User, UserPatch, UserProfile, Verification, now,
};
use crate::ports::DatabaseAdapter;

/// `provider_id` of the password account.
pub const CREDENTIAL_PROVIDER: &str = "credential";
/// `config_id` Better Auth's api-key plugin writes.
pub const API_KEY_CONFIG_ID: &str = "default";
/// Prefix of password-reset verification identifiers.
const RESET_PASSWORD: &str = "reset-password:";
/// How long one API-key verification keeps re-trying its compare-and-swap under contention.
/// Every lost swap means another verification won, so all of them make progress; the budget
/// only bounds one unlucky caller's wait.
const USAGE_CONTENTION_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Longest accepted lifetime setting (ten years): keeps every `now + lifetime` far from the end
/// of the representable time range.
const MAX_LIFETIME: TimeDelta = TimeDelta::days(3650);

/// Settings of the auth service. Defaults are Better Auth's (and the seed's API-key limits).
///
/// `AuthConfig::new(secret).default_role(Role::Viewer).session_expires_in(TimeDelta::days(30))`;
/// the settings are checked when the [`Cms`](crate::Cms) is built.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    /// Signs session cookies; the same `BETTER_AUTH_SECRET` a Better Auth app uses. At least 32
    /// characters.
    pub secret: String,
    /// Session lifetime (7 days).
    pub session_expires_in: TimeDelta,
    /// A session is extended when it is older than this (1 day).
    pub session_update_age: TimeDelta,
    /// Shortest password (8).
    pub min_password_length: usize,
    /// Longest password (128).
    pub max_password_length: usize,
    /// Role of users signing up after the first (who becomes admin).
    pub default_role: Role,
    /// Lifetime of a password-reset token (1 hour).
    pub reset_password_expires_in: TimeDelta,
    /// API-key defaults.
    pub api_keys: ApiKeyDefaults,
}

/// Defaults of new API keys.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiKeyDefaults {
    /// Prefix when the caller gives none.
    pub prefix: Option<String>,
    /// Rate limiting on by default.
    pub rate_limit_enabled: bool,
    /// Rate-limit window (86 400 000 ms = one day).
    pub rate_limit_time_window_ms: i32,
    /// Requests per window (10 000).
    pub rate_limit_max: i32,
}

impl Default for ApiKeyDefaults {
    fn default() -> Self {
        ApiKeyDefaults {
            prefix: None,
            rate_limit_enabled: true,
            rate_limit_time_window_ms: 86_400_000,
            rate_limit_max: 10_000,
        }
    }
}

impl ApiKeyDefaults {
    /// The prefix of new keys when the caller gives none.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Rate limiting of new keys: on or off, the window in milliseconds and the requests per
    /// window.
    pub fn rate_limit(mut self, enabled: bool, time_window_ms: i32, max: i32) -> Self {
        self.rate_limit_enabled = enabled;
        self.rate_limit_time_window_ms = time_window_ms;
        self.rate_limit_max = max;
        self
    }
}

impl AuthConfig {
    /// Session lifetime.
    pub fn session_expires_in(mut self, lifetime: TimeDelta) -> Self {
        self.session_expires_in = lifetime;
        self
    }

    /// Age after which a session is extended when used.
    pub fn session_update_age(mut self, age: TimeDelta) -> Self {
        self.session_update_age = age;
        self
    }

    /// Shortest and longest accepted password, in characters.
    pub fn password_length(mut self, min: usize, max: usize) -> Self {
        self.min_password_length = min;
        self.max_password_length = max;
        self
    }

    /// Role of users signing up after the first.
    pub fn default_role(mut self, role: Role) -> Self {
        self.default_role = role;
        self
    }

    /// Lifetime of password-reset tokens.
    pub fn reset_password_expires_in(mut self, lifetime: TimeDelta) -> Self {
        self.reset_password_expires_in = lifetime;
        self
    }

    /// Defaults of new API keys.
    pub fn api_keys(mut self, defaults: ApiKeyDefaults) -> Self {
        self.api_keys = defaults;
        self
    }

    /// Better Auth's defaults with this secret.
    pub fn new(secret: impl Into<String>) -> Self {
        AuthConfig {
            secret: secret.into(),
            session_expires_in: TimeDelta::days(7),
            session_update_age: TimeDelta::days(1),
            min_password_length: 8,
            max_password_length: 128,
            default_role: Role::Editor,
            reset_password_expires_in: TimeDelta::hours(1),
            api_keys: ApiKeyDefaults::default(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let mut errors = ValidationErrors::default();
        if self.secret.chars().count() < 32 {
            errors.push("auth.secret", "must be at least 32 characters");
        }
        for (path, lifetime) in [
            ("auth.sessionExpiresIn", self.session_expires_in),
            ("auth.sessionUpdateAge", self.session_update_age),
            (
                "auth.resetPasswordExpiresIn",
                self.reset_password_expires_in,
            ),
        ] {
            if lifetime <= TimeDelta::zero() || lifetime > MAX_LIFETIME {
                errors.push(path, "must be between 1 millisecond and 3650 days");
            }
        }
        if self.min_password_length == 0 || self.min_password_length > self.max_password_length {
            errors.push(
                "auth.passwordLength",
                "the minimum must be at least 1 and at most the maximum",
            );
        }
        let keys = &self.api_keys;
        if keys.rate_limit_time_window_ms < 0 || keys.rate_limit_max < 0 {
            errors.push("auth.apiKeys.rateLimit", "must not be negative");
        }
        errors.into_result()
    }
}

/// Where a request comes from, recorded on its session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientInfo {
    /// Client IP address.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// A client nothing is known about.
    pub fn new() -> Self {
        Self::default()
    }

    /// The client's IP address.
    pub fn ip_address(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }

    /// The client's user agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }
}

/// An email sign-up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignUp {
    /// Display name.
    pub name: String,
    /// Email (stored lowercase).
    pub email: String,
    /// Password (8–128 characters by default).
    pub password: String,
    /// Avatar URL.
    pub image: Option<String>,
    /// CMS role; default: `admin` for the first user, then `AuthConfig::default_role`.
    pub role: Option<Role>,
    /// Client of the new session.
    pub client: ClientInfo,
}

impl SignUp {
    /// A sign-up with this name, email and password (no image, default role, unknown client).
    pub fn new(
        name: impl Into<String>,
        email: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        SignUp {
            name: name.into(),
            email: email.into(),
            password: password.into(),
            image: None,
            role: None,
            client: ClientInfo::default(),
        }
    }

    /// An avatar URL.
    pub fn image(mut self, url: impl Into<String>) -> Self {
        self.image = Some(url.into());
        self
    }

    /// The CMS role instead of the default.
    pub fn role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// The client of the new session.
    pub fn client(mut self, client: ClientInfo) -> Self {
        self.client = client;
        self
    }
}

/// A signed-in user: the session and the cookie value to set.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    /// The user.
    pub user: User,
    /// The new session.
    pub session: Session,
    /// The signed cookie value for [`SESSION_COOKIE`](crate::auth::cookie::SESSION_COOKIE).
    pub cookie: String,
}

/// A valid session and its user.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveSession {
    /// The session (extended if it was due).
    pub session: Session,
    /// Its user.
    pub user: User,
}

/// A new API key.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CreateApiKey {
    /// Name (1–32 characters).
    pub name: Option<String>,
    /// Prefix (1–32 characters of `[A-Za-z0-9_-]`); default `ApiKeyDefaults::prefix`.
    pub prefix: Option<String>,
    /// Lifetime (1 to 365 days); `None` never expires.
    pub expires_in: Option<TimeDelta>,
    /// Uses left; `None` is unlimited. Defaults to `refill_amount` when that is set.
    pub remaining: Option<i32>,
    /// Refill period in milliseconds (with `refill_amount`).
    pub refill_interval_ms: Option<i32>,
    /// Uses restored every `refill_interval_ms` (with `refill_interval_ms`).
    pub refill_amount: Option<i32>,
    /// Rate limiting on or off (default on).
    pub rate_limit_enabled: Option<bool>,
    /// Rate-limit window in milliseconds.
    pub rate_limit_time_window_ms: Option<i32>,
    /// Requests per window.
    pub rate_limit_max: Option<i32>,
    /// Permissions, e.g. `{"documents": ["read"]}`.
    pub permissions: Option<Value>,
    /// Free-form metadata (a JSON object).
    pub metadata: Option<Value>,
}

impl CreateApiKey {
    /// A key with the configured defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Name (1–32 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Prefix (1–32 characters of `[A-Za-z0-9_-]`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Lifetime (1 to 365 days).
    pub fn expires_in(mut self, lifetime: TimeDelta) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// Uses left.
    pub fn remaining(mut self, remaining: i32) -> Self {
        self.remaining = Some(remaining);
        self
    }

    /// Restores `amount` uses every `interval_ms` milliseconds.
    pub fn refill(mut self, interval_ms: i32, amount: i32) -> Self {
        self.refill_interval_ms = Some(interval_ms);
        self.refill_amount = Some(amount);
        self
    }

    /// Rate limiting: on or off, the window in milliseconds and the requests per window.
    pub fn rate_limit(mut self, enabled: bool, time_window_ms: i32, max: i32) -> Self {
        self.rate_limit_enabled = Some(enabled);
        self.rate_limit_time_window_ms = Some(time_window_ms);
        self.rate_limit_max = Some(max);
        self
    }

    /// Rate limiting off.
    pub fn without_rate_limit(mut self) -> Self {
        self.rate_limit_enabled = Some(false);
        self
    }

    /// Permissions, e.g. `{"documents": ["read"]}`.
    pub fn permissions(mut self, permissions: Value) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Free-form metadata (a JSON object).
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// A created API key: the plaintext, shown once, and the stored row (which only has its hash).
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedApiKey {
    /// The key to hand to the client. Not stored anywhere.
    pub key: String,
    /// The stored row.
    pub api_key: ApiKey,
}

/// What one verification does to a key, decided from the row as read.
#[derive(Debug)]
enum Usage {
    /// Write these counters (compare-and-swap) and accept.
    Admit(ApiKeyUsage),
    /// Refuse.
    Refuse(Error),
    /// Refuse and delete the key (expired, or used up for good), as Better Auth does.
    RefuseAndDelete(Error),
}

/// Better Auth 1.7.5's verification rules (`@better-auth/api-key` `validateApiKey`), applied to
/// one read of the row: enabled, expiry, exhausted usage, refill, remaining, fixed rate-limit
/// window. One difference: a request refused by the rate limit does not consume `remaining`.
fn decide_usage(key: &ApiKey, at: Timestamp) -> Usage {
    if key.enabled == Some(false) {
        return Usage::Refuse(Error::unauthorized("KEY_DISABLED", "API key is disabled"));
    }
    if key.expires_at.is_some_and(|e| at > e) {
        return Usage::RefuseAndDelete(Error::unauthorized("KEY_EXPIRED", "API key has expired"));
    }
    let usage_exceeded = || Error::RateLimited {
        code: "USAGE_EXCEEDED",
        message: "API key has reached its usage limit".into(),
        retry_after_ms: None,
    };
    if key.remaining == Some(0) && key.refill_amount.is_none() {
        return Usage::RefuseAndDelete(usage_exceeded());
    }
    let mut next = key.usage();
    if let Some(remaining) = key.remaining {
        let refill = match (key.refill_interval, key.refill_amount) {
            (Some(interval), Some(amount)) if interval > 0 && amount > 0 => {
                let since = key.last_refill_at.unwrap_or(key.created_at);
                (at - since).num_milliseconds() > i64::from(interval)
            }
            _ => false,
        };
        if refill {
            next.remaining = key.refill_amount.map(|a| a - 1);
            next.last_refill_at = Some(at);
        } else if remaining <= 0 {
            return Usage::Refuse(usage_exceeded());
        } else {
            next.remaining = Some(remaining - 1);
        }
    }
    if key.rate_limit_enabled == Some(false) {
        next.last_request = Some(at);
        return Usage::Admit(next);
    }
    let (Some(window), Some(max)) = (key.rate_limit_time_window, key.rate_limit_max) else {
        return Usage::Admit(next);
    };
    let count = key.request_count.unwrap_or(0);
    match key.last_request {
        Some(last) if (at - last).num_milliseconds() <= i64::from(window) => {
            if count >= max {
                let elapsed = (at - last).num_milliseconds();
                return Usage::Refuse(Error::RateLimited {
                    code: "RATE_LIMITED",
                    message: "Rate limit exceeded".into(),
                    retry_after_ms: u64::try_from(i64::from(window) - elapsed).ok(),
                });
            }
            next.request_count = Some(count + 1);
        }
        // First request, or the window has passed: a new window starts.
        _ => next.request_count = Some(1),
    }
    next.last_request = Some(at);
    Usage::Admit(next)
}

/// Authentication. Get it from [`Cms::auth`](crate::Cms::auth).
#[derive(Debug, Clone)]
pub struct AuthService {
    db: Arc<dyn DatabaseAdapter>,
    config: Arc<AuthConfig>,
}

/// Runs a CPU-heavy password operation off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::backend("auth", e.to_string()))?
}

/// A user's email-and-password account (Better Auth's `credential` provider, whose account id is
/// the user id) holding the scrypt `hash`.
fn credential_account(user_id: &str, hash: String, at: Timestamp) -> Account {
    Account {
        id: random::id(),
        account_id: user_id.to_owned(),
        provider_id: CREDENTIAL_PROVIDER.into(),
        user_id: user_id.to_owned(),
        access_token: None,
        refresh_token: None,
        id_token: None,
        access_token_expires_at: None,
        refresh_token_expires_at: None,
        scope: None,
        password: Some(hash),
        created_at: at,
        updated_at: at,
    }
}

/// `Err(NotFound)` for a user id that cannot have been stored (see `values`).
fn known_user(user_id: &str) -> Result<()> {
    if storable(user_id) {
        Ok(())
    } else {
        Err(Error::not_found("user", user_id))
    }
}

/// Session metadata from the client must be storable too.
fn check_client(errors: &mut ValidationErrors, client: &ClientInfo) {
    values::check_opt_text(errors, "client.ipAddress", client.ip_address.as_deref());
    values::check_opt_text(errors, "client.userAgent", client.user_agent.as_deref());
}

fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = storable(&email)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid("email", "is not a valid email address"))
    }
}

impl AuthService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>, config: AuthConfig) -> Self {
        AuthService {
            db,
            config: Arc::new(config),
        }
    }

    /// The same service over other stores (a transaction's).
    pub(crate) fn with_db(&self, db: Arc<dyn DatabaseAdapter>) -> Self {
        AuthService {
            db,
            config: self.config.clone(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    fn check_password(&self, password: &str, errors: &mut ValidationErrors) {
        let len = password.chars().count();
        if len < self.config.min_password_length {
            errors.push(
                "password",
                format!(
                    "must be at least {} characters",
                    self.config.min_password_length
                ),
            );
        } else if len > self.config.max_password_length {
            errors.push(
                "password",
                format!(
                    "must be at most {} characters",
                    self.config.max_password_length
                ),
            );
        }
    }

    /// Creates a user with a password account and a CMS profile (the first user becomes admin,
    /// later ones `default_role` unless `role` says otherwise), and signs them in.
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name, email or password length; [`Error::Conflict`] when
    /// the email is taken.
    pub async fn sign_up_email(&self, input: SignUp) -> Result<SignedIn> {
        let mut errors = ValidationErrors::default();
        if input.name.trim().is_empty() {
            errors.push("name", "is required");
        }
        values::check_text(&mut errors, "name", &input.name);
        values::check_opt_text(&mut errors, "image", input.image.as_deref());
        check_client(&mut errors, &input.client);
        let email = normalize_email(&input.email);
        if let Err(Error::Validation(e)) = &email {
            errors.0.extend(e.fields().iter().cloned());
        }
        self.check_password(&input.password, &mut errors);
        errors.into_result()?;
        let email = email?;
        if self.db.find_user_by_email(&email).await?.is_some() {
            return Err(Error::Conflict {
                entity: "user",
                constraint: "user.email".into(),
            });
        }
        let pw = input.password.clone();
        let hash = blocking(move || password::hash(&pw)).await?;
        let at = now();
        let user = User {
            id: random::id(),
            name: input.name.trim().to_string(),
            email,
            email_verified: false,
            image: input.image,
            created_at: at,
            updated_at: at,
        };
        let account = credential_account(&user.id, hash, at);
        let session = self.new_session(&user.id, &input.client, at);
        let (user, session) = unit_of_work!(&*self.db, |stores| {
            let first = stores.count_users().await? == 0;
            let role = input.role.unwrap_or(if first {
                Role::Admin
            } else {
                self.config.default_role
            });
            let user = stores.insert_user(&user).await?;
            stores.insert_account(&account).await?;
            stores
                .insert_profile(&NewUserProfile {
                    user_id: user.id.clone(),
                    role,
                    preferences: None,
                    created_at: at,
                })
                .await?;
            let session = stores.insert_session(&session).await?;
            Ok((user, session))
        })?;
        Ok(self.signed_in(user, session))
    }

    /// Checks an email and password and opens a session.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] (`INVALID_EMAIL_OR_PASSWORD`) for an unknown email, a user without
    /// a password, or a wrong password — indistinguishable, and taking the same time.
    pub async fn sign_in_email(
        &self,
        email: &str,
        pw: &str,
        client: ClientInfo,
    ) -> Result<SignedIn> {
        let invalid =
            || Error::unauthorized("INVALID_EMAIL_OR_PASSWORD", "Invalid email or password");
        let email = normalize_email(email).map_err(|_| invalid())?;
        let mut errors = ValidationErrors::default();
        check_client(&mut errors, &client);
        errors.into_result()?;
        let user = self.db.find_user_by_email(&email).await?;
        let stored = match &user {
            Some(u) => self
                .db
                .list_accounts(&u.id)
                .await?
                .into_iter()
                .find(|a| a.provider_id == CREDENTIAL_PROVIDER)
                .and_then(|a| a.password),
            None => None,
        };
        // Without a stored hash, still spend one scrypt so timing does not reveal the email.
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| format!("{}:{}", "0".repeat(32), "0".repeat(128)));
        let pw = pw.to_string();
        let matches = blocking(move || password::verify(&stored, &pw)).await?;
        match user {
            Some(user) if known && matches => {
                let session = self
                    .db
                    .insert_session(&self.new_session(&user.id, &client, now()))
                    .await?;
                Ok(self.signed_in(user, session))
            }
            _ => Err(invalid()),
        }
    }

    fn new_session(&self, user_id: &str, client: &ClientInfo, at: Timestamp) -> Session {
        Session {
            id: random::id(),
            expires_at: at + self.config.session_expires_in,
            token: random::id(),
            created_at: at,
            updated_at: at,
            ip_address: client.ip_address.clone(),
            user_agent: client.user_agent.clone(),
            user_id: user_id.to_string(),
            active_organization_id: None,
        }
    }

    fn signed_in(&self, user: User, session: Session) -> SignedIn {
        let cookie = self.session_cookie(&session.token);
        SignedIn {
            user,
            session,
            cookie,
        }
    }

    /// The signed cookie value for a session token (what Better Auth puts in
    /// `better-auth.session_token`).
    pub fn session_cookie(&self, token: &str) -> String {
        cookie::sign(&self.config.secret, token)
    }

    /// Opens a session for an existing user (e.g. after an external login).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown user.
    pub async fn create_session(&self, user_id: &str, client: ClientInfo) -> Result<SignedIn> {
        known_user(user_id)?;
        let mut errors = ValidationErrors::default();
        check_client(&mut errors, &client);
        errors.into_result()?;
        let user = self
            .db
            .find_user(user_id)
            .await?
            .ok_or_else(|| Error::not_found("user", user_id))?;
        let session = self
            .db
            .insert_session(&self.new_session(user_id, &client, now()))
            .await?;
        Ok(self.signed_in(user, session))
    }

    /// The session with this token and its user, if valid. An expired session is deleted; a
    /// session older than `session_update_age` is extended to a full `session_expires_in`, as
    /// Better Auth's `getSession` does.
    pub async fn session(&self, token: &str) -> Result<Option<ActiveSession>> {
        if !storable(token) {
            return Ok(None);
        }
        let Some(mut session) = self.db.find_session_by_token(token).await? else {
            return Ok(None);
        };
        let at = now();
        if session.expires_at <= at {
            self.db.delete_session(token).await?;
            return Ok(None);
        }
        let Some(user) = self.db.find_user(&session.user_id).await? else {
            return Ok(None);
        };
        let c = &self.config;
        if session.expires_at - c.session_expires_in + c.session_update_age <= at {
            let patch = SessionPatch {
                expires_at: Some(at + c.session_expires_in),
                ..Default::default()
            };
            session = match self.db.update_session(token, &patch, at).await {
                Ok(s) => s,
                // Deleted concurrently (signed out): no session.
                Err(Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
        }
        Ok(Some(ActiveSession { session, user }))
    }

    /// The session behind a signed cookie value, if its signature and the session are valid.
    pub async fn session_from_cookie(&self, value: &str) -> Result<Option<ActiveSession>> {
        match cookie::verify(&self.config.secret, value) {
            Some(token) => self.session(&token).await,
            None => Ok(None),
        }
    }

    /// Signs out: deletes the session. Signing out twice is fine.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        if !storable(token) {
            return Ok(());
        }
        self.db.delete_session(token).await.map(|_| ())
    }

    /// A user's sessions, newest first.
    pub async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        if !storable(user_id) {
            return Ok(Vec::new());
        }
        self.db.list_sessions(user_id).await
    }

    /// Revokes one of a user's sessions.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the user has no session with this token.
    pub async fn revoke_session(&self, user_id: &str, token: &str) -> Result<()> {
        if !storable(token) {
            return Err(Error::not_found("session", "token"));
        }
        match self.db.find_session_by_token(token).await? {
            Some(s) if s.user_id == user_id => self.db.delete_session(token).await.map(|_| ()),
            _ => Err(Error::not_found("session", "token")),
        }
    }

    /// Revokes every session of a user; returns how many.
    pub async fn revoke_all_sessions(&self, user_id: &str) -> Result<u64> {
        if !storable(user_id) {
            return Ok(0);
        }
        self.db.delete_user_sessions(user_id).await
    }

    /// Starts a password reset: stores a `reset-password:<token>` verification (valid
    /// `reset_password_expires_in`) whose value is the user id, and returns the token to send to
    /// the user. `None` for an unknown email (say nothing to the caller either way).
    ///
    /// # Errors
    /// [`Error::Validation`] for a malformed email.
    pub async fn request_password_reset(&self, email: &str) -> Result<Option<String>> {
        let email = normalize_email(email)?;
        let Some(user) = self.db.find_user_by_email(&email).await? else {
            return Ok(None);
        };
        let token = random::alphanumeric(24);
        let at = now();
        self.db
            .insert_verification(&Verification {
                id: random::id(),
                identifier: format!("{RESET_PASSWORD}{token}"),
                value: user.id,
                expires_at: at + self.config.reset_password_expires_in,
                created_at: at,
                updated_at: at,
            })
            .await?;
        Ok(Some(token))
    }

    /// Finishes a password reset: sets the new password and consumes the token.
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad password length; [`Error::Unauthorized`]
    /// (`INVALID_TOKEN`) for an unknown, used or expired token.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<()> {
        let mut errors = ValidationErrors::default();
        self.check_password(new_password, &mut errors);
        errors.into_result()?;
        let invalid = || Error::unauthorized("INVALID_TOKEN", "Invalid or expired token");
        if !storable(token) {
            return Err(invalid());
        }
        let verification = self
            .db
            .find_verification(&format!("{RESET_PASSWORD}{token}"))
            .await?
            .ok_or_else(invalid)?;
        let at = now();
        if verification.expires_at <= at {
            self.db.delete_verification(&verification.id).await?;
            return Err(invalid());
        }
        let user_id = verification.value.clone();
        let pw = new_password.to_string();
        let hash = blocking(move || password::hash(&pw)).await?;
        let credential = self
            .db
            .list_accounts(&user_id)
            .await?
            .into_iter()
            .find(|a| a.provider_id == CREDENTIAL_PROVIDER);
        match credential {
            Some(account) => {
                let patch = AccountPatch {
                    password: Some(Some(hash)),
                    ..Default::default()
                };
                self.db.update_account(&account.id, &patch, at).await?;
            }
            None => {
                self.db
                    .insert_account(&credential_account(&user_id, hash, at))
                    .await?;
            }
        }
        self.db.delete_verification(&verification.id).await?;
        Ok(())
    }

    /// Sets the user's email-verified flag.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown user.
    pub async fn set_email_verified(&self, user_id: &str, verified: bool) -> Result<User> {
        known_user(user_id)?;
        let patch = UserPatch {
            email_verified: Some(verified),
            ..Default::default()
        };
        self.db.update_user(user_id, &patch, now()).await
    }

    /// The CMS role of a user (`viewer` when the user has no profile: least privilege).
    pub async fn role_of(&self, user_id: &str) -> Result<Role> {
        if !storable(user_id) {
            return Ok(Role::Viewer);
        }
        Ok(self
            .db
            .find_profile(user_id)
            .await?
            .map_or(Role::Viewer, |p: UserProfile| p.role))
    }

    /// Creates an API key owned by `user_id` and returns its plaintext once.
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name, prefix, expiry, refill pair, negative counts or
    /// non-object metadata; [`Error::NotFound`] for an unknown user.
    pub async fn create_api_key(
        &self,
        user_id: &str,
        input: CreateApiKey,
    ) -> Result<CreatedApiKey> {
        let mut errors = ValidationErrors::default();
        if let Some(name) = &input.name
            && !(1..=32).contains(&name.chars().count())
        {
            errors.push("name", "must be 1 to 32 characters");
        }
        let prefix = input
            .prefix
            .clone()
            .or_else(|| self.config.api_keys.prefix.clone());
        if let Some(p) = &prefix
            && (!(1..=32).contains(&p.len())
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            errors.push("prefix", "must be 1 to 32 characters of A-Z a-z 0-9 _ -");
        }
        if let Some(e) = input.expires_in
            && (e < TimeDelta::days(1) || e > TimeDelta::days(365))
        {
            errors.push("expiresIn", "must be between 1 and 365 days");
        }
        if input.refill_amount.is_some() != input.refill_interval_ms.is_some() {
            errors.push(
                "refillAmount",
                "refill amount and refill interval go together",
            );
        }
        for (path, v) in [
            ("remaining", input.remaining),
            ("refillAmount", input.refill_amount),
            ("refillInterval", input.refill_interval_ms),
            ("rateLimitTimeWindow", input.rate_limit_time_window_ms),
            ("rateLimitMax", input.rate_limit_max),
        ] {
            if v.is_some_and(|v| v < 0) {
                errors.push(path, "must not be negative");
            }
        }
        match &input.metadata {
            Some(m @ Value::Object(_)) => values::check_json(&mut errors, "metadata", m),
            Some(_) => errors.push("metadata", "must be a JSON object"),
            None => {}
        }
        if let Some(p) = &input.permissions {
            values::check_json(&mut errors, "permissions", p);
        }
        if let Some(name) = &input.name {
            values::check_text(&mut errors, "name", name);
        }
        errors.into_result()?;
        known_user(user_id)?;
        if self.db.find_user(user_id).await?.is_none() {
            return Err(Error::not_found("user", user_id));
        }
        let key = api_key::generate(prefix.as_deref());
        let at = now();
        let defaults = &self.config.api_keys;
        let row = ApiKey {
            id: random::id(),
            config_id: API_KEY_CONFIG_ID.into(),
            name: input.name,
            start: Some(api_key::start(&key)),
            reference_id: user_id.to_string(),
            prefix,
            key: api_key::hash(&key),
            refill_interval: input.refill_interval_ms,
            refill_amount: input.refill_amount,
            last_refill_at: None,
            enabled: Some(true),
            rate_limit_enabled: Some(
                input
                    .rate_limit_enabled
                    .unwrap_or(defaults.rate_limit_enabled),
            ),
            rate_limit_time_window: Some(
                input
                    .rate_limit_time_window_ms
                    .unwrap_or(defaults.rate_limit_time_window_ms),
            ),
            rate_limit_max: Some(input.rate_limit_max.unwrap_or(defaults.rate_limit_max)),
            request_count: Some(0),
            remaining: input.remaining.or(input.refill_amount),
            last_request: None,
            expires_at: input.expires_in.map(|e| at + e),
            created_at: at,
            updated_at: at,
            permissions: input.permissions.map(|p| p.to_string()),
            metadata: input.metadata.map(|m| m.to_string()),
        };
        let api_key = self.db.insert_api_key(&row).await?;
        Ok(CreatedApiKey { key, api_key })
    }

    /// Verifies an API key and counts the use: hash lookup, enabled, expiry, usage (with refill)
    /// and rate-limit window, applied as ONE compare-and-swap of the usage counters (re-read and
    /// re-decided when a concurrent verification won), so N concurrent verifications of a key
    /// allowing k uses admit exactly k. Expired keys and keys whose usage is used up for good
    /// are deleted, as Better Auth does.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] (`INVALID_API_KEY`, `KEY_DISABLED`, `KEY_EXPIRED`);
    /// [`Error::RateLimited`] (`RATE_LIMITED` with a retry delay, `USAGE_EXCEEDED`);
    /// [`Error::Unavailable`] ([`Transient::Contended`], retryable) when concurrent
    /// verifications of the key kept winning the swap for 10 s: nothing was counted, and the
    /// caller may try again — the key's limit is not what refused it.
    pub async fn verify_api_key(&self, key: &str) -> Result<ApiKey> {
        let hashed = api_key::hash(key);
        let started = std::time::Instant::now();
        for lost in 0_u32.. {
            if lost > 0 {
                if started.elapsed() > USAGE_CONTENTION_BUDGET {
                    break;
                }
                // Spread the losers out (up to 1, 2, 4, 8 ms), so that one swap wins per round
                // instead of all of them re-reading the same row at once.
                let ceiling = 1_u64 << lost.min(4).saturating_sub(1);
                let wait = rand::random::<u64>() % (ceiling * 1000 + 1);
                tokio::time::sleep(std::time::Duration::from_micros(wait)).await;
            }
            let row = self
                .db
                .find_api_key_by_hash(&hashed)
                .await?
                .ok_or_else(|| Error::unauthorized("INVALID_API_KEY", "Invalid API key"))?;
            let at = now();
            match decide_usage(&row, at) {
                Usage::Refuse(e) => return Err(e),
                Usage::RefuseAndDelete(e) => {
                    self.db.delete_api_key(&row.id).await?;
                    return Err(e);
                }
                Usage::Admit(usage) => {
                    if self
                        .db
                        .swap_api_key_usage(&row.id, &row.usage(), &usage, at)
                        .await?
                    {
                        return Ok(ApiKey {
                            remaining: usage.remaining,
                            request_count: usage.request_count,
                            last_request: usage.last_request,
                            last_refill_at: usage.last_refill_at,
                            updated_at: at,
                            ..row
                        });
                    }
                }
            }
        }
        Err(Error::unavailable(
            self.db.backend(),
            Transient::Contended,
            "too many concurrent verifications of this key; try again",
        ))
    }

    /// A user's API keys, newest first (hashes, never plaintexts).
    pub async fn list_api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>> {
        if !storable(user_id) {
            return Ok(Vec::new());
        }
        self.db.list_api_keys(user_id).await
    }

    async fn owned_key(&self, user_id: &str, key_id: &str) -> Result<ApiKey> {
        if !storable(key_id) {
            return Err(Error::not_found("api key", key_id));
        }
        match self.db.find_api_key(key_id).await? {
            Some(k) if k.reference_id == user_id => Ok(k),
            _ => Err(Error::not_found("api key", key_id)),
        }
    }

    /// Changes one of a user's API keys.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the user has no such key.
    pub async fn update_api_key(
        &self,
        user_id: &str,
        key_id: &str,
        patch: &ApiKeyPatch,
    ) -> Result<ApiKey> {
        let mut errors = ValidationErrors::default();
        for (path, value) in [
            ("name", &patch.name),
            ("permissions", &patch.permissions),
            ("metadata", &patch.metadata),
        ] {
            values::check_opt_text(&mut errors, path, value.as_ref().and_then(Option::as_deref));
        }
        errors.into_result()?;
        self.owned_key(user_id, key_id).await?;
        self.db.update_api_key(key_id, patch, now()).await
    }

    /// Deletes one of a user's API keys.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the user has no such key.
    pub async fn delete_api_key(&self, user_id: &str, key_id: &str) -> Result<()> {
        self.owned_key(user_id, key_id).await?;
        self.db.delete_api_key(key_id).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(at: Timestamp) -> ApiKey {
        ApiKey {
            id: "k".into(),
            config_id: "default".into(),
            name: None,
            start: None,
            reference_id: "u".into(),
            prefix: None,
            key: "h".into(),
            refill_interval: None,
            refill_amount: None,
            last_refill_at: None,
            enabled: Some(true),
            rate_limit_enabled: Some(true),
            rate_limit_time_window: Some(1000),
            rate_limit_max: Some(2),
            request_count: Some(0),
            remaining: None,
            last_request: None,
            expires_at: None,
            created_at: at,
            updated_at: at,
            permissions: None,
            metadata: None,
        }
    }

    fn admitted(u: Usage) -> ApiKeyUsage {
        match u {
            Usage::Admit(u) => u,
            other => panic!("expected admission, got {other:?}"),
        }
    }

    #[test]
    fn the_window_fills_then_resets() {
        let t0 = now();
        let mut k = key(t0);
        let u = admitted(decide_usage(&k, t0));
        assert_eq!((u.request_count, u.last_request), (Some(1), Some(t0)));
        k.request_count = Some(2);
        k.last_request = Some(t0);
        let ms = |n| t0 + TimeDelta::milliseconds(n);
        assert!(matches!(
            decide_usage(&k, ms(400)),
            Usage::Refuse(Error::RateLimited {
                code: "RATE_LIMITED",
                retry_after_ms: Some(600),
                ..
            })
        ));
        assert_eq!(admitted(decide_usage(&k, ms(1001))).request_count, Some(1));
    }

    #[test]
    fn remaining_is_consumed_and_refilled() {
        let t0 = now();
        let mut k = key(t0);
        k.rate_limit_enabled = Some(false);
        k.remaining = Some(1);
        assert_eq!(admitted(decide_usage(&k, t0)).remaining, Some(0));
        k.remaining = Some(0);
        assert!(matches!(decide_usage(&k, t0), Usage::RefuseAndDelete(_)));
        k.refill_amount = Some(5);
        k.refill_interval = Some(1000);
        assert!(
            matches!(decide_usage(&k, t0), Usage::Refuse(_)),
            "refill not due yet"
        );
        let later = t0 + TimeDelta::milliseconds(1001);
        let u = admitted(decide_usage(&k, later));
        assert_eq!((u.remaining, u.last_refill_at), (Some(4), Some(later)));
    }

    #[test]
    fn disabled_and_expired_keys_are_refused() {
        let t0 = now();
        let mut k = key(t0);
        k.enabled = Some(false);
        assert!(matches!(
            decide_usage(&k, t0),
            Usage::Refuse(Error::Unauthorized {
                code: "KEY_DISABLED",
                ..
            })
        ));
        k.enabled = Some(true);
        k.expires_at = Some(t0 - TimeDelta::seconds(1));
        assert!(matches!(
            decide_usage(&k, t0),
            Usage::RefuseAndDelete(Error::Unauthorized {
                code: "KEY_EXPIRED",
                ..
            })
        ));
    }
}
