//! Jobs on MongoDB: `cms_jobs` (`docs/jobs.md`). A claim takes each due job with its own
//! atomic find-and-modify (the candidate's id and the due condition again), so two workers never
//! both get one.

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use aphex_core::model::{Job, JobOutcome, JobStatus, NewJob, Timestamp};
use aphex_core::ports::{JobClaim, JobFilter, JobStore};
use aphex_core::{Error, Result, Scope};

use super::collections::JOBS;
use super::{MongoStore, ORGANIZATION, SessionMode, exec, owned, visible};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, opt, to_bson};

fn to_core(d: &Document) -> Result<Job> {
    let f = Fields::new(d, JOBS);
    let status = f.str("status")?;
    Ok(Job {
        id: f.uuid("_id")?,
        organization_id: f.str(ORGANIZATION)?,
        kind: f.str("kind")?,
        run_at: f.date("runAt")?,
        payload: f.json("payload")?,
        idempotency_key: f.opt_str("idempotencyKey")?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| malformed(JOBS, format!("unknown job status {status:?}")))?,
        attempts: f.opt_i32("attempts")?.unwrap_or(0),
        max_attempts: f.opt_i32("maxAttempts")?.unwrap_or(1),
        lease_until: f.opt_date("leaseUntil")?,
        last_error: f.opt_str("lastError")?,
        created_by: f.opt_str("createdBy")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
        finished_at: f.opt_date("finishedAt")?,
    })
}

/// The claim's condition: a due scheduled job, or a running one whose worker's lease ended
/// with attempts left.
fn claimable(now: Timestamp) -> Document {
    doc! { "$or": [
        { "status": JobStatus::Scheduled.as_str(), "runAt": { "$lte": date(now) } },
        {
            "status": JobStatus::Running.as_str(),
            "leaseUntil": { "$lt": date(now) },
            "$expr": { "$lt": ["$attempts", "$maxAttempts"] },
        },
    ] }
}

/// A job still held by the claim `token`.
fn held(token: Uuid, id: Uuid) -> Document {
    doc! {
        "_id": id.to_string(),
        "leaseToken": token.to_string(),
        "status": JobStatus::Running.as_str(),
    }
}

#[async_trait]
impl<S: SessionMode> JobStore for MongoStore<S> {
    async fn insert_job(&self, scope: &Scope, job: &NewJob) -> Result<(Job, bool)> {
        let key = job.dedupe_key(scope.organization());
        let record = doc! {
            "_id": job.id.to_string(),
            ORGANIZATION: scope.organization(),
            "kind": &job.kind,
            "runAt": date(job.run_at),
            "payload": to_bson(&job.payload),
            "idempotencyKey": opt(job.idempotency_key.clone()),
            "dedupeKey": &key,
            "status": JobStatus::Scheduled.as_str(),
            "attempts": 0i32,
            "maxAttempts": job.max_attempts,
            "leaseToken": Bson::Null,
            "leaseUntil": Bson::Null,
            "lastError": Bson::Null,
            "createdBy": opt(job.created_by.clone()),
            "createdAt": date(job.created_at),
            "updatedAt": date(job.created_at),
            "finishedAt": Bson::Null,
        };
        let coll = self.coll(JOBS);
        let inserted = match exec!(self, coll.insert_one(&record)) {
            Ok(_) => true,
            Err(e) => match map_err("job")(e) {
                Error::Conflict { .. } => false,
                other => return Err(other),
            },
        };
        let stored = exec!(self, coll.find_one(doc! { "dedupeKey": &key }))
            .map_err(map_err("job"))?
            .ok_or_else(|| malformed(JOBS, "a scheduled job is not there"))?;
        Ok((to_core(&stored)?, inserted))
    }

