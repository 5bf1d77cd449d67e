//! Becoming the session of this tab: signing in (password, or coming back from single
//! sign-on), or continuing the session this device kept; then the session runs here.

use super::ehr::{self, EhrLink, EhrProblem};
use super::host::BrowserHost;
use super::{provider, sso, tokens, AppTab, DeviceStore};
use crate::api::BrowserTransport;
use crate::session::labels::Labels;
use crate::session::signin::{self, SignInError};
use crate::session::tab::idle::idle_past;
use crate::session::tab::TabSession;
use crate::session::{device_secret, Session, Start};
use crate::store::{random_bytes, LocalStore, Opening, Store, StoreNotice};
use crate::sync::BrowserPlatform;
use std::rc::Rc;

/// Where single sign-on sends the browser back (with `?n=…&loginToken=…`).
pub const SSO_RETURN: &str = "/auth/matrix";
/// Where the EHR authorization sends the browser back (with `?code=…&state=…`).
pub const EHR_RETURN: &str = "/auth/ehr";

/// What this portal gives every session (from its `config.json`).
#[derive(Clone)]
pub struct Portal {
    /// Alias prefix of the clinic's rooms.
    pub prefix: String,
    /// The portal's own names for categories and roles.
    pub labels: Labels,
    /// The clinic's idle timeout.
    pub idle_ms: Option<u64>,
    /// How long a shared device keeps the records of someone who has not signed in there since.
    pub forget_others_after_ms: Option<u64>,
    /// The clinic's EHR, if the portal has one.
    pub ehr: Option<EhrLink>,
}

/// How the app starts in this tab.
pub enum Startup {
    /// Nobody is signed in here: the sign-in page, with what it should say.
    SignedOut {
        /// Why the person was signed out (after an idle logoff, say).
        notice: Option<String>,
        /// What went wrong (a failed single sign-on, a store that cannot be opened).
        problem: Option<String>,
    },
    /// The session runs in this tab.
    Running {
        /// It.
        tab: Rc<AppTab>,
        /// What the device cannot keep, if anything.
        problem: Option<String>,
        /// An EHR authorization the browser came back with: where to go back to, or why it
        /// did not work.
        ehr: Option<Result<String, EhrProblem>>,
    },
    /// The browser is on its way to the EHR's authorization (right after single sign-on).
    Leaving,
}

