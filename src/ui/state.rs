//! App-wide state shared by every page through Leptos context: the configuration, the session
//! running in this tab, and one trigger per kind of change — per thread for threads — so a view
//! re-reads only what it shows (a new message repaints its thread's row, not every row).

use super::config::AppConfig;
use crate::domain::{Availability, Inbox, StaffView, Thread, ThreadKey, Touched};
use crate::session::browser::{AppEhr, AppSession, AppTab, AppThread};
use crate::session::{Capability, SyncStatus};
use leptos::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// A thread of the session, for views: `Copy`, so reactive closures can hold it; read it with
/// `with_value`, or take a handle (`get_value`) into an action.
pub type ThreadRef = StoredValue<AppThread, LocalStorage>;

/// Where the app is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Looking for a session kept on this device.
    Restoring,
    /// Nobody is signed in: the sign-in page.
    SignedOut,
    /// Someone is.
    SignedIn,
    /// The session ended; the page is ending the sign-in at the clinic's identity provider.
    SigningOut,
}

/// Everything the pages share.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The runtime configuration.
    pub config: StoredValue<AppConfig>,
    tab: StoredValue<Option<Rc<AppTab>>, LocalStorage>,
    /// Restoring, signed out or signed in.
    pub phase: RwSignal<Phase>,
    /// A message for the sign-in page (after logoff, say).
    pub notice: RwSignal<Option<String>>,
    /// Why signing in did not complete (an alert on the sign-in page).
    pub sign_in_problem: RwSignal<Option<String>>,
    /// Why the EHR is not connected, when a connection was tried.
    pub ehr_problem: RwSignal<Option<String>>,
    /// Why notifications while Rounds is closed could not be turned on.
    pub push_problem: RwSignal<Option<String>>,
    /// The connection's state.
    pub status: RwSignal<SyncStatus>,
    /// Why the device cannot keep the person's data (shown until it can).
    pub store_problem: RwSignal<Option<String>>,
    /// Whether the person is looking at the page (visible and focused).
    pub active: ReadSignal<bool>,
    /// A new version of the app is installed and waits for a reload.
    pub update_available: RwSignal<bool>,
    /// The time now (milliseconds), a few times a minute: for waits shown as they grow.
    pub clock: ReadSignal<u64>,
    /// Attachments being uploaded: bytes sent and in all, by outbox item.
    pub uploads: RwSignal<BTreeMap<String, (u64, u64)>>,
    triggers: StoredValue<Triggers, LocalStorage>,
}

/// One trigger per kind of change, and one per thread shown.
#[derive(Default)]
struct Triggers {
    /// Any thread changed (lists, counts).
    list: ArcTrigger,
    /// The threads shown, each with how many views show it.
    threads: HashMap<ThreadKey, (ArcTrigger, usize)>,
    typing: ArcTrigger,
    availability: ArcTrigger,
    membership: ArcTrigger,
    outbox: ArcTrigger,
    drafts: ArcTrigger,
    ehr: ArcTrigger,
}

/// The kinds of change a view can follow.
#[derive(Clone, Copy)]
pub enum Kind {
    Typing,
    Availability,
    Membership,
    Outbox,
    Drafts,
    Ehr,
}

impl AppState {
    /// Creates the state and provides it as context.
    pub fn provide(config: AppConfig) {
        provide_context(AppState {
            config: StoredValue::new(config),
            tab: StoredValue::new_local(None),
            phase: RwSignal::new(Phase::Restoring),
            notice: RwSignal::new(None),
            sign_in_problem: RwSignal::new(None),
            ehr_problem: RwSignal::new(None),
            push_problem: RwSignal::new(None),
            status: RwSignal::new(SyncStatus::Initial),
            store_problem: RwSignal::new(None),
            active: super::visibility::page_active(),
            update_available: RwSignal::new(false),
            clock: ticking_clock(),
            uploads: RwSignal::new(BTreeMap::new()),
            triggers: StoredValue::new_local(Triggers::default()),
        });
    }

    /// The state provided by [`AppState::provide`].
    pub fn get() -> Self {
        expect_context::<AppState>()
    }

    /// Makes `tab` the session running here (`None`: nobody's); everything shown reads again.
    pub(super) fn set_tab(&self, tab: Option<Rc<AppTab>>) {
        self.tab.set_value(tab);
        self.threads_changed(&Touched::all());
        self.triggers.update_value(|t| t.threads.clear());
        for kind in [
            Kind::Typing,
            Kind::Availability,
            Kind::Membership,
            Kind::Outbox,
            Kind::Drafts,
            Kind::Ehr,
        ] {
            self.changed(kind);
        }
    }

    /// The session running in this tab (untracked).
    pub fn tab(&self) -> Option<Rc<AppTab>> {
        self.tab.get_value()
    }

    /// The session (untracked).
    pub fn session(&self) -> Option<AppSession> {
        self.tab.with_value(|t| t.as_ref().map(|t| t.session().clone()))
    }

    /// A thread of the session (untracked).
    pub fn thread(&self, key: &ThreadKey) -> Option<AppThread> {
        self.session().map(|s| s.thread(key))
    }

    /// The EHR, when the portal has one and someone is signed in.
    pub fn ehr(&self) -> Option<Rc<AppEhr>> {
        self.session().and_then(|s| s.ehr())
    }

    fn track(&self, kind: Kind) {
        self.trigger(kind).track();
    }

    /// The trigger of `kind`.
    fn trigger(&self, kind: Kind) -> ArcTrigger {
        self.triggers.with_value(|t| {
            match kind {
                Kind::Typing => &t.typing,
                Kind::Availability => &t.availability,
                Kind::Membership => &t.membership,
                Kind::Outbox => &t.outbox,
                Kind::Drafts => &t.drafts,
                Kind::Ehr => &t.ehr,
            }
            .clone()
        })
    }

