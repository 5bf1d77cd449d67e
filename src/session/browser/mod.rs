//! The session in a browser tab: gloo-net, the encrypted IndexedDB store, timers, single sign-on
//! and the SMART launch (redirects), and the coordination of several tabs of one person (one tab
//! at a time sends the outbox or renews tokens, through Web Locks; a BroadcastChannel tells the
//! others what changed, when someone was active, and when someone signed out).

mod ehr;
pub mod push;
mod sso;
mod tabs;
mod tokens;

pub use ehr::{ehr, ehr_complete, ehr_connect, ehr_restore, EhrLink, EhrProblem};
pub use sso::{login_options, sso_complete, sso_start};
pub use tabs::{with_lock, with_lock_result, TabMessage, Tabs};

use super::ehr::Ehr;
use super::labels::Labels;
use super::service::{Session, Start};
use super::signin::{self, SignInError};
use crate::api::BrowserTransport;
use crate::store::{DraftKey, InboxCache, LocalStore, MemoryStore, OutboxItem, Store, StoreError, StoreNotice};
use crate::sync::BrowserPlatform;
use std::rc::Rc;

/// The session of the app.
pub type AppSession = Session<BrowserTransport, DeviceStore, BrowserPlatform>;
/// The EHR of the app.
pub type AppEhr = Ehr<BrowserTransport>;

/// Where this device keeps the person's data: encrypted IndexedDB, or — where the browser
/// refuses it (private browsing) — memory only, so the app still works and says what is lost.
pub enum DeviceStore {
    /// The encrypted IndexedDB store.
    Encrypted(Store),
    /// Nothing survives a reload.
    Memory(MemoryStore),
}

/// Calls the same `LocalStore` method on whichever store this device has.
macro_rules! on_either {
    ($store:expr, $s:ident => $call:expr) => {
        match $store {
            DeviceStore::Encrypted($s) => $call.await,
            DeviceStore::Memory($s) => $call.await,
        }
    };
}

impl LocalStore for DeviceStore {
    async fn put_outbox(&self, item: &OutboxItem) -> Result<(), StoreError> {
        on_either!(self, s => s.put_outbox(item))
    }

    async fn remove_outbox(&self, seq: u64) -> Result<(), StoreError> {
        on_either!(self, s => s.remove_outbox(seq))
    }

    async fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        on_either!(self, s => s.outbox())
    }

    async fn put_file(&self, txn_id: &str, data: &[u8]) -> Result<(), StoreError> {
        on_either!(self, s => s.put_file(txn_id, data))
    }

    async fn file(&self, txn_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        on_either!(self, s => s.file(txn_id))
    }

    async fn remove_file(&self, txn_id: &str) -> Result<(), StoreError> {
        on_either!(self, s => s.remove_file(txn_id))
    }

    async fn save_cache(&self, cache: &InboxCache) -> Result<(), StoreError> {
        on_either!(self, s => s.save_cache(cache))
    }

    async fn load_cache(&self) -> Result<Option<InboxCache>, StoreError> {
        on_either!(self, s => s.load_cache())
    }

    async fn save_draft(&self, key: &DraftKey, text: &str) -> Result<(), StoreError> {
        on_either!(self, s => s.save_draft(key, text))
    }

    async fn load_draft(&self, key: &DraftKey) -> Result<Option<String>, StoreError> {
        on_either!(self, s => s.load_draft(key))
    }

    async fn draft_keys(&self) -> Result<Vec<DraftKey>, StoreError> {
        on_either!(self, s => s.draft_keys())
    }
}

/// A running session with the store it keeps its data in.
#[derive(Clone)]
pub struct Bound {
    /// The session.
    pub session: AppSession,
    /// Its store (drafts are read and written here directly).
    pub store: Rc<DeviceStore>,
}

/// What a store problem means to the person, if there is one.
pub type Problem = Option<String>;

