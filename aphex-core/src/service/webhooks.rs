//! Webhooks (`docs/events.md#webhooks`): endpoints an organization registers; a dispatcher turns
//! each outbox event into one delivery job per endpoint that wants it; the deliveries are jobs
//! (retried with backoff, their log per endpoint), signed as the Standard Webhooks
//! specification says. The HTTP request itself is the application's (`aphex-studio` sends it),
//! so the core needs no HTTP client.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::events::Outbox;
use super::jobs::{JobService, ScheduleJob};
use super::leases::poll_until;
use super::values;
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{Event, EventKind, Job, Webhook, now};
use crate::ports::{DatabaseAdapter, JobFilter};
use crate::scope::Scope;

/// The job kind of a delivery: payload `{"webhookId", "event"}`.
pub const DELIVER_WEBHOOK_JOB: &str = "webhook.deliver";
/// Attempts of a delivery (with the worker's backoff: 1 s doubling, about four minutes).
pub const WEBHOOK_ATTEMPTS: i32 = 8;
/// The longest endpoint URL.
const MAX_URL: usize = 2000;
/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// An endpoint to register: its URL, which events (default every one), and its secret
/// (default a new random one).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterWebhook {
    /// Where deliveries are POSTed.
    pub url: String,
    /// Kinds (`document.published`), prefixes (`document.*`) or `*`.
    pub events: Vec<String>,
    /// `whsec_` + base64 of 24 to 64 bytes; `None`: generated.
    pub secret: Option<String>,
    /// Who registers it.
    pub created_by: Option<String>,
}

impl RegisterWebhook {
    /// Every event to `url`, with a new secret.
    pub fn new(url: impl Into<String>) -> Self {
        RegisterWebhook {
            url: url.into(),
            events: vec!["*".into()],
            secret: None,
            created_by: None,
        }
    }

    /// Only these events.
    pub fn events(mut self, events: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.events = events.into_iter().map(Into::into).collect();
        self
    }

    /// This secret.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Who registers it.
    pub fn created_by(mut self, user: impl Into<String>) -> Self {
        self.created_by = Some(user.into());
        self
    }

    fn check(&self) -> Result<()> {
        let mut errors = ValidationErrors::default();
        let url = self.url.as_str();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.len() > MAX_URL
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            errors.push(
                "url",
                format!("an http or https URL of at most {MAX_URL} bytes"),
            );
        }
        if self.events.is_empty() {
            errors.push("events", "at least one kind, `prefix.*` or `*`");
        }
        for (i, filter) in self.events.iter().enumerate() {
            let known = filter == "*"
                || EventKind::parse(filter).is_some()
                || filter.strip_suffix(".*").is_some_and(|prefix| {
                    EventKind::ALL
                        .iter()
                        .any(|k| k.as_str().split('.').next() == Some(prefix))
                });
            if !known {
                errors.push(
                    format!("events[{i}]"),
                    format!("unknown event filter `{filter}`"),
                );
            }
        }
        if let Some(secret) = &self.secret
            && secret_key(secret).is_none_or(|key| !(24..=64).contains(&key.len()))
        {
            errors.push("secret", "`whsec_` and the base64 of 24 to 64 bytes");
        }
        if let Some(user) = &self.created_by
            && !values::storable(user)
        {
            errors.push("createdBy", "holds a character no backend stores (NUL)");
        }
        errors.into_result()
    }
}

/// The key a `whsec_…` secret stands for.
fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

/// A new secret: `whsec_` and the base64 of 32 random bytes.
fn new_secret() -> String {
    format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(rand::random::<[u8; 32]>())
    )
}

