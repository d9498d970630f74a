//! The one error type of the crate.

use std::time::Duration;

/// Everything that can go wrong in a call, as one type a caller can match on.
///
/// Network-level variants name the `call` (the spec's endpoint name, e.g. `post_comment`) so that
/// a log line says what failed. No variant ever contains the secret key.
///
/// Field names avoid `message`: the Kotlin binding turns these variants into exceptions, which
/// already inherit a `message` property.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
// Foreign languages see `QiscusError` (Kotlin: `QiscusException`), not a bare `Error`.
#[cfg_attr(feature = "uniffi", uniffi(name = "QiscusError"))]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status not covered by a more specific variant.
    #[error("{call}: HTTP {status}: {reason}{}{}", detail_suffix(.detailed_messages, .body_excerpt), attempts_suffix(*.attempts, .history))]
    Api {
        /// Endpoint name.
        call: String,
        /// HTTP status code.
        status: u16,
        /// `error.message` from the body, or the HTTP reason phrase.
        reason: String,
        /// `error.detailed_messages` from the body.
        detailed_messages: Vec<String>,
        /// The first bytes of a body that was not the documented JSON error (e.g. a proxy's HTML).
        body_excerpt: Option<String>,
        /// How many attempts were made (1 when the call was not retried).
        attempts: u32,
        /// Why each earlier attempt failed.
        history: Vec<String>,
    },
    /// 401: the secret key or app id was refused.
    #[error("{call}: unauthorized (401): {reason}")]
    Unauthorized {
        /// Endpoint name.
        call: String,
        /// `error.message` from the body.
        reason: String,
        /// `error.detailed_messages` from the body.
        detailed_messages: Vec<String>,
    },
    /// 404: the user, room or backup does not exist.
    #[error("{call}: not found (404): {reason}")]
    NotFound {
        /// Endpoint name.
        call: String,
        /// `error.message` from the body.
        reason: String,
        /// `error.detailed_messages` from the body.
        detailed_messages: Vec<String>,
    },
    /// 429: too many requests. `retry_after` holds the server's `Retry-After`, when sent.
    #[error("{call}: rate limited (429){}{}", retry_suffix(.retry_after), attempts_suffix(*.attempts, .history))]
    RateLimited {
        /// Endpoint name.
        call: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// `error.message` from the body, if any.
        reason: String,
        /// How many attempts were made.
        attempts: u32,
        /// Why each earlier attempt failed.
        history: Vec<String>,
    },
    /// The request did not complete within the configured timeout.
    #[error("{call}: timed out after {attempts} attempt(s){}", history_suffix(.history))]
    Timeout {
        /// Endpoint name.
        call: String,
        /// How many attempts were made.
        attempts: u32,
        /// Why each earlier attempt failed.
        history: Vec<String>,
    },
    /// The connection failed (refused, reset, DNS, TLS, closed before a response).
    #[error("{call}: connection failed after {attempts} attempt(s): {reason}{}", history_suffix(.history))]
    Connection {
        /// Endpoint name.
        call: String,
        /// What the transport reported for the last attempt.
        reason: String,
        /// How many attempts were made.
        attempts: u32,
        /// Why each earlier attempt failed.
        history: Vec<String>,
    },
    /// A response (or webhook body) could not be decoded into the documented shape.
    #[error("{call}: could not decode the response: {reason} (body starts: {body_excerpt:?})")]
    Decode {
        /// Endpoint name, or `webhook`.
        call: String,
        /// What was wrong.
        reason: String,
        /// The first bytes of the body.
        body_excerpt: String,
    },
    /// The response body was larger than the configured limit; it was not buffered.
    #[error("{call}: response larger than the {limit_bytes}-byte limit")]
    ResponseTooLarge {
        /// Endpoint name.
        call: String,
        /// The configured limit.
        limit_bytes: u64,
    },
    /// An argument was refused before anything was sent.
    #[error("invalid input: {field}: {reason}")]
    InvalidInput {
        /// The parameter at fault, named as on the wire (e.g. `sender_email`, `payload.buttons`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A webhook signature did not verify.
    #[error("webhook signature rejected: {reason}")]
    InvalidSignature {
        /// Why: missing header, malformed hex, or mismatch.
        reason: String,
    },
    /// A bug inside the library (a panic), reported instead of crashing the host process.
    #[error("internal error: {reason}")]
    Internal {
        /// What went wrong.
        reason: String,
    },
    /// Client configuration was refused (bad base URL, plain http to a non-loopback host, ...).
    #[error("invalid configuration: {field}: {reason}")]
    Config {
        /// The setting at fault.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// The HTTP status of a server answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(401),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// A connection failure of `call` after `attempts` attempts, without an attempt history.
    pub(crate) fn connection(call: &str, reason: impl Into<String>, attempts: u32) -> Self {
        Error::Connection {
            call: call.to_owned(),
            reason: reason.into(),
            attempts,
            history: vec![],
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn detail_suffix(details: &[String], excerpt: &Option<String>) -> String {
    let mut s = String::new();
    if !details.is_empty() {
        s.push_str(" (");
        s.push_str(&details.join("; "));
        s.push(')');
    }
    if let Some(e) = excerpt {
        s.push_str(&format!(" body starts: {e:?}"));
    }
    s
}

fn retry_suffix(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {:.1}s", d.as_secs_f64()),
        None => String::new(),
    }
}

fn attempts_suffix(attempts: u32, history: &[String]) -> String {
    if attempts <= 1 {
        String::new()
    } else {
        format!(" after {attempts} attempts{}", history_suffix(history))
    }
}

fn history_suffix(history: &[String]) -> String {
    if history.is_empty() {
        String::new()
    } else {
        format!(" [earlier attempts: {}]", history.join("; "))
    }
}

/// At most `max` characters of `body`, lossily decoded, for error messages.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max * 4)]);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}