    /// Re-runs what follows `kind`.
    pub(super) fn changed(&self, kind: Kind) {
        self.trigger(kind).notify();
    }

    /// Re-runs what shows the threads `touched` (and every list).
    pub(super) fn threads_changed(&self, touched: &Touched) {
        // Taken out first: what re-runs may read the triggers again.
        let due: Vec<ArcTrigger> = self.triggers.with_value(|t| {
            let threads: Vec<ArcTrigger> = if touched.is_all() {
                t.threads.values().map(|(trigger, _)| trigger.clone()).collect()
            } else {
                touched
                    .threads()
                    .filter_map(|key| Some(t.threads.get(key)?.0.clone()))
                    .collect()
            };
            std::iter::once(t.list.clone()).chain(threads).collect()
        });
        due.iter().for_each(ArcTrigger::notify);
    }

    /// Reads the whole inbox (re-run when any thread changes).
    pub fn inbox<R>(&self, read: impl FnOnce(&Inbox) -> R) -> Option<R> {
        self.triggers.with_value(|t| t.list.clone()).track();
        self.session().map(|s| s.with_inbox(read))
    }

    /// Shows the thread `key` in the calling component: [`AppState::with_thread`] then re-runs
    /// only when that thread changes, for as long as the component lives.
    pub fn watch_thread(&self, key: &ThreadKey) {
        self.triggers
            .update_value(|t| t.threads.entry(key.clone()).or_default().1 += 1);
        let (state, key) = (*self, key.clone());
        on_cleanup(move || {
            state.triggers.update_value(|t| {
                if let Some((_, views)) = t.threads.get_mut(&key) {
                    *views -= 1;
                    if *views == 0 {
                        t.threads.remove(&key);
                    }
                }
            });
        });
    }

    /// Reads one thread: re-run when it changes (when a component watches it: see
    /// [`AppState::watch_thread`]; otherwise when any thread does).
    pub fn with_thread<R>(&self, key: &ThreadKey, read: impl FnOnce(Option<&Thread>, &Inbox) -> R) -> R {
        let trigger = self.triggers.with_value(|t| {
            t.threads
                .get(key)
                .map_or_else(|| t.list.clone(), |(trigger, _)| trigger.clone())
        });
        trigger.track();
        match self.session() {
            Some(session) => session.with_inbox(|inbox| read(inbox.thread(key), inbox)),
            None => read(None, &Inbox::default()),
        }
    }

    /// The key a thread is kept under (the same for a thread started here whether named by its
    /// transaction id or its event id).
    pub fn resolve(&self, key: ThreadKey) -> ThreadKey {
        self.triggers.with_value(|t| t.list.clone()).track();
        self.session()
            .map_or(key.clone(), |s| s.with_inbox(|i| i.resolve(&key)))
    }

    /// Who is typing in the room of `key`, other than the person.
    pub fn typing(&self, key: &ThreadKey) -> Vec<String> {
        self.track(Kind::Typing);
        self.thread(key).map(|t| t.typists()).unwrap_or_default()
    }

    /// The person's roles and categories (re-run when membership changes).
    pub fn staff(&self) -> Option<StaffView> {
        self.track(Kind::Membership);
        self.session().map(|s| s.staff().me())
    }

    /// Everyone else on the clinic's staff (re-run when membership changes).
    pub fn colleagues(&self) -> Vec<crate::session::Colleague> {
        self.track(Kind::Membership);
        self.session().map(|s| s.staff().colleagues()).unwrap_or_default()
    }

    /// The clinic policy, with this portal's labels (re-run when it changes).
    pub fn policy(&self) -> Option<crate::domain::ClinicPolicy> {
        self.track(Kind::Membership);
        self.session().map(|s| s.staff().policy())
    }

    /// The clinic's service account, whose EHR threads read as the EHR's (re-run when the
    /// policy changes).
    pub fn service_account(&self) -> Option<String> {
        self.track(Kind::Membership);
        self.session().and_then(|s| s.staff().service_account())
    }

    /// `(id, label)` of the category whose room is `room` (empty when unknown).
    pub fn category_of(&self, room: &str) -> (String, String) {
        self.track(Kind::Membership);
        self.session()
            .map(|s| s.staff().category_label(room))
            .unwrap_or_default()
    }

    /// Messages not on the server yet (re-run when the queue changes).
    pub fn unsent(&self) -> usize {
        self.track(Kind::Outbox);
        self.session().map_or(0, |s| s.sending().unsent())
    }

    /// Whether the thread `key` has a reply being written.
    pub fn has_draft(&self, key: &ThreadKey) -> bool {
        self.track(Kind::Drafts);
        self.session().is_some_and(|s| s.drafts().has_reply(key))
    }

    /// A colleague's availability, when known (re-run when it changes).
    pub fn availability_of(&self, user_id: &str) -> Option<Availability> {
        self.track(Kind::Availability);
        self.session().and_then(|s| s.presence().of(user_id))
    }

    /// Whether the homeserver cannot be reached now (what the top bar says as Offline).
    pub fn offline(&self) -> bool {
        matches!(self.status.get(), SyncStatus::Offline { .. })
    }

    /// The person's own availability (re-run when it changes).
    pub fn my_availability(&self) -> Availability {
        self.track(Kind::Availability);
        self.session().map_or(Availability::Available, |s| s.presence().mine())
    }

    /// Whether the person's EHR access allows `capability` (`None`: not connected; re-run when
    /// that changes). The EHR itself refuses what its records do not allow.
    pub fn can(&self, capability: Capability) -> Option<bool> {
        self.track(Kind::Ehr);
        self.session().and_then(|s| s.can(capability))
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
