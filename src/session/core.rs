//! What the session's services share: the signed-in client, the device's store, the platform,
//! the outbox, the state they read and change, and the listeners they tell.

use super::change::Change;
use super::ehr::Ehr;
use super::error::{Server, SessionError};
use super::labels::Labels;
use crate::api::{Client, Transport};
use crate::domain::{
    Availability, ClinicPolicy, Directory, Inbox, Incoming, StaffView, StagedFile, ThreadInfo, ThreadKey, Touched,
};
use crate::provision::{self, Clinic};
use crate::store::{InboxCache, LocalStore};
use crate::sync::{Alarm, Outbox, Platform, RootFetcher, SyncEngine, SyncStatus, ThreadPager};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// What a session starts from: a fresh sign-in, or what the device kept.
pub struct Start<T> {
    /// The signed-in client.
    pub client: Client<T>,
    /// The clinic space and its policy.
    pub clinic: Clinic,
    /// Rooms joined (the server's word on roles and categories).
    pub joined: BTreeSet<String>,
    /// The person's display name.
    pub display_name: Option<String>,
    /// The inbox kept on the device, if any: painted at once, synced on from its token.
    pub cache: Option<InboxCache>,
}

/// The state the services read and change (never borrowed across an await).
pub(super) struct State {
    pub inbox: Inbox,
    pub policy: ClinicPolicy,
    /// Who holds which role (for addressing roles and `@` mentions).
    pub directory: Directory,
    /// Colleagues' availability, as their presence says.
    pub availability: HashMap<String, Availability>,
    /// The person's own, as they (or their schedule) set it.
    pub mine: Availability,
    /// Whether a change of the person's availability is being sent (newer ones wait for it).
    pub sending_availability: bool,
    pub joined: BTreeSet<String>,
    pub display_name: Option<String>,
    pub status: SyncStatus,
    /// The token of the last sync applied to the inbox (what a kept inbox continues from).
    pub since: Option<String>,
    /// Per thread: the token for its earlier replies (`None` once at the start of the thread).
    pub earlier: HashMap<ThreadKey, Option<String>>,
    /// Per thread: the last receipt sent from here.
    pub receipts: HashMap<ThreadKey, String>,
    /// Per room: when a typing notice was last sent.
    pub typing_sent: HashMap<String, u64>,
    /// When the inbox was last kept on the device, and whether it changed since.
    pub saved_at: u64,
    pub dirty: bool,
    /// Threads with a draft (for the inbox's Draft marker).
    pub drafts: BTreeSet<ThreadKey>,
    /// Per thread: the files staged in its reply box, read from the device once and changed
    /// here without a pause, so that two changes at once never lose one.
    pub staged: HashMap<ThreadKey, Vec<StagedFile>>,
    /// Threads whose staged files are being sent (a second Send waits for nothing).
    pub sending_staged: BTreeSet<ThreadKey>,
    /// Threads with news held back from notifications while the person was not available.
    pub held: usize,
    /// Direct conversations a colleague invited the person to and not joined yet: `(room,
    /// inviter)` (a sync reports an invite once; a join that failed is tried again).
    pub conversation_invites: Vec<(String, String)>,
}

/// Someone who hears about changes.
type Listener = Rc<dyn Fn(&Change)>;

