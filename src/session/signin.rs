//! Becoming a session: signing in (password, then joining the clinic's rooms the roles allow),
//! or continuing one the device kept. Errors come out as sentences staff can act on.

use super::core::Start;
use super::error::SessionError;
use crate::api::{Client, Error, Session as Token, Transport};
use crate::provision::{self, Clinic, ProvisionError};
use crate::store::{InboxCache, SavedSession};
use std::fmt;

/// `app.rounds.refusal` of a password login refused because the account signs in through the
/// clinic's identity provider.
const SINGLE_SIGN_ON_ONLY: &str = "single_sign_on_only";

/// Why signing in did not work.
#[derive(Debug)]
pub enum SignInError {
    /// The homeserver refused or could not be reached (at `homeserver`).
    Login {
        /// The error.
        error: Error,
        /// The address tried.
        homeserver: String,
    },
    /// Signed in, but the clinic could not be entered.
    Clinic(ProvisionError),
    /// Nothing to sign in with.
    Missing,
    /// A single sign-on answer this tab did not ask for, or one already used.
    Forged,
    /// The clinic's sign-in page sent the person back without signing in: `cancelled` by
    /// them, or refused there.
    NotCompleted {
        /// The person chose Cancel.
        cancelled: bool,
    },
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInError::Missing => write!(f, "Enter your username and password."),
            SignInError::Forged => write!(
                f,
                "This sign-in link was not started here, or was already used. Nothing was signed in: sign in again."
            ),
            SignInError::NotCompleted { cancelled: true } => write!(
                f,
                "The clinic sign-in was cancelled. Nothing was signed in: sign in again when you are ready."
            ),
            SignInError::NotCompleted { cancelled: false } => write!(
                f,
                "The clinic sign-in did not complete. Try again; if it keeps happening, ask your clinic's IT."
            ),
            SignInError::Login { error, homeserver } => match error {
                Error::Server(e) if e.refusal.as_deref() == Some(SINGLE_SIGN_ON_ONLY) => write!(
                    f,
                    "This account signs in through your clinic's sign-in page: use the clinic sign-in button, not a password."
                ),
                Error::Server(e) if e.errcode == "M_FORBIDDEN" => write!(f, "Wrong username or password."),
                Error::Server(e) if e.errcode == "M_USER_DEACTIVATED" => {
                    write!(f, "This account has been deactivated.")
                }
                Error::Server(e) if e.status == 429 => write!(f, "Too many attempts. Wait a moment and try again."),
                Error::Connection(_) | Error::Timeout => write!(
                    f,
                    "Cannot reach the homeserver at {homeserver}. Check the address and your connection."
                ),
                // In staff's words (SessionError): never an errcode or an HTTP status.
                other => write!(f, "Sign-in did not work: {}.", SessionError::from(other.clone())),
            },
            SignInError::Clinic(ProvisionError::NotFound(what)) => write!(
                f,
                "You have no access to this clinic yet ({what}). Ask a clinic admin to give you a role."
            ),
            SignInError::Clinic(other) => {
                write!(f, "The clinic could not be loaded: {}.", SessionError::from(other.clone()))
            }
        }
    }
}

/// Signs `user` in with a password and enters the clinic `prefix` (accepting role invites and
/// joining the categories the roles allow). A person without access is signed out again, so no
/// live token is left behind.
pub async fn sign_in<T: Transport + Clone>(
    transport: T,
    homeserver: &str,
    user: &str,
    password: &str,
    prefix: &str,
) -> Result<Start<T>, SignInError> {
    if user.trim().is_empty() || password.is_empty() {
        return Err(SignInError::Missing);
    }
    let mut client = Client::new(transport, homeserver);
    client
        .login(user.trim(), password, None)
        .await
        .map_err(login_refused(homeserver))?;
    enter(client, prefix).await
}

/// Completes single sign-on: redeems the `loginToken` the homeserver sent the browser back with,
/// then enters the clinic like [`sign_in`].
pub async fn sign_in_with_token<T: Transport + Clone>(
    transport: T,
    homeserver: &str,
    login_token: &str,
    prefix: &str,
) -> Result<Start<T>, SignInError> {
    let mut client = Client::new(transport, homeserver);
    client
        .login_with_token(login_token)
        .await
        .map_err(login_refused(homeserver))?;
    enter(client, prefix).await
}

