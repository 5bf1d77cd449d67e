//! The session in a browser tab: gloo-net, the encrypted IndexedDB store, timers, single sign-on
//! and the SMART launch (redirects), notifications, files held as `blob:` addresses, and the
//! coordination of several tabs of one person (one tab at a time sends the outbox or renews
//! tokens, through Web Locks; a BroadcastChannel tells the others what changed, when someone
//! was active, and when someone signed out).

pub mod blobs;
mod ehr;
mod host;
mod identity;
pub use crate::sync::intl;
pub mod notify;
mod provider;
pub mod push;
mod sso;
mod startup;
mod tabs;
mod tokens;
mod window;

/// What another tab did to this tab's database.
pub use crate::store::StoreNotice;
pub use ehr::{connect_ehr, EhrLink, EhrProblem};
pub use host::BrowserHost;
pub use sso::{login_options, sso_start};
pub use startup::{sign_in, sign_in_answered, start, Portal, Startup};

use super::ehr::Ehr;
use super::tab::TabSession;
use super::thread::ThreadHandle;
use super::Session;
use crate::api::BrowserTransport;
use crate::domain::InboxChoices;
use crate::store::{DraftKey, InboxCache, LocalStore, MemoryStore, OutboxItem, Store, StoreError};
use crate::sync::BrowserPlatform;

/// The session of the app.
pub type AppSession = Session<BrowserTransport, DeviceStore, BrowserPlatform>;
/// The session running in this tab.
pub type AppTab = TabSession<BrowserTransport, DeviceStore, BrowserPlatform, BrowserHost>;
/// A thread of the app's session.
pub type AppThread = ThreadHandle<BrowserTransport, DeviceStore, BrowserPlatform>;
/// The EHR of the app.
pub type AppEhr = Ehr<BrowserTransport>;

/// Where this device keeps the person's data: encrypted IndexedDB, or — where the browser
/// refuses it (private browsing) — memory only, so the app still works and says what is lost.
pub enum DeviceStore {
    /// The encrypted IndexedDB store.
    Encrypted(Store),
    /// Nothing survives a reload.
    Memory(Box<MemoryStore>),
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

    async fn save_choices(&self, choices: &InboxChoices) -> Result<(), StoreError> {
        on_either!(self, s => s.save_choices(choices))
    }

    async fn load_choices(&self) -> Result<Option<InboxChoices>, StoreError> {
        on_either!(self, s => s.load_choices())
    }
}
