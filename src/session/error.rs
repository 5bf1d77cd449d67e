//! The one error the screens see: what went wrong, in words staff can act on, sorted so a
//! screen can choose what to offer (try again, sign in, nothing) without reading a protocol.

use crate::api::Error as ApiError;
use crate::fhir::FhirError;
use crate::provision::ProvisionError;
use crate::store::StoreError;
use crate::sync::outbox::QueueError;
use std::fmt;

/// Which server said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// The homeserver (messages).
    Homeserver,
    /// The clinic's EHR.
    Ehr,
}

/// Why something the person asked for did not happen.
///
/// Its text is a phrase to follow a colon ("The edit was not saved: {error}."): it never
/// carries error codes, HTTP statuses or the browser's own wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The server does not allow this to the person (their role, or a rule such as a time
    /// window that has passed).
    NotAllowed,
    /// The server could not be reached, or is too busy: trying again later may work.
    Unreachable(Server),
    /// Someone else changed it meanwhile.
    Conflict,
    /// Refused for a reason the text gives.
    Refused(String),
    /// The person's sign-in to that server has ended.
    SignedOut(Server),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::NotAllowed => f.write_str("this is not allowed for your role"),
            SessionError::Unreachable(Server::Homeserver) => {
                f.write_str("the homeserver could not be reached (check the connection and try again)")
            }
            SessionError::Unreachable(Server::Ehr) => {
                f.write_str("the EHR could not be reached (try again in a moment)")
            }
            SessionError::Conflict => f.write_str("someone else changed it meanwhile"),
            SessionError::Refused(why) => f.write_str(why),
            SessionError::SignedOut(Server::Homeserver) => f.write_str("your session has ended (sign in again)"),
            SessionError::SignedOut(Server::Ehr) => f.write_str("sign in to the EHR to continue"),
        }
    }
}

impl std::error::Error for SessionError {}

impl SessionError {
    /// Whether the same request may work later (the network, a busy server).
    pub fn is_temporary(&self) -> bool {
        matches!(self, SessionError::Unreachable(_))
    }
}

impl From<ApiError> for SessionError {
    fn from(error: ApiError) -> Self {
        if error.is_unknown_token() {
            return SessionError::SignedOut(Server::Homeserver);
        }
        if error.is_retryable() {
            return SessionError::Unreachable(Server::Homeserver);
        }
        match (&error, error.status()) {
            (ApiError::Aborted, _) => SessionError::Refused("the request was cancelled".into()),
            (_, Some(401)) => SessionError::SignedOut(Server::Homeserver),
            (_, Some(403)) => SessionError::NotAllowed,
            (_, Some(404)) => SessionError::Refused("the homeserver does not have it (any more)".into()),
            (_, Some(409 | 412)) => SessionError::Conflict,
            (_, Some(413)) => SessionError::Refused("too large for the homeserver to accept".into()),
            (ApiError::Server(e), _) if !e.message.trim().is_empty() => {
                SessionError::Refused(format!("the homeserver refused: {}", e.message.trim()))
            }
            _ => SessionError::Refused("the homeserver gave an answer Rounds could not read".into()),
        }
    }
}

impl From<FhirError> for SessionError {
    fn from(error: FhirError) -> Self {
        match error {
            FhirError::Unreachable(_) => SessionError::Unreachable(Server::Ehr),
            FhirError::Conflict => SessionError::Conflict,
            FhirError::SignInNeeded => SessionError::SignedOut(Server::Ehr),
            FhirError::NotAllowed(_) => SessionError::NotAllowed,
            FhirError::Refused { status, .. } if status >= 500 => SessionError::Unreachable(Server::Ehr),
            FhirError::Refused { issues, .. } if !issues.is_empty() => {
                SessionError::Refused(format!("the EHR refused: {}", issues.join("; ")))
            }
            FhirError::Refused { .. } => SessionError::Refused("the EHR refused the change".into()),
            FhirError::BadResponse(_) => SessionError::Refused("the EHR gave an answer Rounds could not read".into()),
        }
    }
}

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        SessionError::Refused(format!("this device could not keep it ({error})"))
    }
}

impl From<QueueError> for SessionError {
    fn from(error: QueueError) -> Self {
        match error {
            QueueError::Refused(refusal) => SessionError::Refused(refusal.to_string()),
            QueueError::Store(e) => e.into(),
        }
    }
}

impl From<ProvisionError> for SessionError {
    fn from(error: ProvisionError) -> Self {
        match error {
            ProvisionError::Api { error, .. } => error.into(),
            ProvisionError::Policy(e) => SessionError::Refused(format!("the clinic's settings do not allow it ({e})")),
            ProvisionError::NotFound(what) => SessionError::Refused(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ServerError;

    fn server(status: u16, errcode: &str) -> ApiError {
        ApiError::Server(ServerError {
            status,
            errcode: errcode.into(),
            message: "Forbidden by the rules".into(),
            retry_after_ms: None,
            soft_logout: false,
            refusal: None,
        })
    }

    #[test]
    fn errors_read_without_protocol_text() {
        let cases = [
            server(429, "M_LIMIT_EXCEEDED"),
            server(403, "M_FORBIDDEN"),
            server(401, "M_UNKNOWN_TOKEN"),
            server(400, "M_BAD_JSON"),
            server(502, "M_UNKNOWN"),
            ApiError::Connection("TypeError: Failed to fetch".into()),
            ApiError::BadResponse {
                status: 200,
                detail: "expected value at line 1".into(),
            },
        ];
        for case in cases {
            let text = SessionError::from(case.clone()).to_string();
            for protocol in ["M_", "HTTP", "TypeError", "429", "403", "401", "Connection("] {
                assert!(!text.contains(protocol), "{case:?} reads {text:?}");
            }
        }
        assert_eq!(SessionError::from(server(403, "M_FORBIDDEN")), SessionError::NotAllowed);
        assert_eq!(
            SessionError::from(server(401, "M_UNKNOWN_TOKEN")),
            SessionError::SignedOut(Server::Homeserver)
        );
        assert!(SessionError::from(server(429, "M_LIMIT_EXCEEDED")).is_temporary());
        assert_eq!(SessionError::from(FhirError::Conflict), SessionError::Conflict);
        assert_eq!(
            SessionError::from(FhirError::Refused {
                status: 422,
                issues: Vec::new()
            })
            .to_string(),
            "the EHR refused the change"
        );
    }
}
