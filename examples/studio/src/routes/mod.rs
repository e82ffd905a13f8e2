//! The HTTP API: one router per resource, merged in [`app`].

mod assets;
mod auth;
mod documents;
mod events;
mod health;
mod invitations;
mod jobs;
mod media;
mod organizations;
mod schemas;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::{method_not_allowed, no_route, panic_response, set_body_limit};
use crate::state::AppState;

/// The whole application (kept apart from `main` so it can be served anywhere).
///
/// Every answer is JSON: unknown routes and methods get JSON `404`/`405`, bodies above
/// `max_body_bytes` (uploads: `max_upload_bytes`) a JSON `413`, and a handler that panics a JSON
/// `500` (logged) rather than a dropped connection.
/// The page size of the event, job and delivery lists: `limit` (default 50), at most 200.
///
/// # Errors
/// `400` naming `limit`.
pub(crate) fn page_limit(asked: Option<u32>) -> Result<u32, crate::error::AppError> {
    const MAX: u32 = 200;
    match asked {
        Some(n) if n > MAX => {
            Err(aphex::Error::invalid_query("limit", format!("must be at most {MAX}")).into())
        }
        Some(n) => Ok(n),
        None => Ok(50),
    }
}

pub fn app(state: AppState) -> Router {
    set_body_limit(state.max_body_bytes);
    let router = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(documents::router())
        .merge(events::router())
        .merge(jobs::router())
        .merge(webhooks::router())
        .merge(organizations::router())
        .merge(invitations::router())
        .merge(assets::router(state.max_upload_bytes))
        .merge(schemas::router())
        .merge(media::router())
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.max_body_bytes));
    catch_panics(router)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Answers a panicking handler with a JSON `500` and a log line.
fn catch_panics<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(CatchPanicLayer::custom(panic_response))
}

#[cfg(test)]
mod tests {
    use axum::routing::get;

    use super::*;

    /// The last line of defence works: a panic becomes a JSON 500, the server keeps serving.
    #[tokio::test]
    async fn a_panicking_handler_is_answered_500() {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let app = catch_panics(
            Router::new()
                .route("/boom", get(boom))
                .route("/ok", get(|| async { "ok" })),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::new();
        let res = client
            .get(format!("http://{addr}/boom"))
            .send()
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(res.status(), 500);
        let body: serde_json::Value = res.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "internal");
        let ok = client
            .get(format!("http://{addr}/ok"))
            .send()
            .await
            .expect("still serving");
        assert_eq!(ok.status(), 200);
    }
}
