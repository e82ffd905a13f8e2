//! `/api/health`: no auth; 200 when the database answers, 500 otherwise.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let db = state.cms.adapter();
    db.health().await?;
    Ok(Json(
        json!({ "status": "ok", "backend": db.backend(), "storage": state.storage.name() }),
    ))
}
