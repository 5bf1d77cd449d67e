//! Single sign-on into Matrix through the clinic's identity provider: the browser goes to the
//! homeserver, which sends it to the provider and back to `/auth/matrix` with a one-time login
//! token. A nonce kept in this tab (sessionStorage) refuses answers this tab did not ask for.

use super::super::signin::{self, SignInError};
use super::super::Start;
use crate::api::{BrowserTransport, Client, LoginFlows};

const NONCE: &str = "rounds-sso-nonce";
const HOMESERVER: &str = "rounds-sso-homeserver";

/// How the homeserver at `homeserver` lets people sign in.
pub async fn login_options(homeserver: &str) -> Result<LoginFlows, SignInError> {
    Client::new(BrowserTransport::default(), homeserver)
        .login_flows()
        .await
        .map_err(|error| SignInError::Login {
            error,
            homeserver: homeserver.to_owned(),
        })
}

/// Where to send the browser to sign in through `provider` (the provider asks for the password
/// even if it still has a session: shared workstations).
pub fn sso_start(homeserver: &str, provider: &str) -> Result<String, SignInError> {
    // Without randomness or sessionStorage the answer could not be checked: refuse to start.
    let nonce = random_nonce().ok_or(SignInError::Forged)?;
    session_storage()
        .and_then(|s| {
            s.set_item(NONCE, &nonce)
                .ok()
                .and_then(|()| s.set_item(HOMESERVER, homeserver).ok())
        })
        .ok_or(SignInError::Forged)?;
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let back = format!("{origin}/auth/matrix?n={nonce}");
    Ok(Client::new(BrowserTransport::default(), homeserver).sso_redirect_url(provider, &back, true))
}

/// Completes single sign-on from the query the browser came back with (`?n=…&loginToken=…`), on
/// the homeserver the sign-in was started with.
pub(super) async fn sso_complete(query: &str, prefix: &str) -> Result<Start<BrowserTransport>, SignInError> {
    let field = |name: &str| {
        query.trim_start_matches('?').split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
        })
    };
    let storage = session_storage();
    let kept = |key: &str| {
        let value = storage.as_ref().and_then(|s| s.get_item(key).ok().flatten());
        if let Some(s) = &storage {
            let _ = s.remove_item(key);
        }
        value
    };
    let (expected, homeserver) = (kept(NONCE), kept(HOMESERVER));
    // Sent back by the homeserver's error page (deploy/synapse/templates/sso_error.html): say
    // why in staff's words; the provider's own wording is never shown.
    if let Some(error) = field("error") {
        return Err(SignInError::NotCompleted {
            cancelled: error == "access_denied",
        });
    }
    let (Some(token), Some(nonce)) = (field("loginToken"), field("n")) else {
        return Err(SignInError::Forged);
    };
    let (true, Some(homeserver)) = (expected.as_deref() == Some(nonce.as_str()), homeserver) else {
        return Err(SignInError::Forged);
    };
    signin::sign_in_with_token(BrowserTransport::default(), &homeserver, &token, prefix).await
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// 128 random bits, hex; `None` where the browser cannot give them (a predictable nonce,
/// state or PKCE verifier must never be used).
pub(super) fn random_nonce() -> Option<String> {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
