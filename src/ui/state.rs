//! App-wide state shared by every page through Leptos context: the configuration, the bound
//! session, and one trigger per kind of change, so a page re-reads only what it shows (a typing
//! notice never re-runs the inbox query).

use super::config::AppConfig;
use crate::domain::{Availability, Inbox, Message, StaffView};
use crate::session::browser::{self, AppEhr, AppSession, Bound, DeviceStore, EhrLink};
use crate::session::SyncStatus;
use crate::store::DraftKey;
use leptos::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// Where the app is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Looking for a session kept on this device.
    Restoring,
    /// Nobody is signed in: the sign-in page.
    SignedOut,
    /// Someone is.
    SignedIn,
}

/// Everything the pages share.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The runtime configuration.
    pub config: StoredValue<AppConfig>,
    bound: StoredValue<Option<Bound>, LocalStorage>,
    ehr: StoredValue<Option<Rc<AppEhr>>, LocalStorage>,
    ehr_link: StoredValue<Option<EhrLink>, LocalStorage>,
    /// Restoring, signed out or signed in.
    pub phase: RwSignal<Phase>,
    /// A message for the sign-in page (after logoff, say).
    pub notice: RwSignal<Option<String>>,
    /// Why single sign-on did not complete (an alert on the sign-in page).
    pub sign_in_problem: RwSignal<Option<String>>,
    /// Why the EHR is not connected, when a connection was tried.
    pub ehr_problem: RwSignal<Option<String>>,
    /// Why notifications while Rounds is closed could not be turned on.
    pub push_problem: RwSignal<Option<String>>,
    ehr_changed: Trigger,
    /// Bumped at every sign-in and sign-out, so that loops of an old session stop.
    pub generation: RwSignal<u64>,
    inbox_changed: Trigger,
    typing_changed: Trigger,
    availability_changed: Trigger,
    membership_changed: Trigger,
    outbox_changed: Trigger,
    /// The connection's state.
    pub status: RwSignal<SyncStatus>,
    /// Why the device cannot keep the person's data (shown until it can).
    pub store_problem: RwSignal<Option<String>>,
    /// Composers with a saved draft (for the inbox's Draft marker).
    pub drafts: RwSignal<BTreeSet<DraftKey>>,
    /// Whether the person is looking at the page (visible and focused).
    pub active: ReadSignal<bool>,
    /// A new version of the app is installed and waits for a reload.
    pub update_available: RwSignal<bool>,
    /// The time now (milliseconds), a few times a minute: for waits shown as they grow.
    pub clock: ReadSignal<u64>,
    /// Attachments being uploaded: bytes sent and in all, by outbox item.
    pub uploads: RwSignal<BTreeMap<String, (u64, u64)>>,
}

impl AppState {
    /// Creates the state and provides it as context.
    pub fn provide(config: AppConfig) {
        let ehr_link = config.fhir.as_ref().map(|f| EhrLink::new(&f.base_url, &f.client_id));
        provide_context(AppState {
            config: StoredValue::new(config),
            bound: StoredValue::new_local(None),
            ehr: StoredValue::new_local(None),
            ehr_link: StoredValue::new_local(ehr_link),
            phase: RwSignal::new(Phase::Restoring),
            notice: RwSignal::new(None),
            sign_in_problem: RwSignal::new(None),
            ehr_problem: RwSignal::new(None),
            push_problem: RwSignal::new(None),
            ehr_changed: Trigger::new(),
            generation: RwSignal::new(0),
            inbox_changed: Trigger::new(),
            typing_changed: Trigger::new(),
            availability_changed: Trigger::new(),
            membership_changed: Trigger::new(),
            outbox_changed: Trigger::new(),
            status: RwSignal::new(SyncStatus::Initial),
            store_problem: RwSignal::new(None),
            drafts: RwSignal::new(BTreeSet::new()),
            active: super::visibility::page_active(),
            update_available: RwSignal::new(false),
            clock: ticking_clock(),
            uploads: RwSignal::new(BTreeMap::new()),
        });
    }

    /// The state provided by [`AppState::provide`].
    pub fn get() -> Self {
        expect_context::<AppState>()
    }

    /// Makes `bound` the running session (with an EHR if the portal has one).
    pub(super) fn bind(&self, bound: Bound) {
        let ehr = self.ehr_link().map(|link| Rc::new(browser::ehr(&link, &bound)));
        self.ehr.set_value(ehr);
        self.bound.set_value(Some(bound));
    }

