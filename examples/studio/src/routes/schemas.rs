//! `/api/schemas`: the registered schema types.

use aphex::model::{Capability, SchemaType};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::caller::Caller;
use crate::error::{AppError, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/schemas", get(list))
        .route("/api/schemas/{name}", get(read))
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SchemaType>>, AppError> {
    caller.require(Capability::Read)?;
    Ok(Json(state.cms.schema_types().list().await?))
}

async fn read(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(name): AppPath<String>,
) -> Result<Json<SchemaType>, AppError> {
    caller.require(Capability::Read)?;
    state
        .cms
        .schema_types()
        .get(&name)
        .await?
        .map(Json)
        .ok_or_else(|| aphex::Error::not_found("schema type", name).into())
}
