//! App-wide state shared by every page through Leptos context.

use super::config::AppConfig;
use crate::api::{BrowserTransport, Client};
use crate::domain::{ClinicPolicy, Inbox, StaffView};
use crate::provision::Clinic;
use crate::store::{DraftKey, OutboxItem, Store};
use crate::sync::SyncStatus;
use leptos::prelude::*;
use std::collections::BTreeSet;
use std::rc::Rc;

/// The Matrix client the UI uses.
pub type MatrixClient = Client<BrowserTransport>;

/// A signed-in session.
#[derive(Clone)]
pub struct Session {
    /// The signed-in client.
    pub client: MatrixClient,
    /// The clinic space and its policy.
    pub clinic: Clinic,
    /// The signed-in user's display name.
    pub display_name: Option<String>,
}

impl Session {
    /// The signed-in user id.
    pub fn me(&self) -> String {
        self.client.session().map(|s| s.user_id.clone()).unwrap_or_default()
    }
}

/// Everything the pages share.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The runtime configuration.
    pub config: StoredValue<AppConfig>,
    /// The session; `None` shows the sign-in page.
    pub session: RwSignal<Option<Session>>,
    /// Rooms the user is joined to (role spaces and category rooms decide what they see).
    pub joined: RwSignal<BTreeSet<String>>,
    /// The threads.
    pub inbox: RwSignal<Inbox>,
    /// The sync loop's state.
    pub status: RwSignal<SyncStatus>,
    /// A message for the sign-in page (for example after the session ended).
    pub notice: RwSignal<Option<String>>,
    /// Bumped at every sign-in and sign-out, so that loops of an old session stop.
    pub generation: RwSignal<u64>,
    /// Whether someone is signed in (changes only at sign-in and sign-out).
    pub signed_in: Memo<bool>,
    /// The signed-in person's view, derived from the policy and the joined rooms.
    pub staff: Memo<Option<StaffView>>,
    /// The encrypted local store of the signed-in user (`None` if IndexedDB is unusable).
    pub store: StoredValue<Option<Rc<Store>>, LocalStorage>,
    /// Why the local store cannot be used, shown to the user.
    pub store_problem: RwSignal<Option<String>>,
    /// Composers with a saved draft (for the inbox's Draft marker).
    pub drafts: RwSignal<BTreeSet<DraftKey>>,
    /// Messages not yet on the server, in queue order (mirrors the stored outbox).
    pub outbox: RwSignal<Vec<OutboxItem>>,
    /// Bumped when the browser comes back online: sleeping retries wake up at once.
    pub wake: RwSignal<u64>,
    /// True while a saved session is being restored at start-up.
    pub restoring: RwSignal<bool>,
    /// Whether the person is looking at the page (visible and focused).
    pub active: ReadSignal<bool>,
    /// A new version of the app is installed and waits for a reload.
    pub update_available: RwSignal<bool>,
}

impl AppState {
    /// Creates the state and provides it as context.
    pub fn provide(config: AppConfig) {
        let session: RwSignal<Option<Session>> = RwSignal::new(None);
        let joined = RwSignal::new(BTreeSet::new());
        let staff = Memo::new(move |_| {
            let joined = joined.get();
            session.with(|s| {
                s.as_ref()
                    .map(|s| StaffView::new(&s.clinic.policy, &s.me(), s.display_name.as_deref(), &joined))
            })
        });
        provide_context(AppState {
            config: StoredValue::new(config),
            session,
            joined,
            inbox: RwSignal::new(Inbox::default()),
            status: RwSignal::new(SyncStatus::Initial),
            notice: RwSignal::new(None),
            generation: RwSignal::new(0),
            signed_in: Memo::new(move |_| session.with(Option::is_some)),
            staff,
            store: StoredValue::new_local(None),
            store_problem: RwSignal::new(None),
            drafts: RwSignal::new(BTreeSet::new()),
            outbox: RwSignal::new(Vec::new()),
            wake: RwSignal::new(0),
            restoring: RwSignal::new(true),
            active: super::visibility::page_active(),
            update_available: RwSignal::new(false),
        });
    }

    /// The state provided by [`AppState::provide`].
    pub fn get() -> Self {
        expect_context::<AppState>()
    }

    /// The client, if signed in (untracked).
    pub fn client(&self) -> Option<MatrixClient> {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.client.clone()))
    }

    /// The local store, if open.
    pub fn local(&self) -> Option<Rc<Store>> {
        self.store.get_value()
    }

    /// `(id, label)` of the category whose room is `room` (empty when unknown).
    pub fn category_of(&self, room: &str) -> (String, String) {
        self.session
            .with(|s| {
                s.as_ref().and_then(|s| {
                    s.clinic
                        .policy
                        .category_by_room(room)
                        .map(|c| (c.id.clone(), c.label.clone()))
                })
            })
            .unwrap_or_default()
    }

    /// Replaces the clinic policy after the admins changed it.
    pub fn set_policy(&self, policy: ClinicPolicy) {
        self.session.update(|s| {
            if let Some(s) = s {
                s.clinic.policy = policy;
            }
        });
    }
}
