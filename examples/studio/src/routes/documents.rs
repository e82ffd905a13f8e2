//! `/api/documents`: list, query, read, create, edit (409 on a stale `expectedRevision`),
//! delete, publish/unpublish, versions and restore.

use aphex::model::{Capability, Document, DocumentVersion};
use aphex::query::{FindOptions, FindResult, Paging, Perspective, Where};
use aphex::service::{CreateDocument, WriteOptions};

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppBytes, AppError, AppJson, AppPath, AppQuery};
use crate::state::AppState;

/// Largest page the HTTP API serves.
const MAX_LIMIT: u64 = 200;
/// Deepest reference resolution the HTTP API allows.
const MAX_DEPTH: u32 = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/documents", get(list).post(create))
        .route("/api/documents/query", post(query))
        .route("/api/documents/{id}", get(read).put(edit).delete(remove))
        .route(
            "/api/documents/{id}/publish",
            post(publish).delete(unpublish),
        )
        .route("/api/documents/{id}/versions", get(versions))
        .route("/api/documents/{id}/used-by", get(used_by))
        .route("/api/documents/{id}/versions/{n}/restore", post(restore))
}

fn check_limits(options: &FindOptions) -> Result<(), AppError> {
    if options.limit.is_some_and(|l| l > MAX_LIMIT) {
        return Err(
            aphex::Error::invalid_query("limit", format!("must be at most {MAX_LIMIT}")).into(),
        );
    }
    if options.depth > MAX_DEPTH {
        return Err(
            aphex::Error::invalid_query("depth", format!("must be at most {MAX_DEPTH}")).into(),
        );
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    #[serde(rename = "type")]
    doc_type: Option<String>,
    status: Option<String>,
    perspective: Option<Perspective>,
    depth: Option<u32>,
    sort: Option<String>,
    limit: Option<u64>,
    page: Option<u64>,
    offset: Option<u64>,
    /// A keyset page: a previous page's `nextCursor`.
    after: Option<String>,
    /// `false` skips counting every match (`totalDocs`/`totalPages` are then `null`).
    count: Option<bool>,
}

async fn list(
    caller: Caller,
    AppQuery(p): AppQuery<ListParams>,
) -> Result<Json<FindResult<Document>>, AppError> {
    let mut options = FindOptions::new()
        .perspective(caller.perspective(p.perspective)?)
        .depth(p.depth.unwrap_or(0));
    options.doc_type = p.doc_type;
    options.limit = p.limit;
    options.page = p.page;
    options.offset = p.offset;
    options.after = p.after;
    options.count = p.count.unwrap_or(true);
    if let Some(sort) = &p.sort {
        options.sort = sort
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    if let Some(status) = p.status {
        options = options.filter(Where::path("_meta.status").equals(status));
    }
    check_limits(&options)?;
    Ok(Json(caller.cms().documents().find(&options).await?))
}

/// `POST /api/documents/query`: a `FindOptions` body (with an optional `type`).
async fn query(
    caller: Caller,
    AppJson(body): AppJson<Value>,
) -> Result<Json<FindResult<Document>>, AppError> {
    let mut options = FindOptions::from_json(&body)?;
    let asked = body
        .get("perspective")
        .is_some()
        .then_some(options.perspective);
    options.perspective = caller.perspective(asked)?;
    check_limits(&options)?;
    Ok(Json(caller.cms().documents().find(&options).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadParams {
    perspective: Option<Perspective>,
    depth: Option<u32>,
}

async fn read(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<ReadParams>,
) -> Result<Json<Document>, AppError> {
    let perspective = caller.perspective(p.perspective)?;
    let depth = p.depth.unwrap_or(0);
    if depth > MAX_DEPTH {
        return Err(
            aphex::Error::invalid_query("depth", format!("must be at most {MAX_DEPTH}")).into(),
        );
    }
    caller
        .cms()
        .documents()
        .find_by_id(id, perspective, depth)
        .await?
        .map(Json)
        .ok_or_else(|| aphex::Error::not_found("document", id).into())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(rename = "type")]
    doc_type: String,
    data: Value,
    id: Option<Uuid>,
}

async fn create(
    caller: Caller,
    AppJson(body): AppJson<CreateBody>,
) -> Result<(StatusCode, Json<Document>), AppError> {
    caller.require(Capability::WriteDocuments)?;
    let mut input = CreateDocument::new(body.doc_type, body.data);
    input.id = body.id;
    input.created_by = caller.author();
    Ok((
        StatusCode::CREATED,
        Json(caller.cms().documents().create(input).await?),
    ))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Guard {
    expected_revision: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EditBody {
    data: Value,
    expected_revision: Option<i64>,
}

fn write_options(caller: &Caller, expected_revision: Option<i64>) -> WriteOptions {
    let mut options = WriteOptions::new();
    options.expected_revision = expected_revision;
    options.user = caller.author();
    options
}

async fn edit(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<EditBody>,
) -> Result<Json<Document>, AppError> {
    caller.require(Capability::WriteDocuments)?;
    let options = write_options(&caller, body.expected_revision);
    Ok(Json(
        caller
            .cms()
            .documents()
            .update_draft(id, body.data, options)
            .await?,
    ))
}

/// `?force=true` deletes even what published content refers to (their references dangle).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteParams {
    #[serde(default)]
    pub(crate) force: bool,
}

async fn remove(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<DeleteParams>,
) -> Result<StatusCode, AppError> {
    caller.require(Capability::WriteDocuments)?;
    let documents = caller.cms().documents();
    if p.force {
        documents.force_delete(id).await?;
    } else {
        documents.delete(id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsedByParams {
    perspective: Option<Perspective>,
    #[serde(rename = "type")]
    doc_type: Option<String>,
    limit: Option<u64>,
    page: Option<u64>,
}

/// `GET /api/documents/{id}/used-by` (and `/api/assets/{id}/used-by`): the documents whose
/// data refers to the id, in a perspective (a delivery caller: published only).
pub(crate) async fn used_by(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<UsedByParams>,
) -> Result<Json<FindResult<Document>>, AppError> {
    let mut options = FindOptions::new().perspective(caller.perspective(p.perspective)?);
    options.doc_type = p.doc_type;
    options.limit = p.limit;
    options.page = p.page;
    check_limits(&options)?;
    Ok(Json(caller.cms().documents().used_by(id, &options).await?))
}

/// An optional JSON body: empty means the default.
fn guard(AppBytes(body): &AppBytes) -> Result<Guard, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Guard::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))
}

async fn publish(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    body: AppBytes,
) -> Result<Json<Document>, AppError> {
    caller.require(Capability::PublishDocuments)?;
    let options = write_options(&caller, guard(&body)?.expected_revision);
    Ok(Json(caller.cms().documents().publish(id, options).await?))
}

async fn unpublish(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    body: AppBytes,
) -> Result<Json<Document>, AppError> {
    caller.require(Capability::PublishDocuments)?;
    let options = write_options(&caller, guard(&body)?.expected_revision);
    Ok(Json(caller.cms().documents().unpublish(id, options).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    limit: Option<u64>,
    page: Option<u64>,
}

async fn versions(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<PageParams>,
) -> Result<Json<FindResult<DocumentVersion>>, AppError> {
    caller.require_drafts()?;
    let limit = p.limit.unwrap_or(25);
    if limit > MAX_LIMIT {
        return Err(
            aphex::Error::invalid_query("limit", format!("must be at most {MAX_LIMIT}")).into(),
        );
    }
    let paging = Paging::page(limit, p.page.unwrap_or(1))?;
    Ok(Json(caller.cms().documents().versions(id, paging).await?))
}

async fn restore(
    caller: Caller,
    AppPath((id, n)): AppPath<(Uuid, i64)>,
    body: AppBytes,
) -> Result<Json<Document>, AppError> {
    caller.require(Capability::WriteDocuments)?;
    let options = write_options(&caller, guard(&body)?.expected_revision);
    Ok(Json(
        caller.cms().documents().restore(id, n, options).await?,
    ))
}
