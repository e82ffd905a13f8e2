//! `/api/assets`: multipart upload (size-capped; image dimensions read from the file), list,
//! read, metadata patch, delete (row and file).

use aphex::model::{Asset, AssetPatch, Capability};
use aphex::query::{FindOptions, FindResult};
use aphex::service::{AssetFilter, Upload};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::state::AppState;

/// Room for the multipart framing and text fields around the file.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn router(max_upload_bytes: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/api/assets",
            get(list).post(upload).layer(DefaultBodyLimit::max(
                max_upload_bytes.saturating_add(MULTIPART_OVERHEAD),
            )),
        )
        .route("/api/assets/{id}", get(read).patch(patch).delete(remove))
        .route("/api/assets/{id}/used-by", get(super::documents::used_by))
}

/// `file` (required) plus optional `title`, `alt`, `description`, `creditLine` text fields.
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Asset>), AppError> {
    caller.require(Capability::ManageAssets)?;
    let max = state.max_upload_bytes;
    let mut upload = {
        let mut v = Upload::default();
        v.created_by = caller.author();
        v
    };
    let mut has_file = false;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::multipart(e, max))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            upload.original_filename = field.file_name().unwrap_or("file").to_string();
            upload.mime_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| AppError::multipart(e, max))?
            {
                if upload.bytes.len() + chunk.len() > max {
                    return Err(AppError::upload_too_large(max));
                }
                upload.bytes.extend_from_slice(&chunk);
            }
            has_file = true;
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| AppError::multipart(e, max))?;
        let slot = match name.as_str() {
            "title" => &mut upload.title,
            "alt" => &mut upload.alt,
            "description" => &mut upload.description,
            "creditLine" => &mut upload.credit_line,
            other => {
                return Err(AppError::BadRequest(format!(
                    "unknown form field `{other}`"
                )));
            }
        };
        *slot = Some(text);
    }
    if !has_file {
        return Err(aphex::Error::invalid("file", "is required").into());
    }
    let asset = caller
        .cms()
        .assets()
        .upload(&*state.storage, upload)
        .await?;
    Ok((StatusCode::CREATED, Json(asset)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ListParams {
    asset_type: Option<String>,
    mime_type: Option<String>,
    search: Option<String>,
    sort: Option<String>,
    limit: Option<u64>,
    page: Option<u64>,
}

async fn list(
    caller: Caller,
    AppQuery(p): AppQuery<ListParams>,
) -> Result<Json<FindResult<Asset>>, AppError> {
    caller.require(Capability::Read)?;
    let mut filter = AssetFilter::new();
    filter.asset_type = p.asset_type;
    filter.mime_type = p.mime_type;
    filter.search = p.search;
    let mut options = FindOptions::new();
    options.limit = p.limit;
    options.page = p.page;
    if let Some(sort) = p.sort {
        options.sort = sort
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    if options.limit.is_some_and(|l| l > 200) {
        return Err(aphex::Error::invalid_query("limit", "must be at most 200").into());
    }
    Ok(Json(caller.cms().assets().find(&filter, &options).await?))
}

async fn read(caller: Caller, AppPath(id): AppPath<Uuid>) -> Result<Json<Asset>, AppError> {
    caller.require(Capability::Read)?;
    caller
        .cms()
        .assets()
        .find_by_id(id)
        .await?
        .map(Json)
        .ok_or_else(|| aphex::Error::not_found("asset", id).into())
}

async fn patch(
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppJson(patch): AppJson<AssetPatch>,
) -> Result<Json<Asset>, AppError> {
    caller.require(Capability::ManageAssets)?;
    Ok(Json(caller.cms().assets().update(id, &patch).await?))
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(p): AppQuery<super::documents::DeleteParams>,
) -> Result<StatusCode, AppError> {
    caller.require(Capability::ManageAssets)?;
    let assets = caller.cms().assets();
    if p.force {
        assets.force_delete_with_file(&*state.storage, id).await?;
    } else {
        assets.delete_with_file(&*state.storage, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
