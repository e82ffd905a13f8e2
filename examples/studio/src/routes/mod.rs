//! The HTTP API: one router per resource, merged in [`app`].

mod assets;
mod auth;
mod documents;
mod health;
mod media;
mod schemas;

use axum::Router;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// The whole application (kept apart from `main` so it can be served anywhere).
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(documents::router())
        .merge(assets::router(state.max_upload_bytes))
        .merge(schemas::router())
        .merge(media::router())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
