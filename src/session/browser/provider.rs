//! Ending the person's sign-in at the clinic's identity provider with their session (Sign out,
//! idle logoff, a session the server ended): the EHR refresh token is revoked (RFC 7009) and the
//! browser passes through the provider's end-session endpoint (OpenID Connect RP-initiated
//! logout) back to the sign-in page, so the next person at a shared workstation starts from
//! nothing. Where that cannot be done (offline, the provider down), the provider's own rule
//! stands: it asks for the password again at every interactive sign-in of Rounds and Synapse.

use super::ehr::{origin, EhrLink};
use crate::api::BrowserTransport;
use crate::fhir::smart;
use crate::store::SavedSession;

/// What the sign-in page says once the browser is back from the provider (this tab only).
const NOTICE: &str = "rounds-signed-out-notice";

/// Before the device forgets `saved`: revokes its EHR refresh token and says where the browser
/// goes to end the provider sign-in (`None`: the person has none here, or it cannot be ended).
pub(super) async fn end_sign_in(link: Option<&EhrLink>, saved: Option<&SavedSession>) -> Option<String> {
    let (link, saved) = (link?, saved?);
    if saved.ehr.is_none() && !saved.signed_in_at_provider {
        return None;
    }
    // Asked afresh: a provider that does not answer now must not become the browser's error page.
    let provider = link.provider().await.ok().flatten()?;
    let transport = BrowserTransport::default();
    smart::provider_answers(&transport, &provider).await.ok()?;
    if let Some(ehr) = &saved.ehr {
        // Best effort: unused, it also expires with the idle window.
        let _ = smart::revoke(&transport, &provider, &link.client_id, &ehr.refresh_token).await;
    }
    let hint = saved.ehr.as_ref().and_then(|e| e.id_token.as_deref());
    smart::end_session_url(&provider, &link.client_id, hint, &format!("{}/", origin()))
}

/// Sends the browser to `url` (from [`end_sign_in`]); back on the sign-in page, it says
/// `notice`. Whether the page is leaving (not offline, and the browser went).
pub(super) fn leave_for(url: &str, notice: Option<&str>) -> bool {
    let Some(window) = web_sys::window() else { return false };
    if !window.navigator().on_line() {
        return false;
    }
    if let (Some(notice), Ok(Some(storage))) = (notice, window.session_storage()) {
        let _ = storage.set_item(NOTICE, notice);
    }
    window.location().replace(url).is_ok()
}

/// What the sign-in page should say after the browser came back from ending the sign-in (once).
pub(super) fn notice_after_leaving() -> Option<String> {
    let storage = web_sys::window()?.session_storage().ok()??;
    let notice = storage.get_item(NOTICE).ok()?;
    let _ = storage.remove_item(NOTICE);
    notice
}
