//! Jobs and scheduled publishing (`docs/jobs.md`): [`JobService`] schedules, lists and cancels
//! jobs in an organization scope; a [`Worker`] claims due jobs of the kinds it has handlers for
//! under a lease, renews the lease while a handler runs, and records the outcome — retrying
//! with exponential backoff, giving up after the job's attempts.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::leases::{lease_end, poll_until, time_after};
use super::{Cms, WriteOptions};
use super::{limits, values};
use crate::error::{Error, ErrorKind, Result, ValidationErrors};
use crate::model::{Job, JobOutcome, NewJob, Timestamp, now, truncate_to_millis};
use crate::ports::{DatabaseAdapter, JobClaim, JobFilter};
use crate::scope::Scope;

/// The built-in kind that publishes a document: payload `{"documentId": …}`, optionally
/// `"revision"` to publish only that revision of the draft.
pub const PUBLISH_JOB: &str = "publish";
/// The built-in kind that unpublishes a document: payload `{"documentId": …}`.
pub const UNPUBLISH_JOB: &str = "unpublish";
/// Attempts of a job unless scheduled with others.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;
/// The most attempts a job may have.
pub const MAX_JOB_ATTEMPTS: i32 = 100;
/// The most jobs one list or claim returns.
pub const MAX_JOB_PAGE: u32 = 1000;
/// Longest job kind and idempotency key.
const MAX_KEY: usize = 200;

/// A job to schedule: its kind, when, its payload, and optionally an idempotency key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScheduleJob {
    /// What to do.
    pub kind: String,
    /// When.
    pub run_at: Timestamp,
    /// Its arguments (a JSON object).
    pub payload: Value,
    /// Scheduling again with the same key (in the same organization) returns the same job.
    pub idempotency_key: Option<String>,
    /// Attempts before it fails for good (default [`DEFAULT_MAX_ATTEMPTS`]).
    pub max_attempts: i32,
    /// Who schedules it (the built-in kinds publish as this user).
    pub created_by: Option<String>,
}

impl ScheduleJob {
    /// A job of `kind` at `run_at` with an empty payload.
    pub fn new(kind: impl Into<String>, run_at: Timestamp) -> Self {
        ScheduleJob {
            kind: kind.into(),
            run_at,
            payload: json!({}),
            idempotency_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            created_by: None,
        }
    }

    /// Publishes document `id` at `run_at` — whatever its draft is then.
    pub fn publish(id: Uuid, run_at: Timestamp) -> Self {
        ScheduleJob::new(PUBLISH_JOB, run_at).payload(json!({ "documentId": id }))
    }

    /// Publishes document `id` at `run_at` only if its draft is still at `revision` (what the
    /// editor reviewed); the job fails otherwise.
    pub fn publish_revision(id: Uuid, revision: i64, run_at: Timestamp) -> Self {
        ScheduleJob::new(PUBLISH_JOB, run_at)
            .payload(json!({ "documentId": id, "revision": revision }))
    }

    /// Unpublishes document `id` at `run_at`.
    pub fn unpublish(id: Uuid, run_at: Timestamp) -> Self {
        ScheduleJob::new(UNPUBLISH_JOB, run_at).payload(json!({ "documentId": id }))
    }

    /// Its payload.
    pub fn payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }

    /// Its idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Its attempts.
    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Who schedules it.
    pub fn created_by(mut self, user: impl Into<String>) -> Self {
        self.created_by = Some(user.into());
        self
    }

    fn check(&self) -> Result<()> {
        let mut errors = ValidationErrors::default();
        let mut text = |path: &str, value: &str, required: bool| {
            if required && value.is_empty() {
                errors.push(path, "is required");
            } else if value.chars().count() > MAX_KEY {
                errors.push(path, format!("at most {MAX_KEY} characters"));
            } else if !values::storable(value) {
                errors.push(path, "holds a character no backend stores (NUL)");
            }
        };
        text("kind", &self.kind, true);
        if let Some(key) = &self.idempotency_key {
            text("idempotencyKey", key, true);
        }
        if let Some(user) = &self.created_by {
            text("createdBy", user, true);
        }
        if !(1..=MAX_JOB_ATTEMPTS).contains(&self.max_attempts) {
            errors.push(
                "maxAttempts",
                format!("must be between 1 and {MAX_JOB_ATTEMPTS}"),
            );
        }
        if !self.payload.is_object() {
            errors.push("payload", "must be an object");
        } else {
            values::check_json(&mut errors, "payload", &self.payload);
        }
        if self.kind == PUBLISH_JOB || self.kind == UNPUBLISH_JOB {
            if document_of(&self.payload).is_none() {
                errors.push("payload.documentId", "must be a document id");
            }
            let revision = self.payload.get("revision");
            if revision.is_some_and(|r| r.as_i64().is_none())
                || (self.kind == UNPUBLISH_JOB && revision.is_some())
            {
                errors.push(
                    "payload.revision",
                    "a publish's revision number, or nothing",
                );
            }
        }
        errors.into_result()
    }
}

