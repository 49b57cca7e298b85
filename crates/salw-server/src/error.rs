//! What a request can get wrong, and how each is answered: 4xx with the field and the reason
//! for bad input, 401/403 for who may not, 5xx only for faults of the server itself (which are
//! logged, without the request's secrets).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use salw_store::RowError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
    /// For a file: the line (1 is the first after a CSV header's line, as in `salw import`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl From<&RowError> for FieldError {
    fn from(e: &RowError) -> Self {
        FieldError {
            field: e.field.clone(),
            reason: e.reason.clone(),
            line: (e.line > 0).then_some(e.line),
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub fn field(status: StatusCode, field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError {
            status,
            message: format!("{field}: {reason}"),
            errors: vec![FieldError {
                field: field.to_owned(),
                reason,
                line: None,
            }],
        }
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let message = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.reason),
            many => format!("{} problems; nothing was written", many.len()),
        };
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
            errors,
        }
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "log in first, or send an API token (Authorization: Bearer …)",
        )
    }

    pub fn forbidden(what: &str) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, format!("your role may not {what}"))
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, what)
    }

    /// A fault of the server (database, disk). Logged here; the caller sees no internals.
    pub fn internal(context: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{context}: the registry could not be reached; nothing was changed, try again"),
        )
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    status: u16,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                status: self.status.as_u16(),
                message: &self.message,
                errors: &self.errors,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
