//! `/api/webhooks`: the organization's endpoints (register, list, read, delete) and each one's
//! delivery log (`docs/events.md#webhooks`). Managing them takes `manage_organization`; the
//! secret is shown to those who may.

use aphex::model::{Capability, Job, JobStatus, Webhook};
use aphex::ports::JobFilter;
use aphex::service::RegisterWebhook;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/webhooks", get(list).post(register))
        .route("/api/webhooks/{id}", get(read).delete(remove))
        .route("/api/webhooks/{id}/deliveries", get(deliveries))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    url: String,
    events: Option<Vec<String>>,
    secret: Option<String>,
}

fn manager(caller: &Caller) -> Result<String, AppError> {
    caller.require(Capability::ManageOrganization)?;
    Ok(caller.writer()?.to_owned())
}

/// `POST /api/webhooks`: `201` the endpoint, with its secret.
async fn register(
    caller: Caller,
    AppJson(body): AppJson<RegisterBody>,
) -> Result<(StatusCode, Json<Webhook>), AppError> {
    let user = manager(&caller)?;
    let mut input = RegisterWebhook::new(body.url).created_by(user);
    if let Some(events) = body.events {
        input = input.events(events);
    }
    if let Some(secret) = body.secret {
        input = input.secret(secret);
    }
    let webhook = caller.cms().webhooks().register(input).await?;
    Ok((StatusCode::CREATED, Json(webhook)))
}

#[derive(Debug, Serialize)]
struct Webhooks {
    webhooks: Vec<Webhook>,
}

/// `GET /api/webhooks`.
async fn list(caller: Caller) -> Result<Json<Webhooks>, AppError> {
    manager(&caller)?;
    Ok(Json(Webhooks {
        webhooks: caller.cms().webhooks().list().await?,
    }))
}

/// `GET /api/webhooks/{id}`.
async fn read(caller: Caller, AppPath(id): AppPath<Uuid>) -> Result<Json<Webhook>, AppError> {
    manager(&caller)?;
    let webhook = caller.cms().webhooks().get(id).await?;
    Ok(Json(
        webhook.ok_or_else(|| aphex::Error::not_found("webhook", id))?,
    ))
}

/// `DELETE /api/webhooks/{id}`: `204`.
async fn remove(caller: Caller, AppPath(id): AppPath<Uuid>) -> Result<StatusCode, AppError> {
    manager(&caller)?;
    caller.cms().webhooks().delete(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryParams {
    status: Option<JobStatus>,
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Deliveries {
    deliveries: Vec<Job>,
}

/// `GET /api/webhooks/{id}/deliveries?status=&limit=&offset=`: the delivery log, latest first.
async fn deliveries(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<DeliveryParams>,
) -> Result<Json<Deliveries>, AppError> {
    manager(&caller)?;
    let mut filter = JobFilter::new(super::page_limit(p.limit)?);
    filter.status = p.status;
    filter.offset = p.offset.unwrap_or(0);
    Ok(Json(Deliveries {
        deliveries: caller.cms().webhooks().deliveries(id, &filter).await?,
    }))
}
