//! The session in a browser tab: gloo-net, the encrypted IndexedDB store, timers, and the
//! coordination of several tabs of one person (one tab sends the outbox at a time, through Web
//! Locks; a BroadcastChannel tells the others what changed and when someone signed out).

use super::ehr::Ehr;
use super::labels::Labels;
use super::service::{Session, Start};
use super::signin::{self, SignInError};
use crate::api::BrowserTransport;
use crate::fhir::FhirClient;
use crate::store::{DraftKey, InboxCache, LocalStore, MemoryStore, OutboxItem, Store, StoreError, StoreNotice};
use crate::sync::BrowserPlatform;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

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

impl LocalStore for DeviceStore {
    async fn put_outbox(&self, item: &OutboxItem) -> Result<(), StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.put_outbox(item).await,
            DeviceStore::Memory(s) => s.put_outbox(item).await,
        }
    }

    async fn remove_outbox(&self, seq: u64) -> Result<(), StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.remove_outbox(seq).await,
            DeviceStore::Memory(s) => s.remove_outbox(seq).await,
        }
    }

    async fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.outbox().await,
            DeviceStore::Memory(s) => s.outbox().await,
        }
    }

    async fn save_cache(&self, cache: &InboxCache) -> Result<(), StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.save_cache(cache).await,
            DeviceStore::Memory(s) => s.save_cache(cache).await,
        }
    }

    async fn load_cache(&self) -> Result<Option<InboxCache>, StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.load_cache().await,
            DeviceStore::Memory(s) => s.load_cache().await,
        }
    }

    async fn save_draft(&self, key: &DraftKey, text: &str) -> Result<(), StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.save_draft(key, text).await,
            DeviceStore::Memory(s) => s.save_draft(key, text).await,
        }
    }

    async fn load_draft(&self, key: &DraftKey) -> Result<Option<String>, StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.load_draft(key).await,
            DeviceStore::Memory(s) => s.load_draft(key).await,
        }
    }

    async fn draft_keys(&self) -> Result<Vec<DraftKey>, StoreError> {
        match self {
            DeviceStore::Encrypted(s) => s.draft_keys().await,
            DeviceStore::Memory(s) => s.draft_keys().await,
        }
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
    let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    let (store, mut problem) = match Store::open(&me, notice).await {
        Ok(store) => (DeviceStore::Encrypted(store), None),
        Err(e) => (DeviceStore::Memory(MemoryStore::default()), Some(e.to_string())),
    };
    if let (DeviceStore::Encrypted(store), Some(saved)) = (&store, signin::to_keep(&start)) {
        if let Err(e) = store.save_session(&saved).await {
            problem = Some(e.to_string());
        }
    }
    let store = Rc::new(store);
    let session = Session::new(start, store.clone(), BrowserPlatform, labels);
    Ok((Bound { session, store }, problem))
}

/// Continues the session kept on this device, painting its kept inbox first (no network).
/// `Ok(None)` when nobody is signed in here.
pub async fn restore(
    labels: Labels,
    notice: impl Fn(StoreNotice) + 'static,
) -> Result<Option<(Bound, Problem)>, StoreError> {
    let Some((store, saved)) = Store::restore(notice).await? else {
        return Ok(None);
    };
    // A damaged or old cache only costs the first paint; the sync brings everything back.
    let (cache, problem) = match store.load_cache().await {
        Ok(cache) => (cache, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let start: Start<BrowserTransport> = signin::resume(BrowserTransport::default(), saved, cache);
    let store = Rc::new(DeviceStore::Encrypted(store));
    let session = Session::new(start, store.clone(), BrowserPlatform, labels);
    Ok(Some((Bound { session, store }, problem)))
}

/// How a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `Sign out`: the server is told, every local database, key and cache is deleted.
    SignOut,
    /// Idle logoff or an expired token: the server is told (if it can be), the kept session is
    /// forgotten; drafts and unsent messages stay encrypted for the same person's next sign-in.
    KeepDrafts,
    /// Another tab signed out: stop here; that tab deletes what is stored.
    ElsewhereSignedOut,
}

/// Ends the session as `ending` says; the error, if any, says what could not be deleted.
pub async fn end(bound: &Bound, ending: Ending) -> Result<(), StoreError> {
    match ending {
        Ending::ElsewhereSignedOut => {
            bound.session.stop();
            Ok(())
        }
        Ending::SignOut | Ending::KeepDrafts => {
            bound.session.sign_out().await;
            match (&*bound.store, ending) {
                (DeviceStore::Encrypted(store), Ending::SignOut) => store.wipe().await,
                (DeviceStore::Encrypted(store), _) => store.forget_session().await.map(|()| store.close()),
                (DeviceStore::Memory(_), _) => Ok(()),
            }
        }
    }
}

/// The EHR client for this portal's FHIR server.
pub fn ehr(base_url: &str, token: Option<String>) -> AppEhr {
    Ehr::new(FhirClient::new(BrowserTransport::default(), base_url, token))
}

/// Runs `work` while this tab holds the browser-wide lock `name`: one tab at a time, the others
/// wait their turn. Without Web Locks (old browsers) it just runs.
pub async fn with_lock(name: String, work: impl Future<Output = ()> + 'static) {
    let Some(window) = web_sys::window() else {
        return work.await;
    };
    let locks = js_sys::Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let request = js_sys::Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = request.filter(|_| !locks.is_undefined()) else {
        return work.await;
    };
    let work = std::cell::RefCell::new(Some(work));
    let granted = Closure::once(move |_lock: JsValue| -> js_sys::Promise {
        let work = work.borrow_mut().take();
        wasm_bindgen_futures::future_to_promise(async move {
            if let Some(work) = work {
                work.await;
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    if let Ok(promise) = request.call2(&locks, &name.as_str().into(), granted.as_ref()) {
        if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
    }
}

/// Messages between this person's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabMessage {
    /// The send queue changed in another tab.
    Outbox,
    /// Someone signed out in another tab.
    SignedOut,
}

impl TabMessage {
    fn as_str(self) -> &'static str {
        match self {
            TabMessage::Outbox => "outbox",
            TabMessage::SignedOut => "signed-out",
        }
    }
}

/// The channel between this origin's tabs (a no-op where BroadcastChannel is missing).
pub struct Tabs {
    channel: Option<web_sys::BroadcastChannel>,
    _listener: Option<Closure<dyn Fn(web_sys::MessageEvent)>>,
}

impl Tabs {
    /// Joins the channel; `heard` gets what other tabs send.
    pub fn join(heard: impl Fn(TabMessage) + 'static) -> Tabs {
        let Ok(channel) = web_sys::BroadcastChannel::new("rounds") else {
            return Tabs {
                channel: None,
                _listener: None,
            };
        };
        let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            match event.data().as_string().as_deref() {
                Some("outbox") => heard(TabMessage::Outbox),
                Some("signed-out") => heard(TabMessage::SignedOut),
                _ => {}
            }
        });
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Tabs {
            channel: Some(channel),
            _listener: Some(listener),
        }
    }

    /// Tells the other tabs.
    pub fn tell(&self, message: TabMessage) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&message.as_str().into());
        }
    }
}

impl Drop for Tabs {
    fn drop(&mut self) {
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}