/// The Standard Webhooks signature of a message: `v1,` and the base64 HMAC-SHA256, keyed by the
/// secret's bytes, of `{id}.{timestamp}.{body}`.
///
/// # Errors
/// [`Error::Validation`] for a secret that is not `whsec_` + base64.
pub fn sign_webhook(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key =
        secret_key(secret).ok_or_else(|| Error::invalid("secret", "not `whsec_` + base64"))?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
        .map_err(|e| Error::invalid("secret", e.to_string()))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The body a delivery of `event` POSTs: `{"type", "timestamp", "data"}` (the Standard
/// Webhooks envelope), `data` being the whole event.
pub fn webhook_body(event: &Event) -> Result<String> {
    serde_json::to_string(&json!({
        "type": event.kind.as_str(),
        "timestamp": crate::model::to_iso_millis(&event.created_at),
        "data": event,
    }))
    .map_err(|e| Error::backend("core", e))
}

/// The idempotency key of the delivery of `event` to `webhook`: an event redelivered by the
/// outbox schedules no second delivery.
fn delivery_key(webhook: Uuid, event: Uuid) -> String {
    format!("webhook:{webhook}:{event}")
}

/// Webhook endpoints of one organization scope. Get it from
/// [`Cms::webhooks`](crate::Cms::webhooks).
#[derive(Debug, Clone)]
pub struct WebhookService {
    db: Arc<dyn DatabaseAdapter>,
    scope: Scope,
}

impl WebhookService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>, scope: Scope) -> Self {
        WebhookService { db, scope }
    }

    /// Registers an endpoint in the organization; the returned webhook holds its secret.
    ///
    /// # Errors
    /// [`Error::Validation`] naming what is wrong.
    pub async fn register(&self, input: RegisterWebhook) -> Result<Webhook> {
        input.check()?;
        let webhook = Webhook {
            id: Uuid::new_v4(),
            organization_id: self.scope.organization().to_owned(),
            url: input.url,
            events: input.events,
            secret: input.secret.unwrap_or_else(new_secret),
            created_by: input.created_by,
            created_at: now(),
        };
        self.db.insert_webhook(&self.scope, &webhook).await
    }

    /// The organization's endpoints, oldest first.
    pub async fn list(&self) -> Result<Vec<Webhook>> {
        self.db.list_webhooks(&self.scope).await
    }

    /// One endpoint.
    pub async fn get(&self, id: Uuid) -> Result<Option<Webhook>> {
        self.db.find_webhook(&self.scope, id).await
    }

    /// Deletes an endpoint; its pending deliveries are dropped when they come up.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        if self.db.delete_webhook(&self.scope, id).await? {
            Ok(())
        } else {
            Err(Error::not_found("webhook", id))
        }
    }

    /// The delivery log of an endpoint: its delivery jobs (`filter`'s status and paging),
    /// latest first — each with its status, attempts and last error.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown endpoint; as [`JobService::list`].
    pub async fn deliveries(&self, id: Uuid, filter: &JobFilter) -> Result<Vec<Job>> {
        if self.get(id).await?.is_none() {
            return Err(Error::not_found("webhook", id));
        }
        let mut filter = filter.clone();
        filter.kind = Some(DELIVER_WEBHOOK_JOB.to_owned());
        filter.idempotency_key_prefix = Some(format!("webhook:{id}:"));
        JobService::new(self.db.clone(), self.scope.clone())
            .list(&filter)
            .await
    }

    /// Runs [`dispatch`](Self::dispatch) (batches of `limit`) until `shutdown` completes,
    /// resting `poll` when the outbox was empty or the database away.
    pub async fn dispatch_until(
        &self,
        limit: u32,
        poll: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        poll_until("webhook dispatcher", poll, shutdown, || {
            self.dispatch(limit)
        })
        .await;
    }

    /// Moves events from the outbox into deliveries: claims up to `limit` outbox entries (every
    /// organization's, whatever this service's scope), schedules a delivery job for each
    /// endpoint of the event's organization that wants it — one per event and endpoint, by
    /// idempotency key — and completes the entries. A crash in between leaves the entries to be
    /// claimed again; the deliveries already scheduled are not scheduled twice. Returns how many
    /// events it handled. The outbox has one consumer in a deployment that uses this.
    ///
    /// # Errors
    /// Backend errors (the entries stay claimed until their lease ends, then come back).
    pub async fn dispatch(&self, limit: u32) -> Result<usize> {
        let outbox = Outbox::new(self.db.clone());
        let claimed = outbox.claim(limit, Duration::from_secs(60)).await?;
        // The endpoints of each organization of the batch, looked up once.
        let mut endpoints: HashMap<&str, Vec<Webhook>> = HashMap::new();
        for entry in &claimed.entries {
            let event = &entry.event;
            let scope = Scope::new(event.organization_id.as_str());
            if !endpoints.contains_key(event.organization_id.as_str()) {
                let found = self.db.list_webhooks(&scope).await?;
                endpoints.insert(&event.organization_id, found);
            }
            let jobs = JobService::new(self.db.clone(), scope);
            for webhook in endpoints
                .get(event.organization_id.as_str())
                .into_iter()
                .flatten()
            {
                if !webhook.wants(event.kind.as_str()) {
                    continue;
                }
                let payload = json!({ "webhookId": webhook.id, "event": event });
                jobs.schedule(
                    ScheduleJob::new(DELIVER_WEBHOOK_JOB, event.created_at)
                        .payload(payload)
                        .idempotency_key(delivery_key(webhook.id, event.id))
                        .max_attempts(WEBHOOK_ATTEMPTS),
                )
                .await?;
            }
        }
        outbox.complete(claimed.token, &claimed.ids()).await?;
        Ok(claimed.entries.len())
    }
}

/// What a delivery job carries: the endpoint's id and the event.
///
/// # Errors
/// [`Error::Validation`] for a payload that is not one.
pub fn delivery_of(job: &Job) -> Result<(Uuid, Event)> {
    let webhook = job
        .payload
        .get("webhookId")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| Error::invalid("payload.webhookId", "not a webhook id"))?;
    let event = serde_json::from_value(job.payload.get("event").cloned().unwrap_or(Value::Null))
        .map_err(|e| Error::invalid("payload.event", e.to_string()))?;
    Ok((webhook, event))
}
