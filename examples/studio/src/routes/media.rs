//! `/media/{id}/{filename}`: the file of an asset, public like any media URL. Only paths that
//! belong to an existing asset are served, so the storage cannot be browsed.
//!
//! Files are uploaded by users and served from the API's own origin, so an uploaded HTML or SVG
//! file must not run script with a visitor's session: every response is `nosniff` and
//! `Content-Security-Policy: sandbox`, and only raster images are shown inline — everything else
//! is a download.

use axum::Router;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::response::IntoResponse;
use axum::routing::get;
use uuid::Uuid;

use crate::error::{AppError, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/media/{id}/{filename}", get(file))
}

async fn file(
    State(state): State<AppState>,
    AppPath((id, filename)): AppPath<(Uuid, String)>,
) -> Result<impl IntoResponse, AppError> {
    // Media URLs are public capability URLs (an unguessable asset id and the file name), the
    // same for every organization's assets.
    let asset = state
        .cms
        .adapter()
        .find_asset_in_any_organization(id)
        .await?
        .filter(|a| a.path == format!("{id}/{filename}"))
        .ok_or_else(|| aphex::Error::not_found("media", format!("{id}/{filename}")))?;
    let bytes = state.storage.read(&asset.path).await?;
    let disposition = if is_inline_image(&asset.mime_type) {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"{}\"", asset.filename)
    };
    Ok((
        [
            (CONTENT_TYPE, asset.mime_type),
            (CONTENT_DISPOSITION, disposition),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (CONTENT_SECURITY_POLICY, "sandbox".to_string()),
            (
                CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
        ],
        bytes,
    ))
}

/// Raster images browsers display without running anything (SVG can carry script: download).
fn is_inline_image(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif" | "image/bmp"
    )
}
