//! Renewing the Matrix session's tokens when the homeserver says the access token expired: one
//! tab at a time (a Web Lock per person), and a tab that finds another already renewed takes its
//! tokens (the refresh token is single-use). The kept session is updated, encrypted. A session
//! idle past the clinic's window is not renewed, even in a tab left open: the server ends it.

use super::tabs::with_lock_result;
use super::DeviceStore;
use crate::api::{not_signed_in, refresh_tokens, BrowserTransport, Error, Renew, Tokens};
use crate::session::tab::idle::idle_past;
use std::rc::Rc;

/// The renewal hook of the session of `user` on `homeserver`, keeping tokens in `store`, while
/// the person is active (not past `idle_ms`).
pub fn renewer(store: Rc<DeviceStore>, homeserver: String, user: String, idle_ms: Option<u64>) -> Renew {
    Rc::new(move |expired: Tokens| {
        let (store, homeserver, user) = (store.clone(), homeserver.clone(), user.clone());
        Box::pin(async move {
            let lock = format!("rounds-tokens {user}");
            with_lock_result(lock, renew(store, homeserver, expired, idle_ms))
                .await
                .unwrap_or(Err(Error::Aborted))
        })
    })
}

async fn renew(
    store: Rc<DeviceStore>,
    homeserver: String,
    expired: Tokens,
    idle_ms: Option<u64>,
) -> Result<Tokens, Error> {
    // A session without a refresh token cannot be renewed: never send an empty one.
    let refresh = expired.refresh_token.clone().ok_or_else(not_signed_in)?;
    let DeviceStore::Encrypted(store) = &*store else {
        return refresh_tokens(&BrowserTransport::default(), &homeserver, &refresh).await;
    };
    let saved = store.saved().await.ok().flatten();
    if saved
        .as_ref()
        .is_some_and(|s| idle_past(s.last_active, idle_ms, js_sys::Date::now() as u64))
    {
        return Err(not_signed_in());
    }
    // Another tab renewed meanwhile: its tokens are the session's now.
    if let Some(saved) = saved.as_ref().filter(|s| s.access_token != expired.access_token) {
        return Ok(Tokens {
            access_token: saved.access_token.clone(),
            refresh_token: saved.refresh_token.clone(),
        });
    }
    let fresh = refresh_tokens(&BrowserTransport::default(), &homeserver, &refresh).await?;
    if let Some(mut saved) = saved {
        saved.access_token = fresh.access_token.clone();
        saved.refresh_token = fresh.refresh_token.clone();
        // Not kept: the renewal itself worked, but a reload (or another tab) will not have the
        // new tokens. Said where an IT person looks; the person is asked to sign in then.
        if let Err(e) = store.save_session(&saved).await {
            web_sys::console::warn_1(
                &format!("Rounds: the renewed session could not be kept on this device: {e}").into(),
            );
        }
    }
    Ok(fresh)
}