    /// The portal's EHR and how Rounds is known to its authorization server.
    pub fn ehr_link(&self) -> Option<EhrLink> {
        self.ehr_link.get_value()
    }

    /// The running session with its store (for the browser flows).
    pub fn bound(&self) -> Option<Bound> {
        self.bound.get_value()
    }

    /// Forgets the running session; returns it for ending.
    pub(super) fn unbind(&self) -> Option<Bound> {
        self.ehr.set_value(None);
        self.bound.try_update_value(Option::take).flatten()
    }

    /// The session (untracked).
    pub fn session(&self) -> Option<AppSession> {
        self.bound.with_value(|b| b.as_ref().map(|b| b.session.clone()))
    }

    /// The device store (untracked).
    pub fn store(&self) -> Option<Rc<DeviceStore>> {
        self.bound.with_value(|b| b.as_ref().map(|b| b.store.clone()))
    }

    /// The EHR, when the portal has one and someone is signed in.
    pub fn ehr(&self) -> Option<Rc<AppEhr>> {
        self.ehr.get_value()
    }

    /// Whether the person's EHR authorization allows `letter` on `kind` (`None`: not connected;
    /// re-run when that changes). The EHR itself refuses what its records do not allow.
    pub fn ehr_allows(&self, kind: &str, letter: char) -> Option<bool> {
        self.ehr_changed.track();
        self.ehr().filter(|e| e.is_connected()).map(|e| e.allows(kind, letter))
    }

    pub(super) fn ehr_changed(&self) {
        self.ehr_changed.notify();
    }

    /// Reads the inbox (re-run when threads, messages or receipts change).
    pub fn inbox<R>(&self, read: impl FnOnce(&Inbox) -> R) -> Option<R> {
        self.inbox_changed.track();
        self.session().map(|s| s.with_inbox(read))
    }

    /// Who is typing in `room`, other than the person (re-run when that changes).
    pub fn typing(&self, room: &str) -> Vec<String> {
        self.typing_changed.track();
        self.session()
            .map(|s| s.with_inbox(|i| i.typing(room)))
            .unwrap_or_default()
    }

    /// The person's roles and categories (re-run when membership changes).
    pub fn staff(&self) -> Option<StaffView> {
        self.membership_changed.track();
        self.session().map(|s| s.staff())
    }

    /// `(id, label)` of the category whose room is `room` (empty when unknown).
    pub fn category_of(&self, room: &str) -> (String, String) {
        self.membership_changed.track();
        self.session().and_then(|s| s.category_of(room)).unwrap_or_default()
    }

    /// Messages not on the server yet (re-run when the queue changes).
    pub fn unsent(&self) -> usize {
        self.outbox_changed.track();
        self.session().map_or(0, |s| s.unsent())
    }

    pub(super) fn inbox_changed(&self) {
        self.inbox_changed.notify();
    }

    pub(super) fn typing_changed(&self) {
        self.typing_changed.notify();
    }

    pub(super) fn availability_changed(&self) {
        self.availability_changed.notify();
    }

    /// Whether `message` is an escalation notice that counts (re-run when the policy changes).
    pub fn is_escalation_notice(&self, message: &Message) -> bool {
        self.membership_changed.track();
        self.session().is_some_and(|s| s.is_escalation_notice(message))
    }

    /// A colleague's availability, when known (re-run when it changes).
    pub fn availability_of(&self, user_id: &str) -> Option<Availability> {
        self.availability_changed.track();
        self.session().and_then(|s| s.availability_of(user_id))
    }

    /// The person's own availability (re-run when it changes).
    pub fn my_availability(&self) -> Availability {
        self.availability_changed.track();
        self.session().map_or(Availability::Available, |s| s.my_availability())
    }

    pub(super) fn membership_changed(&self) {
        self.membership_changed.notify();
    }

    pub(super) fn outbox_changed(&self) {
        self.outbox_changed.notify();
    }
}

/// A signal of the time now, set every 15 seconds for as long as the app runs.
fn ticking_clock() -> ReadSignal<u64> {
    let (clock, set_clock) = signal(js_sys::Date::now() as u64);
    // The app's state lives as long as the page: the interval is never cleared.
    let _ = set_interval_with_handle(
        move || set_clock.set(js_sys::Date::now() as u64),
        std::time::Duration::from_secs(15),
    );
    clock
}