/// The shared heart of one signed-in person's session.
pub(super) struct Core<T, S, P> {
    pub client: Client<T>,
    pub clinic_space: String,
    pub store: Rc<S>,
    pub platform: P,
    /// Rung to cut waits short (the browser came back online).
    pub alarm: Alarm,
    pub outbox: Outbox<T, S, P>,
    pub labels: Labels,
    pub state: RefCell<State>,
    // Taken out while in use (their calls await): never borrowed across an await.
    pub engine: RefCell<Option<SyncEngine<T>>>,
    pub pager: RefCell<Option<ThreadPager>>,
    pub roots: RefCell<Option<RootFetcher>>,
    pub ehr: RefCell<Option<Rc<Ehr<T>>>>,
    listeners: RefCell<Vec<Listener>>,
    /// What happens when the homeserver ends the session (a [`super::TabSession`] ends it).
    server_end: RefCell<Option<Rc<dyn Fn()>>>,
    pub stopped: Cell<bool>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Core<T, S, P> {
    pub fn new(start: Start<T>, store: Rc<S>, platform: P, labels: Labels) -> Self {
        let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
        let (inbox, since, mut policy, joined, directory, invites) = match start.cache.filter(|c| c.inbox.me == me) {
            Some(cache) => (
                Inbox::from_snapshot(cache.inbox),
                cache.since,
                cache.policy,
                cache.joined.into_iter().collect(),
                cache.directory,
                cache.conversation_invites,
            ),
            None => (
                Inbox::new(&me),
                None,
                start.clinic.policy.clone(),
                start.joined,
                Directory::default(),
                Vec::new(),
            ),
        };
        labels.apply(&mut policy);
        let engine = SyncEngine::new(start.client.clone(), start.clinic.space.clone(), policy.clone())
            .resuming_from(since.clone())
            .knowing_conversations(inbox.conversation_rooms());
        let alarm = Alarm::default();
        let outbox = Outbox::new(start.client.clone(), store.clone(), platform.clone(), alarm.clone());
        Core {
            client: start.client,
            clinic_space: start.clinic.space,
            store,
            platform,
            alarm,
            outbox,
            labels,
            state: RefCell::new(State {
                inbox,
                policy,
                directory,
                availability: HashMap::new(),
                mine: Availability::Available,
                sending_availability: false,
                joined,
                display_name: start.display_name,
                status: SyncStatus::Initial,
                since,
                earlier: HashMap::new(),
                receipts: HashMap::new(),
                typing_sent: HashMap::new(),
                saved_at: 0,
                dirty: false,
                drafts: BTreeSet::new(),
                staged: HashMap::new(),
                sending_staged: BTreeSet::new(),
                held: 0,
                conversation_invites: invites,
            }),
            engine: RefCell::new(Some(engine)),
            pager: RefCell::new(Some(ThreadPager::default())),
            roots: RefCell::new(Some(RootFetcher::default())),
            ehr: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            server_end: RefCell::new(None),
            stopped: Cell::new(false),
        }
    }

    pub fn listen(&self, listener: impl Fn(&Change) + 'static) {
        self.listeners.borrow_mut().push(Rc::new(listener));
    }

    /// What to do when the homeserver ends the session.
    pub fn on_server_end(&self, then: impl Fn() + 'static) {
        *self.server_end.borrow_mut() = Some(Rc::new(then));
    }

    /// The homeserver ended the session (the token expired or was revoked): stop, and end it.
    pub fn server_ended(&self) {
        self.stop();
        let then = self.server_end.borrow().clone();
        match then {
            Some(then) => then(),
            None => self.emit(Change::Ended {
                notice: Some("Your session has ended. Please sign in again; your drafts are kept.".into()),
                leaving: false,
            }),
        }
    }

    /// Stops syncing and sending (sign-out, logoff); nothing stored is touched.
    pub fn stop(&self) {
        self.stopped.set(true);
        self.outbox.stop();
    }

    pub fn emit(&self, change: Change) {
        let listeners = self.listeners.borrow().clone();
        for listener in listeners {
            listener(&change);
        }
    }

    /// Tells the screens which threads changed, if any did.
    pub fn touched(&self, touched: Touched) {
        if !touched.is_empty() {
            self.emit(Change::Threads(touched));
        }
    }

    pub fn me(&self) -> String {
        self.state.borrow().inbox.me().to_owned()
    }

    pub fn policy(&self) -> ClinicPolicy {
        self.state.borrow().policy.clone()
    }

    pub fn clinic(&self) -> Clinic {
        Clinic {
            space: self.clinic_space.clone(),
            policy: self.policy(),
        }
    }

    pub fn staff(&self) -> StaffView {
        let state = self.state.borrow();
        StaffView::new(
            &state.policy,
            state.inbox.me(),
            state.display_name.as_deref(),
            &state.joined,
        )
    }

    /// The portal's EHR, or why there is none to use.
    pub fn ehr(&self) -> Result<Rc<Ehr<T>>, SessionError> {
        self.ehr.borrow().clone().ok_or(SessionError::SignedOut(Server::Ehr))
    }

    /// The rooms of the categories the person can see, in the policy's order.
    pub fn category_rooms(&self) -> Vec<String> {
        self.staff().categories.into_iter().filter_map(|c| c.room).collect()
    }

    /// The rooms threads live in: the categories' (as [`Core::category_rooms`]) and the
    /// person's direct conversations.
    pub fn thread_rooms(&self) -> Vec<String> {
        let mut rooms = self.category_rooms();
        rooms.extend(self.state.borrow().inbox.conversation_rooms().map(str::to_owned));
        rooms
    }

    /// The direct conversation with exactly `people` (and the person): the one there is, or a
    /// new one (which needs the homeserver). A thread about a patient is refused here when one
    /// of them may not see its category, as the homeserver would refuse it.
    pub async fn conversation_with(&self, people: &[String], info: &ThreadInfo) -> Result<String, SessionError> {
        if info.patient.is_some() {
            self.may_name_patients(people, info.category.as_deref())?;
        }
        if let Some(room) = self.state.borrow().inbox.conversation_with(people) {
            return Ok(room.to_owned());
        }
        let (room, members) = provision::start_conversation(&self.client, &self.clinic(), people).await?;
        self.state.borrow_mut().joined.insert(room.clone());
        self.learned([Incoming::Conversation {
            room_id: room.clone(),
            members,
        }]);
        self.emit(Change::Membership);
        Ok(room)
    }

    /// Refused, in staff's words, unless every one of `people` holds a role that may see
    /// `category` (what a direct conversation may say about a patient; the homeserver refuses
    /// the rest too).
    pub fn may_name_patients(&self, people: &[String], category: Option<&str>) -> Result<(), SessionError> {
        let state = self.state.borrow();
        let me = state.inbox.me();
        let roles = category
            .and_then(|c| state.policy.category(c))
            .map(|c| c.roles.clone())
            .unwrap_or_default();
        let outside: Vec<String> = people
            .iter()
            .filter(|p| *p != me)
            .filter(|p| {
                state
                    .directory
                    .person(p)
                    .is_none_or(|person| !person.roles.iter().any(|r| roles.contains(r)))
            })
            .map(|p| {
                let named = state.directory.person(p).and_then(|person| person.name.clone());
                named.unwrap_or_else(|| state.inbox.name(p))
            })
            .collect();
        if outside.is_empty() {
            return Ok(());
        }
        Err(SessionError::Refused(format!(
            "{} may not see this category's threads about patients: choose a category everyone here may see, or leave the patient out",
            outside.join(", ")
        )))
    }

    /// The key the thread `key` is kept under (the key it was created with, for a thread
    /// started here and named by its event id since).
    pub fn resolve(&self, key: &ThreadKey) -> ThreadKey {
        self.state.borrow().inbox.resolve(key)
    }

    /// Applies what the homeserver confirmed or returned (before its sync echo arrives), keeps
    /// it, and shows it.
    pub fn learned(&self, facts: impl IntoIterator<Item = Incoming>) {
        let touched = {
            let mut state = self.state.borrow_mut();
            let touched = state.inbox.apply(facts);
            state.dirty |= !touched.is_empty();
            touched
        };
        self.touched(touched);
    }
}
