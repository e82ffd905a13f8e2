//! Every error the API returns, as `{"error": {"code", "message", "details"}}` with the right
//! status. Handlers return `Result<_, AppError>` and use `?` on core errors. A 5xx answers with a
//! generic message; the details go to the log.

use std::any::Any;

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An API error.
#[derive(Debug)]
pub enum AppError {
    /// A core error (not found, conflicts, validation, auth, ...).
    Core(aphex::Error),
    /// Malformed request: bad JSON, unknown fields, bad query string or path.
    BadRequest(String),
    /// A request body that is not JSON at all (missing `content-type: application/json`).
    UnsupportedMediaType(String),
    /// A request body (or upload) above its cap.
    PayloadTooLarge {
        /// `uploads` or `request bodies`.
        what: &'static str,
        /// The cap in bytes.
        max: usize,
    },
    /// No credentials at all.
    Unauthenticated,
    /// No route for this path.
    NoRoute,
    /// The path exists, but not with this method.
    MethodNotAllowed,
}

/// The cap on JSON (and other non-upload) request bodies; see [`crate::config::Config`].
static BODY_LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Records the body cap (for the `413` message); called once at start.
pub fn set_body_limit(max: usize) {
    let _ = BODY_LIMIT.set(max);
}

fn body_too_large() -> AppError {
    AppError::PayloadTooLarge {
        what: "request bodies",
        max: BODY_LIMIT.get().copied().unwrap_or_default(),
    }
}

impl From<aphex::Error> for AppError {
    fn from(e: aphex::Error) -> Self {
        AppError::Core(e)
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(r.body_text()),
            StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
            _ => AppError::BadRequest(r.body_text()),
        }
    }
}

impl From<BytesRejection> for AppError {
    fn from(r: BytesRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
            _ => AppError::BadRequest(r.body_text()),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::BadRequest(r.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::BadRequest(r.body_text())
    }
}

impl AppError {
    /// Maps a multipart error; `max` is the upload cap (for the 413 message).
    pub fn multipart(e: MultipartError, max: usize) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::upload_too_large(max)
        } else {
            AppError::BadRequest(e.body_text())
        }
    }

    /// An upload above `max` bytes.
    pub fn upload_too_large(max: usize) -> Self {
        AppError::PayloadTooLarge {
            what: "uploads",
            max,
        }
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        use aphex::Error as E;
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::NoRoute => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Core(e) => match e {
                E::NotFound { .. } => StatusCode::NOT_FOUND,
                E::Conflict { .. } | E::Referenced { .. } | E::RevisionConflict { .. } => {
                    StatusCode::CONFLICT
                }
                E::Validation(_) | E::InvalidQuery { .. } => StatusCode::BAD_REQUEST,
                E::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
                E::Forbidden { .. } => StatusCode::FORBIDDEN,
                E::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                E::Unsupported { .. } => StatusCode::NOT_IMPLEMENTED,
                E::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// Code, message and details of the JSON body.
    fn body(&self) -> (&'static str, String, Value) {
        use aphex::Error as E;
        match self {
            AppError::BadRequest(m) => ("bad_request", m.clone(), Value::Null),
            AppError::UnsupportedMediaType(m) => ("unsupported_media_type", m.clone(), Value::Null),
            AppError::PayloadTooLarge { what, max } => (
                "payload_too_large",
                format!("{what} are limited to {max} bytes"),
                json!({ "maxBytes": max }),
            ),
            AppError::NoRoute => ("not_found", "no such route".into(), Value::Null),
            AppError::MethodNotAllowed => (
                "method_not_allowed",
                "this route does not take this method".into(),
                Value::Null,
            ),
            AppError::Unauthenticated => (
                "unauthorized",
                "sign in (session cookie) or send an x-api-key header".into(),
                Value::Null,
            ),
            AppError::Core(e) => match e {
                E::NotFound { entity, id } => (
                    "not_found",
                    e.to_string(),
                    json!({ "entity": entity, "id": id }),
                ),
                E::Conflict { entity, .. } => {
                    ("conflict", e.to_string(), json!({ "entity": entity }))
                }
                E::Referenced {
                    entity,
                    id,
                    referrers,
                } => (
                    "conflict",
                    e.to_string(),
                    json!({ "entity": entity, "id": id, "referrers": referrers }),
                ),
                E::RevisionConflict { current } => (
                    "revision_conflict",
                    e.to_string(),
                    json!({ "currentRevision": current }),
                ),
                E::Validation(errors) => (
                    "validation_failed",
                    "validation failed".into(),
                    json!({ "fields": errors }),
                ),
                E::InvalidQuery { path, reason } => (
                    "invalid_query",
                    format!("invalid query at `{path}`: {reason}"),
                    json!({ "path": path }),
                ),
                E::Unauthorized { code, message } => {
                    ("unauthorized", message.clone(), json!({ "reason": code }))
                }
                E::Forbidden { message } => ("forbidden", message.clone(), Value::Null),
                E::RateLimited {
                    code,
                    message,
                    retry_after_ms,
                } => (
                    "rate_limited",
                    message.clone(),
                    json!({ "reason": code, "retryAfterMs": retry_after_ms }),
                ),
                E::Unsupported { .. } => ("unsupported", e.to_string(), Value::Null),
                E::Unavailable { transient, .. } => (
                    "unavailable",
                    "the database is unavailable; try again".into(),
                    json!({ "reason": transient.as_str() }),
                ),
                _ => ("internal", "internal server error".into(), Value::Null),
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let (code, message, details) = self.body();
        let body = json!({ "error": { "code": code, "message": message, "details": details } });
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if matches!(self, AppError::PayloadTooLarge { .. }) {
            // The rest of the upload is never read, so the server closes the connection after
            // this response; say so, or a client reuses the connection and its next request fails.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

/// A JSON body whose rejections (malformed JSON, unknown fields, wrong types) are API errors.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

/// A query string whose rejections are API errors.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

/// Path parameters whose rejections (e.g. a malformed UUID) are API errors.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// A raw request body (an optional JSON body read by hand) whose rejections are API errors.
#[derive(Debug)]
pub struct AppBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for AppBytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        Ok(AppBytes(Bytes::from_request(req, state).await?))
    }
}

/// The JSON `404` of a path no route serves.
pub async fn no_route() -> AppError {
    AppError::NoRoute
}

/// The JSON `405` of a route called with a method it does not take.
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// The last line of defence: a handler that panicked is answered `500 internal` (and the panic
/// is logged) instead of dropping the connection. No input is known to get here; the
/// end-to-end tests send hostile input and check that every answer is a JSON 4xx.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    let body = json!({ "error": {
        "code": "internal", "message": "internal server error", "details": Value::Null } });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}