/// Starts the app in this tab from where the browser is (`path`, `query`): completes a return
/// from single sign-on or from the EHR, or continues the kept session. `notice` hears what other
/// tabs do to this tab's database.
pub async fn start(portal: &Portal, path: &str, query: &str, notice: impl Fn(StoreNotice) + 'static) -> Startup {
    if path == SSO_RETURN {
        let signed_in = match sso::sso_complete(query, &portal.prefix).await {
            Ok(start) => start,
            Err(e) => {
                return Startup::SignedOut {
                    notice: None,
                    problem: Some(e.to_string()),
                }
            }
        };
        let (tab, problem) = bind(portal, signed_in, true, notice).await;
        // Right after signing in, the EHR authorization needs no second password: it is asked
        // for before the inbox shows (the page leaves for a moment and comes back).
        let ehr = match &portal.ehr {
            Some(_) => match ehr::connect_ehr(&tab, "/", true).await {
                Ok(()) => return Startup::Leaving,
                Err(e) => Some(Err(e)),
            },
            None => None,
        };
        return Startup::Running { tab, problem, ehr };
    }
    let (store, saved) = match Store::restore(notice).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Startup::SignedOut {
                notice: provider::notice_after_leaving(),
                problem: None,
            }
        }
        Err(e) => {
            return Startup::SignedOut {
                notice: None,
                problem: Some(e.to_string()),
            }
        }
    };
    let now = js_sys::Date::now() as u64;
    if idle_past(saved.last_active, portal.idle_ms, now) {
        let _ = store.forget_session().await;
        store.close();
        return Startup::SignedOut {
            notice: Some("You were signed out because Rounds was not used for a while. Your drafts are saved.".into()),
            problem: None,
        };
    }
    // A damaged or old cache only costs the first paint; the sync brings everything back.
    let (cache, problem) = match store.load_cache().await {
        Ok(cache) => (cache, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let kept_ehr = saved.ehr.clone();
    let start = signin::resume(BrowserTransport::default(), saved, cache);
    let tab = run(portal, start, Rc::new(DeviceStore::Encrypted(store)));
    if let (Some(kept), Some(ehr)) = (kept_ehr, tab.session().ehr()) {
        // Renewed from the kept authorization on the first request that needs it.
        ehr.connect(None, &kept.scope);
    }
    let ehr = if path == EHR_RETURN {
        Some(ehr::complete_ehr(&tab, query).await)
    } else {
        None
    };
    Startup::Running { tab, problem, ehr }
}

/// Signs in with a password and starts the session.
pub async fn sign_in(
    portal: &Portal,
    homeserver: &str,
    user: &str,
    password: &str,
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<(Rc<AppTab>, Option<String>), SignInError> {
    let start = signin::sign_in(BrowserTransport::default(), homeserver, user, password, &portal.prefix).await?;
    Ok(bind(portal, start, false, notice).await)
}

/// Starts the session from the homeserver's answer to a sign-in sent before the app had loaded
/// (see [`signin::sign_in_answered`]), like [`sign_in`].
pub async fn sign_in_answered(
    portal: &Portal,
    homeserver: &str,
    (status, body): (u16, String),
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<(Rc<AppTab>, Option<String>), SignInError> {
    let start = signin::sign_in_answered(
        BrowserTransport::default(),
        homeserver,
        status,
        body.as_bytes(),
        &portal.prefix,
    )
    .await?;
    Ok(bind(portal, start, false, notice).await)
}

/// A signed-in start made the session of this tab: the person's encrypted store opened (or why
/// it cannot be), the session kept there for reloads (`at_provider`: signed in through the
/// clinic's identity provider, whose sign-in ends with the session).
async fn bind(
    portal: &Portal,
    start: Start<BrowserTransport>,
    at_provider: bool,
    notice: impl Fn(StoreNotice) + 'static,
) -> (Rc<AppTab>, Option<String>) {
    let (store, mut problem) = match open_store(portal, &start, notice).await {
        Ok(store) => (DeviceStore::Encrypted(store), None),
        Err(problem) => (DeviceStore::Memory(Box::default()), Some(problem)),
    };
    if let (DeviceStore::Encrypted(store), Some(mut saved)) =
        (&store, signin::to_keep(&start, js_sys::Date::now() as u64))
    {
        saved.signed_in_at_provider = at_provider;
        if let Err(e) = store.save_session(&saved).await {
            problem = Some(e.to_string());
        }
    }
    (run(portal, start, Rc::new(store)), problem)
}

/// The person's encrypted store, opened with their device secret from the homeserver; why not,
/// in staff's words (the session then keeps drafts in this tab only).
async fn open_store(
    portal: &Portal,
    start: &Start<BrowserTransport>,
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<Store, String> {
    let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    let fresh = random_bytes(32).map_err(|e| e.to_string())?;
    let secret = device_secret(&start.client, &fresh)
        .await
        .map_err(|e| format!("Drafts are kept in this tab only: {e}."))?;
    let opening = Opening {
        user: &me,
        secret: &secret,
        forget_others_after_ms: portal.forget_others_after_ms,
        now_ms: js_sys::Date::now() as u64,
    };
    Store::open(&opening, notice).await.map_err(|e| e.to_string())
}

/// The session of `start` running in this tab: token renewals shared between tabs, the
/// portal's EHR, the tab's surroundings.
fn run(portal: &Portal, mut start: Start<BrowserTransport>, store: Rc<DeviceStore>) -> Rc<AppTab> {
    let homeserver = start.client.homeserver().to_owned();
    let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    start.client = start
        .client
        .renewing_with(tokens::renewer(store.clone(), homeserver, me.clone(), portal.idle_ms));
    let session = Session::new(start, store.clone(), BrowserPlatform, portal.labels.clone());
    if let Some(link) = &portal.ehr {
        session.set_ehr(ehr::client(link, store.clone(), &me, portal.idle_ms));
    }
    let host = BrowserHost::new(session.clone(), store, portal.ehr.clone());
    let tab = TabSession::new(session, host, portal.idle_ms);
    tab.host().watch(&tab);
    tab
}
