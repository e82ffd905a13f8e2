//! Jobs: work to run at a time — a scheduled publish, an unpublish, an application's own kinds
//! — claimed by workers under a lease, retried with backoff (`docs/jobs.md`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Timestamp;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum JobStatus {
    /// Waiting for its `run_at` (again, after a failed attempt).
    Scheduled,
    /// Claimed by a worker, under a lease.
    Running,
    /// Done.
    Succeeded,
    /// Gave up: its last attempt failed for good, or it ran out of attempts.
    Failed,
    /// Cancelled before it ran.
    Cancelled,
}

impl JobStatus {
    /// Every status.
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Scheduled,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Scheduled => "scheduled",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One job: a row of `cms_jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// UUID.
    pub id: Uuid,
    /// The organization it acts in.
    pub organization_id: String,
    /// What to do: `publish`, `unpublish`, or an application's own kind.
    pub kind: String,
    /// When it is due.
    pub run_at: Timestamp,
    /// Its arguments (for `publish`: `{documentId, revision?}`).
    pub payload: Value,
    /// The caller's key: scheduling again with the same key in the same organization is the
    /// same job.
    pub idempotency_key: Option<String>,
    /// Where it is.
    pub status: JobStatus,
    /// How many times it was claimed.
    pub attempts: i32,
    /// After this many attempts it fails for good.
    pub max_attempts: i32,
    /// Until when its worker's lease holds (while running).
    pub lease_until: Option<Timestamp>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The user who scheduled it.
    pub created_by: Option<String>,
    /// When it was scheduled.
    pub created_at: Timestamp,
    /// Its last change.
    pub updated_at: Timestamp,
    /// When it succeeded, failed or was cancelled.
    pub finished_at: Option<Timestamp>,
}

/// A job to insert, prepared by the job service.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewJob {
    /// Its id.
    pub id: Uuid,
    /// Its kind.
    pub kind: String,
    /// When it is due.
    pub run_at: Timestamp,
    /// Its arguments.
    pub payload: Value,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
    /// Attempts before it fails for good.
    pub max_attempts: i32,
    /// Who scheduled it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

impl NewJob {
    /// A job of `kind` due at `run_at`.
    pub fn new(
        kind: impl Into<String>,
        run_at: Timestamp,
        payload: Value,
        max_attempts: i32,
        created_at: Timestamp,
    ) -> Self {
        NewJob {
            id: Uuid::new_v4(),
            kind: kind.into(),
            run_at,
            payload,
            idempotency_key: None,
            max_attempts,
            created_by: None,
            created_at,
        }
    }
}

impl NewJob {
    /// What makes the job unique in storage (`cms_jobs.dedupe_key`): its organization and
    /// idempotency key — length-prefixed, so no two pairs collide — or, without a key, its id.
    /// One unique index on it serves every backend (no partial indexes).
    pub fn dedupe_key(&self, organization: &str) -> String {
        match &self.idempotency_key {
            Some(key) => format!("{}:{organization}{key}", organization.len()),
            None => self.id.to_string(),
        }
    }
}

/// How an attempt ended, as a worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobOutcome {
    /// Done.
    Succeeded,
    /// Failed; run it again at this time.
    Retry {
        /// When.
        at: Timestamp,
        /// Why it failed.
        error: String,
    },
    /// Failed for good.
    Failed {
        /// Why.
        error: String,
    },
}
