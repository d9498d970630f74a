//! The server's error body: `{"error":{"message":..,"detailed_messages":[..]},"status":N}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An API error rendered with the Qiscus error body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub details: Vec<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            status,
            details: vec![message.clone()],
            message,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn with_details(mut self, details: Vec<String>) -> Self {
        if !details.is_empty() {
            self.details = details;
        }
        self
    }
    pub fn body(&self) -> serde_json::Value {
        json!({
            "error": {"message": self.message, "detailed_messages": self.details},
            "status": self.status.as_u16(),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// Result of a handler.
pub(crate) type ApiResult = Result<Json<serde_json::Value>, ApiError>;

/// Wraps `results` as `{"results": .., "status": 200}`.
pub(crate) fn ok(results: serde_json::Value) -> ApiResult {
    Ok(Json(json!({"results": results, "status": 200})))
}
