use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Job, JobOutcome, JobStatus, NewJob, Timestamp};
use crate::scope::Scope;

/// Which jobs [`JobStore::find_jobs`] lists: those of the scope, newest `run_at` first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct JobFilter {
    /// Only with this status.
    pub status: Option<JobStatus>,
    /// Only of this kind.
    pub kind: Option<String>,
    /// Only with this idempotency key.
    pub idempotency_key: Option<String>,
    /// Only with an idempotency key that starts with this.
    pub idempotency_key_prefix: Option<String>,
    /// At most this many (the service caps it).
    pub limit: u32,
    /// Skip this many.
    pub offset: u64,
}

impl JobFilter {
    /// The first `limit` jobs.
    pub fn new(limit: u32) -> Self {
        JobFilter {
            limit,
            ..Default::default()
        }
    }
}

/// A worker's claim ([`JobStore::claim_jobs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobClaim {
    /// Identifies this claim: renewing and finishing a job need it.
    pub token: Uuid,
    /// The current time.
    pub now: Timestamp,
    /// Until when the claimed jobs are held.
    pub lease_until: Timestamp,
    /// At most this many.
    pub limit: u32,
    /// Only these kinds (the ones the worker can run).
    pub kinds: Vec<String>,
}

impl JobClaim {
    /// A claim of up to `limit` jobs of `kinds` at `now`, held until `lease_until`.
    pub fn new(
        token: Uuid,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        kinds: Vec<String>,
    ) -> Self {
        JobClaim {
            token,
            now,
            lease_until,
            limit,
            kinds,
        }
    }
}

/// Storage of `cms_jobs`. Scheduling, reading and cancelling act in a scope; claiming,
/// renewing and finishing are the workers', who serve every organization.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Inserts `job` (status `scheduled`) in the scope's organization — unless a job with its
    /// idempotency key exists there: then that job, untouched. `true` when it was inserted.
    async fn insert_job(&self, scope: &Scope, job: &NewJob) -> Result<(Job, bool)>;

    /// The job with this id.
    async fn find_job(&self, scope: &Scope, id: Uuid) -> Result<Option<Job>>;

    /// The scope's jobs matching `filter`, latest `run_at` first.
    async fn find_jobs(&self, scope: &Scope, filter: &JobFilter) -> Result<Vec<Job>>;

    /// Cancels the job if it is still `scheduled` (in the scope's own organization); `false`
    /// otherwise (running, finished, or not there).
    async fn cancel_job(&self, scope: &Scope, id: Uuid, at: Timestamp) -> Result<bool>;

    /// Claims up to `claim.limit` jobs of `claim.kinds`, earliest `run_at` first: `scheduled`
    /// ones due at `claim.now`, and `running` ones whose lease ended before it (their worker
    /// died) with attempts left. They become `running` under the claim's token until
    /// `lease_until`, and count an attempt. Concurrent claims never hand out the same job.
    async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>>;

    /// Extends the lease of job `id` held under `token`; `false` when it is not held.
    async fn renew_job(&self, token: Uuid, id: Uuid, lease_until: Timestamp) -> Result<bool>;

    /// Records how the attempt of job `id` held under `token` ended; `false` when it is not
    /// held (its lease ended and another worker claimed it, or it was finished).
    async fn finish_job(
        &self,
        token: Uuid,
        id: Uuid,
        outcome: &JobOutcome,
        at: Timestamp,
    ) -> Result<bool>;

    /// Fails the `running` jobs whose lease ended before `now` with no attempt left (their
    /// last worker died); how many.
    async fn fail_abandoned_jobs(&self, now: Timestamp) -> Result<u64>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store.
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: JobStore + ?Sized> JobStore for $wrapper<T> {
            async fn insert_job(&self, scope: &Scope, job: &NewJob) -> Result<(Job, bool)> {
                (**self).insert_job(scope, job).await
            }

            async fn find_job(&self, scope: &Scope, id: Uuid) -> Result<Option<Job>> {
                (**self).find_job(scope, id).await
            }

            async fn find_jobs(&self, scope: &Scope, filter: &JobFilter) -> Result<Vec<Job>> {
                (**self).find_jobs(scope, filter).await
            }

            async fn cancel_job(&self, scope: &Scope, id: Uuid, at: Timestamp) -> Result<bool> {
                (**self).cancel_job(scope, id, at).await
            }

            async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>> {
                (**self).claim_jobs(claim).await
            }

            async fn renew_job(&self, token: Uuid, id: Uuid, lease_until: Timestamp) -> Result<bool> {
                (**self).renew_job(token, id, lease_until).await
            }

            async fn finish_job(
                &self,
                token: Uuid,
                id: Uuid,
                outcome: &JobOutcome,
                at: Timestamp,
            ) -> Result<bool> {
                (**self).finish_job(token, id, outcome, at).await
            }

            async fn fail_abandoned_jobs(&self, now: Timestamp) -> Result<u64> {
                (**self).fail_abandoned_jobs(now).await
            }
        }
    )*};
}
forward!(Arc, Box);
