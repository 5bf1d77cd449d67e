//! The one error type of the typed Matrix client.

use super::transport::TransportError;
use std::fmt;

/// Everything that can go wrong talking to a homeserver.
///
/// Retryable failures (the network, a timeout, rate limiting, a 5xx) are kept apart from
/// permanent ones so that the sync loop and the outbox can decide what to do without parsing text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The request never got an HTTP answer: DNS, refused connection, TLS, CORS, offline.
    Connection(String),
    /// No answer arrived within the client-side timeout.
    Timeout,
    /// The caller aborted the request (for example the sync loop was stopped).
    Aborted,
    /// The homeserver answered with a Matrix error (`errcode` + `error`).
    Server(ServerError),
    /// The homeserver answered, but not with what the specification promises.
    BadResponse {
        /// HTTP status of the response.
        status: u16,
        /// What was wrong with it (never the body itself, which may hold patient data).
        detail: String,
    },
}

/// A Matrix error response from the homeserver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// HTTP status code.
    pub status: u16,
    /// The Matrix `errcode`, such as `M_FORBIDDEN`; `M_UNKNOWN` when the server sent none.
    pub errcode: String,
    /// The server's human-readable message.
    pub message: String,
    /// How long the server asked us to wait, from `Retry-After` or `retry_after_ms`.
    pub retry_after_ms: Option<u64>,
    /// `soft_logout: true` on `M_UNKNOWN_TOKEN`: local state may be kept, the user signs in again.
    pub soft_logout: bool,
    /// Why Rounds' own homeserver rules refused (`app.rounds.refusal`), such as
    /// `single_sign_on_only` for a password login of an account that signs in through the
    /// clinic's identity provider (`deploy/synapse/rounds_signin.py`).
    pub refusal: Option<String>,
}

impl Error {
    /// Whether trying the same request again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connection(_) | Error::Timeout => true,
            Error::Server(e) => e.status == 429 || e.status >= 500,
            Error::BadResponse { status, .. } => *status >= 500,
            Error::Aborted => false,
        }
    }

    /// The Matrix `errcode`, when the homeserver sent one.
    pub fn errcode(&self) -> Option<&str> {
        match self {
            Error::Server(e) => Some(&e.errcode),
            _ => None,
        }
    }

    /// The HTTP status, when the homeserver answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Server(e) => Some(e.status),
            Error::BadResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked the client to wait before retrying.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            Error::Server(e) => e.retry_after_ms,
            _ => None,
        }
    }

    /// The access token is no longer valid (`M_UNKNOWN_TOKEN`): the user must sign in again.
    pub fn is_unknown_token(&self) -> bool {
        self.errcode() == Some("M_UNKNOWN_TOKEN")
    }

    /// `M_UNKNOWN_TOKEN` with `soft_logout`: sign in again but keep local data.
    pub fn is_soft_logout(&self) -> bool {
        matches!(self, Error::Server(e) if e.soft_logout)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connection(detail) => write!(f, "cannot reach the homeserver ({detail})"),
            Error::Timeout => write!(f, "the homeserver did not answer in time"),
            Error::Aborted => write!(f, "the request was cancelled"),
            Error::Server(e) => write!(f, "{} ({}, HTTP {})", e.message, e.errcode, e.status),
            Error::BadResponse { status, detail } => {
                write!(f, "unexpected answer from the homeserver (HTTP {status}): {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<TransportError> for Error {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Connection(detail) => Error::Connection(detail),
            TransportError::Timeout => Error::Timeout,
            TransportError::Aborted => Error::Aborted,
            TransportError::TooLarge { status, limit } => Error::BadResponse {
                status,
                detail: TransportError::too_large_detail(limit),
            },
        }
    }
}

/// Body of a Matrix error response.
#[derive(serde::Deserialize)]
struct ErrorBody {
    errcode: Option<String>,
    error: Option<String>,
    retry_after_ms: Option<u64>,
    #[serde(default)]
    soft_logout: bool,
    #[serde(rename = "app.rounds.refusal")]
    refusal: Option<String>,
}

impl Error {
    /// Builds the error for a non-2xx response from its status, `Retry-After` header and body.
    pub(crate) fn from_response(status: u16, retry_after: Option<&str>, body: &[u8]) -> Error {
        let header_ms = retry_after
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|secs| secs.saturating_mul(1000));
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(b) => Error::Server(ServerError {
                status,
                errcode: b.errcode.unwrap_or_else(|| "M_UNKNOWN".into()),
                message: b.error.unwrap_or_else(|| format!("HTTP {status}")),
                retry_after_ms: header_ms.or(b.retry_after_ms),
                soft_logout: b.soft_logout,
                refusal: b.refusal,
            }),
            // A proxy's HTML error page or an empty body: keep the status, say what happened.
            Err(_) if status == 429 || status >= 500 => Error::Server(ServerError {
                status,
                errcode: "M_UNKNOWN".into(),
                message: format!("HTTP {status} without a Matrix error body"),
                retry_after_ms: header_ms,
                soft_logout: false,
                refusal: None,
            }),
            Err(_) => Error::BadResponse {
                status,
                detail: "error response is not a Matrix error".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_reads_header_before_body() {
        let e = Error::from_response(
            429,
            Some("3"),
            br#"{"errcode":"M_LIMIT_EXCEEDED","error":"slow","retry_after_ms":500}"#,
        );
        assert_eq!(e.retry_after_ms(), Some(3000));
        assert!(e.is_retryable());
        let e = Error::from_response(429, None, br#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":500}"#);
        assert_eq!(e.retry_after_ms(), Some(500));
    }

    #[test]
    fn unknown_token_with_soft_logout() {
        let e = Error::from_response(
            401,
            None,
            br#"{"errcode":"M_UNKNOWN_TOKEN","error":"gone","soft_logout":true}"#,
        );
        assert!(e.is_unknown_token());
        assert!(e.is_soft_logout());
        assert!(!e.is_retryable());
    }

    #[test]
    fn non_matrix_bodies_are_classified_not_panicked() {
        let e = Error::from_response(502, None, b"<html>bad gateway</html>");
        assert!(e.is_retryable());
        let e = Error::from_response(404, None, b"<html>nope</html>");
        assert!(matches!(e, Error::BadResponse { status: 404, .. }));
        assert!(!e.is_retryable());
    }
}
