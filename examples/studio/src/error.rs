//! Every error the API returns, as `{"error": {"code", "message", "details"}}` with the right
//! status. Handlers return `Result<_, AppError>` and use `?` on core errors. A 5xx answers with a
//! generic message; the details go to the log.

use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
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
    /// An upload above the configured cap.
    PayloadTooLarge(usize),
    /// No credentials at all.
    Unauthenticated,
}

impl From<aphex::Error> for AppError {
    fn from(e: aphex::Error) -> Self {
        AppError::Core(e)
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            AppError::UnsupportedMediaType(r.body_text())
        } else {
            AppError::BadRequest(r.body_text())
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
            AppError::PayloadTooLarge(max)
        } else {
            AppError::BadRequest(e.body_text())
        }
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        use aphex::Error as E;
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Core(e) => match e {
                E::NotFound { .. } => StatusCode::NOT_FOUND,
                E::Conflict { .. } | E::RevisionConflict { .. } => StatusCode::CONFLICT,
                E::Validation(_) | E::InvalidQuery { .. } => StatusCode::BAD_REQUEST,
                E::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
                E::Forbidden { .. } => StatusCode::FORBIDDEN,
                E::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                E::Unsupported { .. } => StatusCode::NOT_IMPLEMENTED,
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
            AppError::PayloadTooLarge(max) => (
                "payload_too_large",
                format!("uploads are limited to {max} bytes"),
                json!({ "maxBytes": max }),
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
        if matches!(self, AppError::PayloadTooLarge(_)) {
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
