//! The change feed over HTTP (`docs/events.md`): a document's or an asset's events in stream
//! order, and the caller's organization's events in a time range. Events tell of draft saves, so
//! only callers that may read drafts see them.

use aphex::model::{Event, Timestamp, asset_stream, document_stream};
use aphex::ports::EventRange;

use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppPath, AppQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/events", get(between))
        .route("/api/documents/{id}/events", get(of_document))
        .route("/api/assets/{id}/events", get(of_asset))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamParams {
    /// The last `sequence` of the previous page (0: from the first).
    after: Option<i64>,
    limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RangeParams {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    /// The previous page's last event: its `createdAt` and `id`.
    after_time: Option<Timestamp>,
    after_id: Option<Uuid>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct Events {
    events: Vec<Event>,
}

/// `GET /api/documents/{id}/events?after=&limit=`.
async fn of_document(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<StreamParams>,
) -> Result<Json<Events>, AppError> {
    of_stream(&caller, &document_stream(id), p).await
}

/// `GET /api/assets/{id}/events?after=&limit=`.
async fn of_asset(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<StreamParams>,
) -> Result<Json<Events>, AppError> {
    of_stream(&caller, &asset_stream(id), p).await
}

/// A stream's events, in order, for a caller that may read drafts.
async fn of_stream(
    caller: &Caller,
    stream: &str,
    p: StreamParams,
) -> Result<Json<Events>, AppError> {
    caller.require_drafts()?;
    let events = caller
        .cms()
        .events()
        .for_stream(stream, p.after.unwrap_or(0), super::page_limit(p.limit)?)
        .await?;
    Ok(Json(Events { events }))
}

/// `GET /api/events?from=&to=&afterTime=&afterId=&limit=`: the caller's organization's events
/// created in `[from, to)`, oldest first.
async fn between(
    caller: Caller,
    AppQuery(p): AppQuery<RangeParams>,
) -> Result<Json<Events>, AppError> {
    caller.require_drafts()?;
    let mut range = EventRange::new(p.from, p.to, super::page_limit(p.limit)?);
    match (p.after_time, p.after_id) {
        (Some(at), Some(id)) => range = range.after(at, id),
        (None, None) => {}
        _ => {
            return Err(aphex::Error::invalid_query(
                "afterTime",
                "`afterTime` and `afterId` go together",
            )
            .into());
        }
    }
    Ok(Json(Events {
        events: caller.cms().events().between(&range).await?,
    }))
}