/// The document a built-in job acts on.
fn document_of(payload: &Value) -> Option<Uuid> {
    payload
        .get("documentId")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// Jobs of one organization scope. Get it from [`Cms::jobs`](crate::Cms::jobs).
#[derive(Debug, Clone)]
pub struct JobService {
    db: Arc<dyn DatabaseAdapter>,
    scope: Scope,
}

impl JobService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>, scope: Scope) -> Self {
        JobService { db, scope }
    }

    /// Schedules a job — or, when a job with its idempotency key exists in the organization,
    /// returns that one unchanged (whatever its status).
    ///
    /// # Errors
    /// [`Error::Validation`] naming what is wrong (nothing is written).
    pub async fn schedule(&self, job: ScheduleJob) -> Result<Job> {
        job.check()?;
        let at = now();
        let new = NewJob {
            idempotency_key: job.idempotency_key,
            created_by: job.created_by,
            ..NewJob::new(
                job.kind,
                truncate_to_millis(job.run_at),
                job.payload,
                job.max_attempts,
                at,
            )
        };
        Ok(self.db.insert_job(&self.scope, &new).await?.0)
    }

    /// The job with this id.
    pub async fn get(&self, id: Uuid) -> Result<Option<Job>> {
        self.db.find_job(&self.scope, id).await
    }

    /// The organization's jobs matching `filter`, latest `run_at` first.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a `limit` of 0 or over [`MAX_JOB_PAGE`].
    pub async fn list(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        limits::check_page_limit(filter.limit, MAX_JOB_PAGE)?;
        self.db.find_jobs(&self.scope, filter).await
    }

    /// Cancels a job that has not started.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] (`status`) when it is running or finished.
    pub async fn cancel(&self, id: Uuid) -> Result<Job> {
        let cancelled = self.db.cancel_job(&self.scope, id, now()).await?;
        let job = self
            .db
            .find_job(&self.scope, id)
            .await?
            .filter(|j| j.organization_id == self.scope.organization())
            .ok_or_else(|| Error::not_found("job", id))?;
        if cancelled {
            Ok(job)
        } else {
            Err(Error::invalid(
                "status",
                format!(
                    "the job is {}: only a scheduled job can be cancelled",
                    job.status.as_str()
                ),
            ))
        }
    }
}

/// Why a handler's attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobError {
    /// Worth another attempt (after the backoff), while the job has attempts left.
    Retry(String),
    /// Not worth another attempt: the job fails now.
    Fail(String),
}

impl From<Error> for JobError {
    /// The database or the network being away is worth a retry; anything else is not.
    fn from(error: Error) -> Self {
        match error.kind() {
            ErrorKind::Unavailable | ErrorKind::Backend => JobError::Retry(error.to_string()),
            _ => JobError::Fail(error.to_string()),
        }
    }
}

/// What runs one kind of job.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Runs `job` with `cms` acting in the job's organization. Called at least once per job:
    /// again when a worker died or its lease ended during a run — make it idempotent.
    async fn run(&self, cms: &Cms, job: &Job) -> std::result::Result<(), JobError>;
}

/// The built-in `publish` and `unpublish`.
struct PublishHandler {
    publish: bool,
}

