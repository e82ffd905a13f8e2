//! Jobs on SQL: `cms_jobs` (`docs/jobs.md`). A claim is one `UPDATE` of the earliest due jobs —
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock (taken before the statement
//! reads) on SQLite — so concurrent workers never get the same job.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockBehavior, LockType, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use aphex_core::model::{Job, JobOutcome, JobStatus, NewJob, Timestamp};
use aphex_core::ports::{JobClaim, JobFilter, JobStore};
use aphex_core::{Error, Result, Scope};

use super::{SeaStore, owned, visible};
use crate::dialect::Dialect;
use crate::entity::job::{ActiveModel, Column, Entity, Model};
use crate::value::DbUuid;

const ENTITY: &str = "job";

fn to_core(m: Model) -> Result<Job> {
    let status = JobStatus::parse(&m.status).ok_or_else(|| {
        Error::backend(
            "sql",
            format!("unknown job status {:?} in the database", m.status),
        )
    })?;
    Ok(Job {
        id: m.id.0,
        organization_id: m.organization_id,
        kind: m.kind,
        run_at: m.run_at,
        payload: m.payload,
        idempotency_key: m.idempotency_key,
        status,
        attempts: m.attempts,
        max_attempts: m.max_attempts,
        lease_until: m.lease_until,
        last_error: m.last_error,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
        finished_at: m.finished_at,
    })
}

/// `status = 'running'` and the claim's token: a job a worker still holds.
fn held(token: Uuid, id: Uuid) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::Id.eq(DbUuid(id)))
        .add(Column::LeaseToken.eq(DbUuid(token)))
        .add(Column::Status.eq(JobStatus::Running.as_str()))
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> JobStore for SeaStore<C, B> {
    async fn insert_job(&self, scope: &Scope, job: &NewJob) -> Result<(Job, bool)> {
        let key = job.dedupe_key(scope.organization());
        let model = ActiveModel {
            id: Set(DbUuid(job.id)),
            organization_id: Set(scope.organization().to_owned()),
            kind: Set(job.kind.clone()),
            run_at: Set(job.run_at),
            payload: Set(job.payload.clone()),
            idempotency_key: Set(job.idempotency_key.clone()),
            dedupe_key: Set(key),
            status: Set(JobStatus::Scheduled.as_str().to_owned()),
            attempts: Set(0),
            max_attempts: Set(job.max_attempts),
            lease_token: Set(None),
            lease_until: Set(None),
            last_error: Set(None),
            created_by: Set(job.created_by.clone()),
            created_at: Set(job.created_at),
            updated_at: Set(job.created_at),
            finished_at: Set(None),
        };
        // A no-op update on a taken key returns the existing job, in the same statement (on
        // the primary, even with read replicas).
        let stored = Entity::insert(model)
            .on_conflict(
                OnConflict::column(Column::DedupeKey)
                    .update_column(Column::DedupeKey)
                    .to_owned(),
            )
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        let inserted = stored.id.0 == job.id;
        Ok((to_core(stored)?, inserted))
    }

    async fn find_job(&self, scope: &Scope, id: Uuid) -> Result<Option<Job>> {
        Entity::find_by_id(DbUuid(id))
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .map(to_core)
            .transpose()
    }

    async fn find_jobs(&self, scope: &Scope, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut query = Entity::find().filter(visible(Expr::col(Column::OrganizationId), scope));
        if let Some(status) = filter.status {
            query = query.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(Column::Kind.eq(kind.as_str()));
        }
        if let Some(key) = &filter.idempotency_key {
            query = query.filter(Column::IdempotencyKey.eq(key.as_str()));
        }
        if let Some(prefix) = &filter.idempotency_key_prefix {
            // Not `LIKE`: SQLite's ignores case, and the prefix is the caller's text.
            let length = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
            let head = Func::cust("substr")
                .arg(Expr::col(Column::IdempotencyKey))
                .arg(1_i32)
                .arg(length);
            query = query.filter(Expr::expr(head).eq(prefix.as_str()));
        }
        query
            .order_by_desc(Column::RunAt)
            .order_by_desc(Column::Id)
            .offset(filter.offset)
            .limit(u64::from(filter.limit))
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .into_iter()
            .map(to_core)
            .collect()
    }

    async fn cancel_job(&self, scope: &Scope, id: Uuid, at: Timestamp) -> Result<bool> {
        let res = Entity::update_many()
            .col_expr(Column::Status, Expr::val(JobStatus::Cancelled.as_str()))
            .col_expr(Column::FinishedAt, Expr::val(at))
            .col_expr(Column::UpdatedAt, Expr::val(at))
            .filter(Column::Id.eq(DbUuid(id)))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .filter(Column::Status.eq(JobStatus::Scheduled.as_str()))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }

    async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>> {
        if claim.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let due = Expr::col(Column::Status)
            .eq(JobStatus::Scheduled.as_str())
            .and(Expr::col(Column::RunAt).lte(claim.now));
        let abandoned = Expr::col(Column::Status)
            .eq(JobStatus::Running.as_str())
            .and(Expr::col(Column::LeaseUntil).lt(claim.now))
            .and(Expr::col(Column::Attempts).lt(Expr::col(Column::MaxAttempts)));
        let mut candidates = Query::select()
            .column(Column::Id)
            .from(Entity)
            .and_where(Expr::col(Column::Kind).is_in(claim.kinds.iter().map(String::as_str)))
            .and_where(due.or(abandoned))
            .order_by(Column::RunAt, Order::Asc)
            .order_by(Column::Id, Order::Asc)
            .limit(u64::from(claim.limit))
            .to_owned();
        if self.dialect() == Dialect::Postgres {
            candidates.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let update = Query::update()
            .table(Entity)
            .value(Column::Status, JobStatus::Running.as_str())
            .value(Column::LeaseToken, DbUuid(claim.token))
            .value(Column::LeaseUntil, claim.lease_until)
            .value(Column::UpdatedAt, claim.now)
            .value(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .and_where(Expr::col(Column::Id).in_subquery(candidates))
            .returning_all()
            .to_owned();
        let stmt = self.conn.get_database_backend().build(&update);
        let mut jobs = Model::find_by_statement(stmt)
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .into_iter()
            .map(to_core)
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn renew_job(&self, token: Uuid, id: Uuid, lease_until: Timestamp) -> Result<bool> {
        let res = Entity::update_many()
            .col_expr(Column::LeaseUntil, Expr::val(lease_until))
            .filter(held(token, id))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }

    async fn finish_job(
        &self,
        token: Uuid,
        id: Uuid,
        outcome: &JobOutcome,
        at: Timestamp,
    ) -> Result<bool> {
        let mut update = Entity::update_many()
            .col_expr(Column::LeaseToken, Expr::val(Option::<Uuid>::None))
            .col_expr(Column::LeaseUntil, Expr::val(Option::<Timestamp>::None))
            .col_expr(Column::UpdatedAt, Expr::val(at));
        let (status, error, finished) = match outcome {
            JobOutcome::Succeeded => (JobStatus::Succeeded, None, Some(at)),
            JobOutcome::Retry { at: run_at, error } => {
                update = update.col_expr(Column::RunAt, Expr::val(*run_at));
                (JobStatus::Scheduled, Some(error.clone()), None)
            }
            JobOutcome::Failed { error } => (JobStatus::Failed, Some(error.clone()), Some(at)),
            _ => return Err(Error::invalid("outcome", "unknown job outcome")),
        };
        update = update
            .col_expr(Column::Status, Expr::val(status.as_str()))
            .col_expr(Column::FinishedAt, Expr::val(finished));
        if let Some(error) = error {
            update = update.col_expr(Column::LastError, Expr::val(error));
        }
        let res = update
            .filter(held(token, id))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }

    async fn fail_abandoned_jobs(&self, now: Timestamp) -> Result<u64> {
        let res = Entity::update_many()
            .col_expr(Column::Status, Expr::val(JobStatus::Failed.as_str()))
            .col_expr(
                Column::LastError,
                Expr::val("its worker stopped during the last attempt (the lease ran out)"),
            )
            .col_expr(Column::FinishedAt, Expr::val(now))
            .col_expr(Column::UpdatedAt, Expr::val(now))
            .col_expr(Column::LeaseToken, Expr::val(Option::<Uuid>::None))
            .filter(Column::Status.eq(JobStatus::Running.as_str()))
            .filter(Column::LeaseUntil.lt(now))
            .filter(Expr::col(Column::Attempts).gte(Expr::col(Column::MaxAttempts)))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected)
    }
}
