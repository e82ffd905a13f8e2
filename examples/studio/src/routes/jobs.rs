//! Scheduled publishing and jobs (`docs/jobs.md`): schedule a document's publish or unpublish,
//! list, read and cancel the organization's jobs. The studio's worker runs them.

use aphex::model::{Capability, Job, JobStatus, Timestamp};
use aphex::ports::JobFilter;
use aphex::service::ScheduleJob;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/documents/{id}/schedule", post(schedule))
        .route("/api/jobs", get(list))
        .route("/api/jobs/{id}", get(read).delete(cancel))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Action {
    Publish,
    Unpublish,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScheduleBody {
    action: Action,
    /// When (RFC 3339).
    at: Timestamp,
    /// Publish only this revision of the draft (what the editor reviewed); without it, the
    /// draft as it is at `at`.
    revision: Option<i64>,
    idempotency_key: Option<String>,
}

/// `POST /api/documents/{id}/schedule`: `201` the job.
async fn schedule(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<ScheduleBody>,
) -> Result<(StatusCode, Json<Job>), AppError> {
    caller.require(Capability::PublishDocuments)?;
    let user = caller.writer()?.to_owned();
    if caller
        .cms()
        .documents()
        .find_by_id(id, Default::default(), 0)
        .await?
        .is_none()
    {
        return Err(aphex::Error::not_found("document", id).into());
    }
    let mut job = match (body.action, body.revision) {
        (Action::Publish, Some(revision)) => ScheduleJob::publish_revision(id, revision, body.at),
        (Action::Publish, None) => ScheduleJob::publish(id, body.at),
        (Action::Unpublish, None) => ScheduleJob::unpublish(id, body.at),
        (Action::Unpublish, Some(_)) => {
            return Err(aphex::Error::invalid("revision", "an unpublish takes no revision").into());
        }
    };
    job = job.created_by(user);
    if let Some(key) = body.idempotency_key {
        job = job.idempotency_key(key);
    }
    let job = caller.cms().jobs().schedule(job).await?;
    Ok((StatusCode::CREATED, Json(job)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<JobStatus>,
    kind: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Jobs {
    jobs: Vec<Job>,
}

/// `GET /api/jobs?status=&kind=&limit=&offset=`: the organization's jobs, latest first.
async fn list(caller: Caller, AppQuery(p): AppQuery<ListParams>) -> Result<Json<Jobs>, AppError> {
    caller.require_drafts()?;
    let mut filter = JobFilter::new(super::page_limit(p.limit)?);
    filter.status = p.status;
    filter.kind = p.kind;
    filter.offset = p.offset.unwrap_or(0);
    Ok(Json(Jobs {
        jobs: caller.cms().jobs().list(&filter).await?,
    }))
}

/// `GET /api/jobs/{id}`.
async fn read(caller: Caller, AppPath(id): AppPath<Uuid>) -> Result<Json<Job>, AppError> {
    caller.require_drafts()?;
    let job = caller.cms().jobs().get(id).await?;
    Ok(Json(job.ok_or_else(|| aphex::Error::not_found("job", id))?))
}

/// `DELETE /api/jobs/{id}`: cancels a job that has not started; `200` the cancelled job.
async fn cancel(caller: Caller, AppPath(id): AppPath<Uuid>) -> Result<Json<Job>, AppError> {
    caller.require(Capability::PublishDocuments)?;
    caller.writer()?;
    Ok(Json(caller.cms().jobs().cancel(id).await?))
}