#[async_trait]
impl JobHandler for PublishHandler {
    async fn run(&self, cms: &Cms, job: &Job) -> std::result::Result<(), JobError> {
        let id = document_of(&job.payload)
            .ok_or_else(|| JobError::Fail("payload.documentId is not a document id".into()))?;
        let mut options = WriteOptions::new();
        if let Some(user) = &job.created_by {
            options = options.user(user.clone());
        }
        if !self.publish {
            return match cms.documents().unpublish(id, options).await {
                // Already down: what the job wanted.
                Ok(_) | Err(Error::Validation(_)) => Ok(()),
                Err(e) => Err(e.into()),
            };
        }
        if let Some(revision) = job.payload.get("revision").and_then(Value::as_i64) {
            options = options.expect_revision(revision);
        }
        match cms.documents().publish(id, options).await {
            Ok(_) => Ok(()),
            Err(Error::RevisionConflict { current }) => Err(JobError::Fail(format!(
                "the draft changed after the publish was scheduled (revision {current}, scheduled {})",
                job.payload["revision"]
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

/// Claims and runs due jobs. Cheap to clone; run as many as you like, in one process or many.
#[derive(Clone)]
pub struct Worker {
    cms: Cms,
    handlers: BTreeMap<String, Arc<dyn JobHandler>>,
    lease: Duration,
    batch: u32,
    backoff: (Duration, Duration),
    poll: Duration,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker over `cms` with the built-in `publish` and `unpublish` handlers, a 30 s lease
    /// (renewed while a handler runs), batches of 10, backoff from 1 s doubling up to 1 h, and
    /// a poll every second when nothing is due.
    pub fn new(cms: Cms) -> Self {
        Worker {
            cms,
            handlers: BTreeMap::new(),
            lease: Duration::from_secs(30),
            batch: 10,
            backoff: (Duration::from_secs(1), Duration::from_secs(3600)),
            poll: Duration::from_secs(1),
        }
        .handler(PUBLISH_JOB, PublishHandler { publish: true })
        .handler(UNPUBLISH_JOB, PublishHandler { publish: false })
    }

    /// Runs jobs of `kind` with `handler` (replacing a built-in one).
    pub fn handler(mut self, kind: impl Into<String>, handler: impl JobHandler + 'static) -> Self {
        self.handlers.insert(kind.into(), Arc::new(handler));
        self
    }

    /// How long a claim holds a job before another worker may take it (renewed every third
    /// of it while the handler runs).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Jobs per claim.
    pub fn batch(mut self, jobs: u32) -> Self {
        self.batch = jobs.clamp(1, MAX_JOB_PAGE);
        self
    }

    /// Wait before attempt `n + 1`: `base · 2^(n-1)`, at most `max`.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff = (base, max);
        self
    }

    /// Wait between claims when nothing was due.
    pub fn poll(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }

    /// Claims the due jobs (one batch) and runs them one after the other; how many ran.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for an unusable lease; backend errors of the claim (a handler's
    /// failure is the job's, recorded on it).
    pub async fn run_due(&self) -> Result<usize> {
        let db = self.cms.adapter();
        let at = now();
        db.fail_abandoned_jobs(at).await?;
        let token = Uuid::new_v4();
        let lease_until = lease_end(at, self.lease)?;
        let kinds = self.handlers.keys().cloned().collect();
        let jobs = db
            .claim_jobs(&JobClaim::new(token, at, lease_until, self.batch, kinds))
            .await?;
        for job in &jobs {
            self.run_one(token, job).await?;
        }
        Ok(jobs.len())
    }

    /// Runs `run_due` until `shutdown` completes, sleeping `poll` whenever nothing was due.
    /// Claim errors (the database away) are logged and retried after `poll`.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) {
        poll_until("job worker", self.poll, shutdown, || self.run_due()).await;
    }

    /// Runs one claimed job, renewing its lease meanwhile, and records the outcome.
    async fn run_one(&self, token: Uuid, job: &Job) -> Result<()> {
        let db = self.cms.adapter();
        let Some(handler) = self.handlers.get(&job.kind) else {
            return Ok(());
        };
        // The batch's later jobs waited while the earlier ones ran: take a fresh lease first,
        // and leave a job whose lease ran out and that another worker took meanwhile.
        if !db
            .renew_job(token, job.id, lease_end(now(), self.lease)?)
            .await?
        {
            tracing::warn!(job = %job.id, "job worker: lease lost before the job started");
            return Ok(());
        }
        let cms = self.cms.in_scope(Scope::new(job.organization_id.as_str()));
        let run = handler.run(&cms, job);
        tokio::pin!(run);
        let renew_every = self.lease / 3;
        let result = loop {
            tokio::select! {
                result = &mut run => break result,
                () = tokio::time::sleep(renew_every) => {
                    let until = lease_end(now(), self.lease)?;
                    if !db.renew_job(token, job.id, until).await? {
                        // Lost (the lease ran out and another worker took it): let it be.
                        tracing::warn!(job = %job.id, "job worker: lease lost while running");
                    }
                }
            }
        };
        let outcome = match result {
            Ok(()) => JobOutcome::Succeeded,
            Err(JobError::Retry(error)) if job.attempts < job.max_attempts => JobOutcome::Retry {
                at: time_after(now(), self.delay(job.attempts), "backoff")?,
                error,
            },
            Err(JobError::Retry(error)) => JobOutcome::Failed {
                error: format!("gave up after {} attempts: {error}", job.attempts),
            },
            Err(JobError::Fail(error)) => JobOutcome::Failed { error },
        };
        db.finish_job(token, job.id, &outcome, now()).await?;
        Ok(())
    }

    /// The wait after the `attempts`-th attempt failed.
    fn delay(&self, attempts: i32) -> Duration {
        let (base, max) = self.backoff;
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        base.saturating_mul(1 << doublings).min(max)
    }
}