/// Signs in with a password and starts the session: opens the person's encrypted store (or
/// explains why it cannot) and keeps the session there for reloads.
pub async fn sign_in(
    homeserver: &str,
    user: &str,
    password: &str,
    prefix: &str,
    labels: Labels,
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<(Bound, Problem), SignInError> {
    let start = signin::sign_in(BrowserTransport::default(), homeserver, user, password, prefix).await?;
    Ok(bind(start, labels, notice).await)
}

/// Starts the session from the homeserver's answer to a sign-in sent before the app had loaded
/// (see [`signin::sign_in_answered`]), like [`sign_in`].
pub async fn sign_in_answered(
    homeserver: &str,
    (status, body): (u16, String),
    prefix: &str,
    labels: Labels,
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<(Bound, Problem), SignInError> {
    let start =
        signin::sign_in_answered(BrowserTransport::default(), homeserver, status, body.as_bytes(), prefix).await?;
    Ok(bind(start, labels, notice).await)
}

/// A signed-in start made the session of this tab: the person's encrypted store opened (or why
/// it cannot be), the session kept there for reloads, token renewals shared between tabs.
async fn bind(
    start: Start<BrowserTransport>,
    labels: Labels,
    notice: impl Fn(StoreNotice) + 'static,
) -> (Bound, Problem) {
    let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    let (store, mut problem) = match Store::open(&me, notice).await {
        Ok(store) => (DeviceStore::Encrypted(store), None),
        Err(e) => (DeviceStore::Memory(MemoryStore::default()), Some(e.to_string())),
    };
    if let (DeviceStore::Encrypted(store), Some(saved)) = (&store, signin::to_keep(&start, js_sys::Date::now() as u64))
    {
        if let Err(e) = store.save_session(&saved).await {
            problem = Some(e.to_string());
        }
    }
    let store = Rc::new(store);
    (start_session(start, store.clone(), labels), problem)
}

fn start_session(mut start: Start<BrowserTransport>, store: Rc<DeviceStore>, labels: Labels) -> Bound {
    let homeserver = start.client.homeserver().to_owned();
    let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    start.client = start
        .client
        .renewing_with(tokens::renewer(store.clone(), homeserver, me));
    let session = Session::new(start, store.clone(), BrowserPlatform, labels);
    Bound { session, store }
}

/// What was found on this device at start-up.
pub enum Restored {
    /// Nobody is signed in here.
    Nobody,
    /// A session was kept, but idle longer than the clinic allows: sign in again (drafts kept).
    IdleTooLong,
    /// The session, continued.
    Session(Bound, Problem),
}

/// Continues the session kept on this device, painting its kept inbox first (no network), if
/// it was active within the last `idle_ms` (in any tab).
pub async fn restore(
    labels: Labels,
    idle_ms: Option<u64>,
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<Restored, StoreError> {
    let Some((store, saved)) = Store::restore(notice).await? else {
        return Ok(Restored::Nobody);
    };
    let now = js_sys::Date::now() as u64;
    if idle_ms.is_some_and(|limit| saved.last_active > 0 && now.saturating_sub(saved.last_active) > limit) {
        store.forget_session().await?;
        store.close();
        return Ok(Restored::IdleTooLong);
    }
    // A damaged or old cache only costs the first paint; the sync brings everything back.
    let (cache, problem) = match store.load_cache().await {
        Ok(cache) => (cache, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let start = signin::resume(BrowserTransport::default(), saved, cache);
    let store = Rc::new(DeviceStore::Encrypted(store));
    Ok(Restored::Session(start_session(start, store, labels), problem))
}

/// The person was active (in this tab or another): kept with the session, so that a session idle
/// too long is not continued after a reload.
pub async fn touch(bound: &Bound, now: u64) {
    if let DeviceStore::Encrypted(store) = &*bound.store {
        if let Ok(Some(mut saved)) = store.saved().await {
            saved.last_active = now;
            // A lost touch only shortens how long a closed tab could be reopened.
            let _ = store.save_session(&saved).await;
        }
    }
}

/// How a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `Sign out`: the server is told, every local database, key and cache is deleted.
    SignOut,
    /// Idle logoff or an expired token: the server is told (if it can be), the kept session is
    /// forgotten; drafts and unsent messages stay encrypted for the same person's next sign-in.
    KeepDrafts,
    /// Another tab signed out or logged off: stop here; that tab tells the server and the store.
    Elsewhere,
}

/// Ends the session as `ending` says; the error, if any, says what could not be deleted.
pub async fn end(bound: &Bound, ending: Ending) -> Result<(), StoreError> {
    match ending {
        Ending::Elsewhere => {
            bound.session.stop();
            Ok(())
        }
        Ending::SignOut | Ending::KeepDrafts => {
            // While the session can still tell the homeserver.
            push::disable(&bound.session).await;
            bound.session.sign_out().await;
            match (&*bound.store, ending) {
                (DeviceStore::Encrypted(store), Ending::SignOut) => store.wipe().await,
                (DeviceStore::Encrypted(store), _) => store.forget_session().await.map(|()| store.close()),
                (DeviceStore::Memory(_), _) => Ok(()),
            }
        }
    }
}