/// Enters the clinic with the homeserver's answer to a password sign-in sent before the app had
/// loaded (`status` 0: it did not arrive, `body` says why); refusals read as in [`sign_in`].
pub async fn sign_in_answered<T: Transport + Clone>(
    transport: T,
    homeserver: &str,
    status: u16,
    body: &[u8],
    prefix: &str,
) -> Result<Start<T>, SignInError> {
    let mut client = Client::new(transport, homeserver);
    client
        .accept_login_answer(status, body)
        .map_err(login_refused(homeserver))?;
    enter(client, prefix).await
}

fn login_refused(homeserver: &str) -> impl FnOnce(crate::api::Error) -> SignInError + '_ {
    move |error| SignInError::Login {
        error,
        homeserver: homeserver.to_owned(),
    }
}

async fn enter<T: Transport + Clone>(mut client: Client<T>, prefix: &str) -> Result<Start<T>, SignInError> {
    match provision::enter_clinic(&client, prefix).await {
        Ok(membership) => Ok(Start {
            client,
            clinic: membership.clinic,
            joined: membership.joined,
            display_name: membership.display_name,
            cache: None,
        }),
        Err(e) => {
            let _ = client.logout().await;
            Err(SignInError::Clinic(e))
        }
    }
}

/// What the device keeps to continue a session after a reload (encrypted by the store), as of
/// `now` (the person's last activity).
pub fn to_keep<T: Transport>(start: &Start<T>, now: u64) -> Option<SavedSession> {
    let who = start.client.session()?;
    let tokens = start.client.tokens()?;
    Some(SavedSession {
        homeserver: start.client.homeserver().to_owned(),
        user_id: who.user_id.clone(),
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        device_id: who.device_id.clone(),
        clinic_space: start.clinic.space.clone(),
        policy: start.clinic.policy.clone(),
        joined: start.joined.iter().cloned().collect(),
        display_name: start.display_name.clone(),
        last_active: now,
        ehr: None,
        signed_in_at_provider: false,
    })
}

/// Continues a session the device kept, with its kept inbox: no network needed to paint.
pub fn resume<T: Transport>(transport: T, saved: SavedSession, cache: Option<InboxCache>) -> Start<T> {
    let client = Client::new(transport, &saved.homeserver).with_session(Token {
        user_id: saved.user_id,
        access_token: saved.access_token,
        device_id: saved.device_id,
        refresh_token: saved.refresh_token,
    });
    Start {
        client,
        clinic: Clinic {
            space: saved.clinic_space,
            policy: saved.policy,
        },
        joined: saved.joined.into_iter().collect(),
        display_name: saved.display_name,
        cache,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ServerError;

    fn server(status: u16, errcode: &str, message: &str) -> Error {
        Error::Server(ServerError {
            status,
            errcode: errcode.into(),
            message: message.into(),
            retry_after_ms: None,
            soft_logout: false,
            refusal: None,
        })
    }

    #[test]
    fn every_sign_in_failure_reads_without_protocol_text() {
        let login = |error: Error| SignInError::Login {
            error,
            homeserver: "https://matrix.clinic.example".into(),
        };
        let cases = [
            login(server(400, "M_BAD_JSON", "Invalid JSON")),
            login(server(502, "M_UNKNOWN", "HTTP 502 without a Matrix error body")),
            login(server(429, "M_LIMIT_EXCEEDED", "Too Many Requests")),
            login(Error::Connection("TypeError: Failed to fetch".into())),
            login(Error::BadResponse {
                status: 200,
                detail: "malformed JSON: expected value".into(),
            }),
            SignInError::Clinic(ProvisionError::Api {
                step: "joining #rounds.clinical".into(),
                error: server(403, "M_FORBIDDEN", "You are not invited to this room."),
            }),
            SignInError::NotCompleted { cancelled: true },
            SignInError::NotCompleted { cancelled: false },
        ];
        for case in cases {
            let text = case.to_string();
            for protocol in [
                "M_",
                "HTTP",
                "TypeError",
                "429",
                "403",
                "502",
                "Connection(",
                "malformed",
            ] {
                assert!(!text.contains(protocol), "{case:?} reads {text:?}");
            }
        }
    }
}
