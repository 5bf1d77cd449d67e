//! Turning client errors into sentences staff can act on.

use crate::api::Error;
use crate::provision::ProvisionError;

/// A sign-in failure, in plain words.
pub fn sign_in_message(error: &Error, homeserver: &str) -> String {
    match error {
        Error::Server(e) if e.errcode == "M_FORBIDDEN" => "Wrong username or password.".into(),
        Error::Server(e) if e.errcode == "M_USER_DEACTIVATED" => "This account has been deactivated.".into(),
        Error::Server(e) if e.status == 429 => "Too many attempts. Wait a moment and try again.".into(),
        Error::Connection(_) | Error::Timeout => {
            format!("Cannot reach the homeserver at {homeserver}. Check the address and your connection.")
        }
        other => format!("Sign-in failed: {other}"),
    }
}

/// A failure while loading the clinic after sign-in.
pub fn clinic_message(error: &ProvisionError) -> String {
    match error {
        ProvisionError::NotFound(what) => {
            format!("You have no access to this clinic yet ({what}). Ask a clinic admin to give you a role.")
        }
        other => format!("The clinic could not be loaded: {other}"),
    }
}