    async fn find_job(&self, scope: &Scope, id: Uuid) -> Result<Option<Job>> {
        let coll = self.coll(JOBS);
        exec!(
            self,
            coll.find_one(visible(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("job"))?
        .as_ref()
        .map(to_core)
        .transpose()
    }

    async fn find_jobs(&self, scope: &Scope, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut query = Document::new();
        if let Some(status) = filter.status {
            query.insert("status", status.as_str());
        }
        if let Some(kind) = &filter.kind {
            query.insert("kind", kind.as_str());
        }
        if let Some(key) = &filter.idempotency_key {
            query.insert("idempotencyKey", key.as_str());
        }
        if let Some(prefix) = &filter.idempotency_key_prefix {
            query.insert(
                "idempotencyKey",
                doc! { "$regex": format!("^{}", regex::escape(prefix)) },
            );
        }
        self.find_all(
            JOBS,
            visible(query, scope),
            Some(doc! { "runAt": -1, "_id": -1 }),
            Some(filter.offset),
            Some(u64::from(filter.limit)),
        )
        .await?
        .iter()
        .map(to_core)
        .collect()
    }

    async fn cancel_job(&self, scope: &Scope, id: Uuid, at: Timestamp) -> Result<bool> {
        let coll = self.coll(JOBS);
        let res = exec!(
            self,
            coll.update_one(
                owned(
                    doc! { "_id": id.to_string(), "status": JobStatus::Scheduled.as_str() },
                    scope
                ),
                doc! { "$set": {
                    "status": JobStatus::Cancelled.as_str(),
                    "finishedAt": date(at),
                    "updatedAt": date(at),
                } },
            )
        )
        .map_err(map_err("job"))?;
        Ok(res.modified_count > 0)
    }

    async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>> {
        if claim.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let mut filter = claimable(claim.now);
        filter.insert("kind", doc! { "$in": &claim.kinds });
        // More candidates than the limit: some go to concurrent claims first.
        let candidates = self
            .find_all(
                JOBS,
                filter,
                Some(doc! { "runAt": 1, "_id": 1 }),
                None,
                Some(u64::from(claim.limit).saturating_mul(4)),
            )
            .await?;
        let coll = self.coll(JOBS);
        let mut jobs = Vec::new();
        for candidate in &candidates {
            if jobs.len() >= claim.limit as usize {
                break;
            }
            let id = Fields::new(candidate, JOBS).str("_id")?;
            let mut one = claimable(claim.now);
            one.insert("_id", &id);
            let taken = exec!(
                self,
                coll.find_one_and_update(
                    one,
                    doc! {
                        "$set": {
                            "status": JobStatus::Running.as_str(),
                            "leaseToken": claim.token.to_string(),
                            "leaseUntil": date(claim.lease_until),
                            "updatedAt": date(claim.now),
                        },
                        "$inc": { "attempts": 1i32 },
                    },
                )
                .return_document(ReturnDocument::After)
            )
            .map_err(map_err("job"))?;
            if let Some(job) = taken {
                jobs.push(to_core(&job)?);
            }
        }
        Ok(jobs)
    }

    async fn renew_job(&self, token: Uuid, id: Uuid, lease_until: Timestamp) -> Result<bool> {
        let coll = self.coll(JOBS);
        let res = exec!(
            self,
            coll.update_one(
                held(token, id),
                doc! { "$set": { "leaseUntil": date(lease_until) } }
            )
        )
        .map_err(map_err("job"))?;
        Ok(res.matched_count > 0)
    }

    async fn finish_job(
        &self,
        token: Uuid,
        id: Uuid,
        outcome: &JobOutcome,
        at: Timestamp,
    ) -> Result<bool> {
        let mut set = doc! {
            "leaseToken": Bson::Null,
            "leaseUntil": Bson::Null,
            "updatedAt": date(at),
        };
        match outcome {
            JobOutcome::Succeeded => {
                set.insert("status", JobStatus::Succeeded.as_str());
                set.insert("finishedAt", date(at));
            }
            JobOutcome::Retry { at: run_at, error } => {
                set.insert("status", JobStatus::Scheduled.as_str());
                set.insert("runAt", date(*run_at));
                set.insert("lastError", error.as_str());
            }
            JobOutcome::Failed { error } => {
                set.insert("status", JobStatus::Failed.as_str());
                set.insert("finishedAt", date(at));
                set.insert("lastError", error.as_str());
            }
            _ => return Err(Error::invalid("outcome", "unknown job outcome")),
        }
        let coll = self.coll(JOBS);
        let res = exec!(self, coll.update_one(held(token, id), doc! { "$set": set }))
            .map_err(map_err("job"))?;
        Ok(res.matched_count > 0)
    }

    async fn fail_abandoned_jobs(&self, now: Timestamp) -> Result<u64> {
        let coll = self.coll(JOBS);
        let res = exec!(
            self,
            coll.update_many(
                doc! {
                    "status": JobStatus::Running.as_str(),
                    "leaseUntil": { "$lt": date(now) },
                    "$expr": { "$gte": ["$attempts", "$maxAttempts"] },
                },
                doc! { "$set": {
                    "status": JobStatus::Failed.as_str(),
                    "lastError": "its worker stopped during the last attempt (the lease ran out)",
                    "finishedAt": date(now),
                    "updatedAt": date(now),
                    "leaseToken": Bson::Null,
                } },
            )
        )
        .map_err(map_err("job"))?;
        Ok(res.modified_count)
    }
}
