//! The session service: one signed-in person's live inbox. It owns the typed client, the sync
//! loop and its status, receipts, typing notices, thread and inbox paging, role invites, the
//! outbox and the inbox kept on the device; screens read its state and call its commands.

use super::change::Change;
use super::labels::Labels;
use super::push::{hold_rule, urgent_rule, HOLD_RULE, URGENT_RULE};
use crate::api::{Client, Error, PresenceState, Transport};
use crate::domain::escalation::is_valid_notice;
use crate::domain::{
    Addressee, Availability, ClinicPolicy, Delivery, Directory, Inbox, Incoming, Message, StaffView, ThreadInfo,
};
use crate::provision::{self, Clinic, RosterEntry};
use crate::store::{InboxCache, LocalStore, OutboxItem};
use crate::sync::outbox::QueueError;
use crate::sync::{
    fetch_root, local_echo, pending_edit, thread_history, Alarm, Backoff, Batch, Command, Outbox, OutboxEvent,
    Platform, RootFetcher, SyncEngine, SyncStatus, ThreadPager,
};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

/// How long the server may hold a sync open.
pub const LONG_POLL: Duration = Duration::from_secs(30);
/// The performance mark set when a sync batch with news is about to be applied (the page
/// measures from it to the next frame: `rounds:sync-to-paint`).
pub const SYNC_RECEIVED: &str = "rounds:sync-received";
/// The inbox kept on the device: threads and replies per thread.
const CACHE_THREADS: usize = 2_000;
const CACHE_REPLIES: usize = 30;
/// Suggestions `@` shows at most.
const ADDRESSEES_SHOWN: usize = 6;
/// Quiet time between two saves of the inbox (a busy clinic syncs every few seconds).
const SAVE_EVERY_MS: u64 = 5_000;
/// Typing notices last this long unless renewed.
const TYPING_MS: u64 = 6_000;

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

/// Why a thread could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenProblem {
    /// The server says it does not exist, or the person may not see it.
    NoAccess,
    /// Its first message is not available (removed, or older than the person's access).
    RootUnavailable,
    /// The network or the server failed: not a verdict on the thread.
    Unreachable(String),
}

impl std::fmt::Display for OpenProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenProblem::NoAccess => write!(f, "This thread does not exist or you do not have access to it."),
            OpenProblem::RootUnavailable => write!(f, "This thread's first message is not available."),
            OpenProblem::Unreachable(e) => {
                write!(
                    f,
                    "This thread could not be loaded ({e}). It will load when the connection is back."
                )
            }
        }
    }
}

struct State {
    inbox: Inbox,
    policy: ClinicPolicy,
    /// Who holds which role (for addressing roles and `@` mentions).
    directory: Directory,
    /// Colleagues' availability, as their presence says.
    availability: HashMap<String, Availability>,
    /// The person's own, as they (or their schedule) set it.
    mine: Availability,
    joined: BTreeSet<String>,
    display_name: Option<String>,
    status: SyncStatus,
    /// The token of the last sync applied to the inbox (what a kept inbox continues from).
    since: Option<String>,
    /// Per thread: the token for its earlier replies (`None` once at the start of the thread).
    earlier: HashMap<(String, String), Option<String>>,
    /// Per thread: the last receipt sent from here.
    receipts: HashMap<(String, String), String>,
    /// Per room: when a typing notice was last sent.
    typing_sent: HashMap<String, u64>,
    /// When the inbox was last kept on the device, and whether it changed since.
    saved_at: u64,
    dirty: bool,
}

/// Someone who hears about changes.
type Listener = Rc<dyn Fn(&Change)>;

struct Inner<T, S, P> {
    client: Client<T>,
    clinic_space: String,
    store: Rc<S>,
    platform: P,
    alarm: Alarm,
    outbox: Outbox<T, S, P>,
    labels: Labels,
    state: RefCell<State>,
    // Taken out while in use (their calls await): never borrowed across an await.
    engine: RefCell<Option<SyncEngine<T>>>,
    pager: RefCell<Option<ThreadPager>>,
    roots: RefCell<Option<RootFetcher>>,
    listeners: RefCell<Vec<Listener>>,
    stopped: Cell<bool>,
}

/// A signed-in person's session. Cheap to clone (one shared service).
pub struct Session<T, S, P> {
    inner: Rc<Inner<T, S, P>>,
}

impl<T, S, P> Clone for Session<T, S, P> {
    fn clone(&self) -> Self {
        Session {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// A session ready to paint from `start` (its kept inbox, if any); [`Session::start`] loads
    /// the queue and [`Session::run`] syncs.
    pub fn new(start: Start<T>, store: Rc<S>, platform: P, labels: Labels) -> Self {
        let me = start.client.session().map(|s| s.user_id.clone()).unwrap_or_default();
        let (inbox, since, mut policy, joined, directory) = match start.cache.filter(|c| c.inbox.me == me) {
            Some(cache) => (
                Inbox::from_snapshot(cache.inbox),
                cache.since,
                cache.policy,
                cache.joined.into_iter().collect(),
                cache.directory,
            ),
            None => (
                Inbox::new(&me),
                None,
                start.clinic.policy.clone(),
                start.joined,
                Directory::default(),
            ),
        };
        labels.apply(&mut policy);
        let since_kept = since.clone();
        let engine =
            SyncEngine::new(start.client.clone(), start.clinic.space.clone(), policy.clone()).resuming_from(since);
        let alarm = Alarm::default();
        let outbox = Outbox::new(start.client.clone(), store.clone(), platform.clone(), alarm.clone());
        let session = Session {
            inner: Rc::new(Inner {
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
                    joined,
                    display_name: start.display_name,
                    status: SyncStatus::Initial,
                    since: since_kept,
                    earlier: HashMap::new(),
                    receipts: HashMap::new(),
                    typing_sent: HashMap::new(),
                    saved_at: 0,
                    dirty: false,
                }),
                engine: RefCell::new(Some(engine)),
                pager: RefCell::new(Some(ThreadPager::default())),
                roots: RefCell::new(Some(RootFetcher::default())),
                listeners: RefCell::new(Vec::new()),
                stopped: Cell::new(false),
            }),
        };
        let weak = Rc::downgrade(&session.inner);
        session.inner.outbox.listen(move |event| {
            if let Some(inner) = weak.upgrade() {
                Session { inner }.outbox_event(event);
            }
        });
        // A kept inbox may hold what expired while the app was closed.
        session.expire_old();
        session
    }

    /// Forgets what the categories' retention periods no longer allow: it is never shown, and
    /// the inbox kept on the device is saved without it.
    fn expire_old(&self) {
        let now = self.inner.platform.now_ms();
        let changed = {
            let mut state = self.inner.state.borrow_mut();
            let cutoffs = state.policy.retention_cutoffs(now);
            let changed = !cutoffs.is_empty() && state.inbox.expire(&cutoffs);
            state.dirty |= changed;
            changed
        };
        if changed {
            self.emit(Change::Inbox);
        }
    }

    /// Who hears about changes (screens; several may listen).
    pub fn listen(&self, listener: impl Fn(&Change) + 'static) {
        self.inner.listeners.borrow_mut().push(Rc::new(listener));
    }

    fn emit(&self, change: Change) {
        let listeners = self.inner.listeners.borrow().clone();
        for listener in listeners {
            listener(&change);
        }
    }

    // --- Reading the state -------------------------------------------------------------

    /// The signed-in user id.
    pub fn me(&self) -> String {
        self.inner.state.borrow().inbox.me().to_owned()
    }

    /// Reads the inbox.
    pub fn with_inbox<R>(&self, read: impl FnOnce(&Inbox) -> R) -> R {
        read(&self.inner.state.borrow().inbox)
    }

    /// The connection's state.
    pub fn status(&self) -> SyncStatus {
        self.inner.state.borrow().status
    }

    /// The clinic policy (with this portal's labels).
    pub fn policy(&self) -> ClinicPolicy {
        self.inner.state.borrow().policy.clone()
    }

    /// Who the person is to the clinic: roles and categories, from the rooms the server says
    /// they joined.
    pub fn staff(&self) -> StaffView {
        let state = self.inner.state.borrow();
        StaffView::new(
            &state.policy,
            state.inbox.me(),
            state.display_name.as_deref(),
            &state.joined,
        )
    }

    /// Whether `message` is an escalation notice that counts: from the clinic's escalation
    /// service (anyone else's reads as text).
    pub fn is_escalation_notice(&self, message: &Message) -> bool {
        let state = self.inner.state.borrow();
        is_valid_notice(message, state.policy.escalation_service.as_deref())
    }

    /// A colleague's availability, when their presence says one.
    pub fn availability_of(&self, user_id: &str) -> Option<Availability> {
        self.inner.state.borrow().availability.get(user_id).copied()
    }

    /// The person's own availability.
    pub fn my_availability(&self) -> Availability {
        self.inner.state.borrow().mine
    }

    /// Sets the person's availability on the homeserver (presence and status message, which
    /// every sync from now on keeps), and while they are not available, a push rule that
    /// holds back everything but urgent threads and escalations until they are again.
    pub async fn set_availability(&self, availability: Availability) -> Result<(), Error> {
        let client = &self.inner.client;
        let presence = if availability.is_online() {
            PresenceState::Online
        } else {
            PresenceState::Unavailable
        };
        // The hold changes before the presence does: whoever sees someone available again can
        // rely on their ordinary messages reaching them.
        if availability == Availability::Available {
            client.delete_push_rule("override", HOLD_RULE).await?;
        } else {
            // The hold goes after the urgent rule: make sure that one is there.
            client
                .set_push_rule("override", URGENT_RULE, &urgent_rule(), None)
                .await?;
            client
                .set_push_rule("override", HOLD_RULE, &hold_rule(), Some(URGENT_RULE))
                .await?;
        }
        client.set_presence(presence, Some(availability.label())).await?;
        self.inner.state.borrow_mut().mine = availability;
        self.emit(Change::Availability);
        Ok(())
    }

    fn note_availability(&self, changes: Vec<(String, Option<Availability>)>) {
        if changes.is_empty() {
            return;
        }
        {
            let mut state = self.inner.state.borrow_mut();
            let me = state.inbox.me().to_owned();
            for (user, availability) in changes {
                match availability {
                    // A session carries on as the person last set it (another device, earlier).
                    Some(a) if user == me => state.mine = a,
                    Some(a) => {
                        state.availability.insert(user, a);
                    }
                    None => {
                        state.availability.remove(&user);
                    }
                }
            }
        }
        self.emit(Change::Availability);
    }

    /// Whom a message with `text`, addressed to `to_roles`, mentions.
    fn mentions(&self, text: &str, to_roles: &[String]) -> Vec<String> {
        let state = self.inner.state.borrow();
        state
            .directory
            .mentions(&state.policy, text, to_roles, state.inbox.me())
    }

    /// What `@` offers for `typed` in the category room `room`: the roles that can see it and
    /// the people holding them.
    pub fn addressees(&self, room: &str, typed: &str) -> Vec<Addressee> {
        let state = self.inner.state.borrow();
        let Some(category) = state.policy.category_by_room(room) else {
            return Vec::new();
        };
        state
            .directory
            .addressees(&state.policy, &category.roles, typed, ADDRESSEES_SHOWN)
    }

    /// `(id, label)` of the category whose room is `room`.
    pub fn category_of(&self, room: &str) -> Option<(String, String)> {
        let state = self.inner.state.borrow();
        state
            .policy
            .category_by_room(room)
            .map(|c| (c.id.clone(), c.label.clone()))
    }

    /// The send queue, oldest first.
    pub fn outbox(&self) -> Vec<OutboxItem> {
        self.inner.outbox.items()
    }

    /// Whether earlier replies of the thread can be loaded.
    pub fn has_earlier(&self, room: &str, root: &str) -> bool {
        let state = self.inner.state.borrow();
        matches!(state.earlier.get(&(room.to_owned(), root.to_owned())), Some(Some(_)))
    }

    // --- Starting, syncing, stopping ---------------------------------------------------

    /// Loads the send queue kept on the device and shows its items in their threads.
    pub async fn start(&self) {
        if let Err(e) = self.inner.outbox.load().await {
            self.emit(Change::Problem(e.to_string()));
        }
    }

    /// Syncs until [`Session::stop`]: long-polls, applies what arrives, reconnects with backoff,
    /// and keeps the inbox on the device. Ends the session if the server says the token is gone.
    pub async fn run(&self) {
        let mut backoff = Backoff::default();
        while !self.inner.stopped.get() {
            self.set_status(self.status().before_attempt());
            match self.sync_once(LONG_POLL).await {
                Ok(()) => {
                    backoff.reset();
                    self.set_status(SyncStatus::Live);
                }
                // Stopped meanwhile (signed out): whatever the last request says no longer matters.
                Err(_) if self.inner.stopped.get() => {}
                Err(e) if e.is_unknown_token() => {
                    self.stop();
                    self.emit(Change::Ended);
                }
                Err(e) => {
                    let ms = backoff.delay_for(e.retry_after_ms(), self.inner.platform.random());
                    self.set_status(if e.status() == Some(429) {
                        SyncStatus::Throttled { retry_in_ms: ms }
                    } else {
                        SyncStatus::Offline { retry_in_ms: ms }
                    });
                    self.inner.alarm.wait(&self.inner.platform, ms).await;
                }
            }
        }
    }

    /// Stops syncing and sending (sign-out, logoff); nothing stored is touched.
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        self.inner.outbox.stop();
    }

    /// Whether the session was stopped.
    pub fn stopped(&self) -> bool {
        self.inner.stopped.get()
    }

    /// The browser is back online: waits end now.
    pub fn wake(&self) {
        self.inner.alarm.ring();
    }

    /// Marks the connection offline at once (the browser said so).
    pub fn went_offline(&self) {
        self.set_status(SyncStatus::Offline { retry_in_ms: 0 });
    }

    fn set_status(&self, status: SyncStatus) {
        let changed = {
            let mut state = self.inner.state.borrow_mut();
            std::mem::replace(&mut state.status, status) != status
        };
        if changed {
            self.emit(Change::Status);
        }
    }

    /// One sync (long-polling up to `timeout`) and everything it brings: messages, receipts,
    /// typing, membership, missing thread roots, role invites; then the inbox is kept.
    pub async fn sync_once(&self, timeout: Duration) -> Result<(), Error> {
        let Some(mut engine) = self.inner.engine.borrow_mut().take() else {
            return Ok(()); // another sync is running
        };
        engine.set_online(self.inner.state.borrow().mine.is_online());
        let result = {
            let state = &self.inner.state;
            engine.poll(timeout, |id| state.borrow().inbox.knows(id)).await
        };
        // The very first sync of an inbox brings history, not news (no notifications).
        let first = self.inner.state.borrow().since.is_none();
        let since = engine.since().map(str::to_owned);
        *self.inner.engine.borrow_mut() = Some(engine);
        let batch = result?;
        self.apply(batch, first).await;
        if first {
            self.read_directory().await;
        }
        self.inner.state.borrow_mut().since = since;
        self.fetch_missing_roots().await;
        self.persist_if_due().await;
        Ok(())
    }

    async fn apply(&self, batch: Batch, first: bool) {
        let Batch {
            incoming,
            joined,
            left,
            invited,
            policy,
            staff,
            availability,
        } = batch;
        self.note_availability(availability);
        let me = self.me();
        let (arrived, typing_only, membership) = {
            let mut state = self.inner.state.borrow_mut();
            let mut membership = false;
            if let Some(mut policy) = policy {
                self.inner.labels.apply(&mut policy);
                membership |= state.policy != policy;
                state.policy = policy;
            }
            for (user, person) in staff {
                state.directory.set(&user, person);
            }
            let arrived: Vec<(String, String)> = incoming
                .iter()
                .filter_map(|item| match item {
                    Incoming::Root { room_id, message, .. } => {
                        Some((room_id, &message.id, &message.id, &message.sender))
                    }
                    Incoming::InThread {
                        room_id,
                        root_id,
                        message,
                    } => Some((room_id, root_id, &message.id, &message.sender)),
                    _ => None,
                })
                .filter(|(_, _, id, sender)| **sender != me && !state.inbox.knows(id))
                .map(|(room, root, _, _)| (room.clone(), root.clone()))
                .collect();
            let typing_only = incoming.iter().all(|i| matches!(i, Incoming::Typing { .. }));
            let had_news = !incoming.is_empty();
            if had_news && !typing_only {
                // The start of the client's share of the latency (to the frame painted, measured
                // by the page): the sync answer is decoded and translated.
                self.inner.platform.mark(SYNC_RECEIVED);
            }
            state.inbox.apply(incoming);
            if had_news && !typing_only {
                state.dirty = true;
            }
            let mut rooms = state.joined.clone();
            rooms.extend(joined);
            for room in &left {
                rooms.remove(room);
            }
            if rooms != state.joined {
                state.joined = rooms;
                state.dirty = true;
                membership = true;
            }
            (arrived, typing_only && had_news, membership)
        };
        // Queued items show in threads that arrived meanwhile (after a restart, say).
        self.echo_outbox();
        self.expire_old();
        if typing_only {
            self.emit(Change::Typing);
        } else {
            self.emit(Change::Inbox);
            self.emit(Change::Typing);
        }
        if membership {
            self.emit(Change::Membership);
        }
        if !first && !arrived.is_empty() {
            self.emit(Change::Arrived(arrived));
        }
        // A role given by an admin arrives as an invite: take it and join what it allows.
        if !invited.is_empty() {
            let clinic = Clinic {
                space: self.inner.clinic_space.clone(),
                policy: self.policy(),
            };
            if let Ok((rooms, _)) = provision::accept_roles(&self.inner.client, &clinic, &invited).await {
                self.inner.state.borrow_mut().joined = rooms;
                self.emit(Change::Membership);
            }
        }
    }

    async fn fetch_missing_roots(&self) {
        let missing = self.with_inbox(|i| i.missing_roots());
        if missing.is_empty() {
            return;
        }
        let Some(mut roots) = self.inner.roots.borrow_mut().take() else {
            return;
        };
        let found = roots
            .fetch(&self.inner.client, &missing, self.inner.platform.now_ms())
            .await;
        *self.inner.roots.borrow_mut() = Some(roots);
        if !found.is_empty() {
            self.inner.state.borrow_mut().inbox.apply(found);
            self.emit(Change::Inbox);
        }
    }

    /// A kept inbox from before the directory existed continues its sync without the clinic
    /// space's state: read the directory once. Without it, only role mentions are missing, so a
    /// failure is reported and not retried.
    async fn read_directory(&self) {
        if !self.inner.state.borrow().directory.is_empty() {
            return;
        }
        match self.inner.client.room_state(&self.inner.clinic_space).await {
            Ok(events) => {
                let mut state = self.inner.state.borrow_mut();
                for (user, person) in events.iter().filter_map(crate::sync::convert::staff_entry) {
                    state.directory.set(&user, person);
                }
            }
            Err(e) => self.emit(Change::Problem(format!("The staff directory could not be read: {e}"))),
        }
    }

    // --- The inbox kept on the device --------------------------------------------------

    /// What the device keeps of this session's inbox.
    fn cache(&self) -> InboxCache {
        let state = self.inner.state.borrow();
        InboxCache {
            since: state.since.clone(),
            inbox: state.inbox.snapshot(CACHE_THREADS, CACHE_REPLIES),
            policy: state.policy.clone(),
            joined: state.joined.iter().cloned().collect(),
            directory: state.directory.clone(),
        }
    }

    async fn persist_if_due(&self) {
        let now = self.inner.platform.now_ms();
        let due = now.saturating_sub(self.inner.state.borrow().saved_at) >= SAVE_EVERY_MS;
        if due {
            self.persist().await;
        }
    }

    /// Keeps the inbox on the device now, if it changed since it was last kept and has synced
    /// at least once (a kept inbox needs the token it is up to date with).
    pub async fn persist(&self) {
        let due = {
            let state = self.inner.state.borrow();
            state.dirty && state.since.is_some()
        };
        if due {
            self.save(self.inner.platform.now_ms()).await;
        }
    }

    async fn save(&self, now: u64) {
        let cache = self.cache();
        {
            let mut state = self.inner.state.borrow_mut();
            state.saved_at = now;
            state.dirty = false;
        }
        if let Err(e) = self.inner.store.save_cache(&cache).await {
            self.emit(Change::Problem(e.to_string()));
        }
    }

    // --- Sending -------------------------------------------------------------------------

    pub(super) fn latest(&self, room: &str, root: &str) -> String {
        self.with_inbox(|i| {
            i.thread(room, root)
                .and_then(|t| t.latest_sent().map(|m| m.id.clone()))
                .unwrap_or_else(|| root.to_owned())
        })
    }

    /// Posts `command` in the thread `root` of `room`; sending happens in [`Session::send_queued`].
    pub async fn post(&self, room: &str, root: &str, command: Command) -> Result<(), QueueError> {
        let latest = self.latest(room, root);
        self.inner
            .outbox
            .queue(room, Some(root), &latest, &command)
            .await
            .map(|_| ())
    }

    /// Replies in the thread `root` of `room`, mentioning the roles and people written as
    /// `@Label` in `text`.
    pub async fn reply(&self, room: &str, root: &str, text: &str) -> Result<(), QueueError> {
        let mentions = self.mentions(text, &[]);
        let text = text.to_owned();
        self.post(room, root, Command::Reply { text, mentions }).await
    }

    /// Starts a thread in `room` (addressed to `info.to_roles`, whose members it mentions with
    /// anyone written as `@Label`); returns the transaction id it is known by until the server
    /// names it ([`Change::Rekeyed`]).
    pub async fn create_thread(&self, room: &str, info: ThreadInfo, text: &str) -> Result<String, QueueError> {
        let mentions = self.mentions(text, &info.to_roles);
        let command = Command::NewThread {
            info,
            text: text.to_owned(),
            mentions,
        };
        let item = self.inner.outbox.queue(room, None, "", &command).await?;
        Ok(item.txn_id)
    }

    /// Sends what is queued (call from the one tab that holds the outbox lock).
    pub async fn send_queued(&self) {
        self.inner.outbox.drain().await;
    }

    /// Reads the queue again (another tab changed it).
    pub async fn reload_outbox(&self) {
        if let Err(e) = self.inner.outbox.load().await {
            self.emit(Change::Problem(e.to_string()));
        }
    }

    /// Sends a failed message again.
    pub async fn retry(&self, txn_id: &str) {
        if let Err(e) = self.inner.outbox.retry(txn_id).await {
            self.emit(Change::Problem(e.to_string()));
        }
    }

    /// Deletes a failed message.
    pub async fn delete(&self, txn_id: &str) {
        if let Err(e) = self.inner.outbox.delete(txn_id).await {
            self.emit(Change::Problem(e.to_string()));
        }
    }

    /// Shows every queued item in its thread (where the thread is known and the echo is not yet).
    fn echo_outbox(&self) {
        let me = self.me();
        let items = self.inner.outbox.items();
        let mut state = self.inner.state.borrow_mut();
        for item in &items {
            if state.inbox.has_txn(&item.room_id, &item.root_id, &item.txn_id) {
                continue;
            }
            if let Some((target, edit)) = pending_edit(item, &me) {
                state.inbox.add_pending_edit(&target, edit);
            } else if let Some(echo) = local_echo(item, &me) {
                state.inbox.apply([echo]);
            }
        }
    }

    fn outbox_event(&self, event: OutboxEvent) {
        let here = event != OutboxEvent::Reloaded;
        match event {
            OutboxEvent::Queued(_) | OutboxEvent::Reloaded => self.echo_outbox(),
            OutboxEvent::Sent { item, event_id } if item.is_thread_root() => {
                self.inner
                    .state
                    .borrow_mut()
                    .inbox
                    .confirm_root(&item.room_id, &item.txn_id, &event_id);
                self.emit(Change::Rekeyed {
                    room: item.room_id.clone(),
                    from: item.txn_id.clone(),
                    to: event_id,
                });
            }
            OutboxEvent::Sent { item, event_id } => {
                self.inner
                    .state
                    .borrow_mut()
                    .inbox
                    .confirm_sent(&item.room_id, &item.root_id, &item.txn_id, &event_id);
            }
            OutboxEvent::Failed { item, reason } => self.set_delivery(&item, Delivery::Failed(reason)),
            OutboxEvent::Retrying(item) => self.set_delivery(&item, Delivery::Sending),
            OutboxEvent::Uploaded(item) => {
                let echo = local_echo(&item, &self.me());
                if let Some(Incoming::InThread { message, .. }) = echo {
                    self.inner.state.borrow_mut().inbox.set_local_body(
                        &item.room_id,
                        &item.root_id,
                        &item.txn_id,
                        message.body,
                    );
                }
            }
            OutboxEvent::Deleted(item) => {
                self.inner
                    .state
                    .borrow_mut()
                    .inbox
                    .remove_local(&item.room_id, &item.root_id, &item.txn_id);
            }
            OutboxEvent::SignedOut => {
                self.stop();
                self.emit(Change::Ended);
                return;
            }
            OutboxEvent::Waiting { .. } => return,
            OutboxEvent::Uploading { txn_id, sent, total } => {
                self.emit(Change::Upload { txn_id, sent, total });
                return;
            }
        }
        self.emit(Change::Inbox);
        self.emit(Change::Outbox { here });
    }

    fn set_delivery(&self, item: &OutboxItem, delivery: Delivery) {
        self.inner
            .state
            .borrow_mut()
            .inbox
            .set_delivery(&item.room_id, &item.root_id, &item.txn_id, delivery);
    }

    // --- Threads ------------------------------------------------------------------------

    /// Loads a thread's root (a deep link to a thread not synced yet) and its newest replies.
    pub async fn open_thread(&self, room: &str, root: &str) -> Result<(), OpenProblem> {
        if !self.with_inbox(|i| i.knows(root)) {
            match fetch_root(&self.inner.client, room, root).await {
                Ok(Some(found)) => self.inner.state.borrow_mut().inbox.apply([found]),
                Ok(None) => return Err(OpenProblem::RootUnavailable),
                Err(e) if matches!(e.status(), Some(403 | 404)) => return Err(OpenProblem::NoAccess),
                Err(e) => return Err(OpenProblem::Unreachable(e.to_string())),
            }
            self.emit(Change::Inbox);
        }
        let key = (room.to_owned(), root.to_owned());
        if self.inner.state.borrow().earlier.contains_key(&key) {
            return Ok(());
        }
        match thread_history(&self.inner.client, room, root, None).await {
            Ok((found, token)) => {
                let mut state = self.inner.state.borrow_mut();
                state.inbox.apply(found);
                state.earlier.insert(key, token);
                state.dirty = true;
            }
            // The thread shows what the device knows; its history loads when the network is back.
            Err(e) => return Err(OpenProblem::Unreachable(e.to_string())),
        }
        self.echo_outbox();
        self.emit(Change::Inbox);
        Ok(())
    }

    /// Loads the page of replies before the ones shown.
    pub async fn load_earlier(&self, room: &str, root: &str) -> Result<(), Error> {
        let key = (room.to_owned(), root.to_owned());
        let Some(Some(token)) = self.inner.state.borrow().earlier.get(&key).cloned() else {
            return Ok(());
        };
        let (found, token) = thread_history(&self.inner.client, room, root, Some(&token)).await?;
        {
            let mut state = self.inner.state.borrow_mut();
            state.inbox.apply(found);
            state.earlier.insert(key, token);
        }
        self.emit(Change::Inbox);
        Ok(())
    }

    /// Loads the next page of older threads in every category the person can see; `false`
    /// when there are no more.
    pub async fn load_older_threads(&self) -> Result<bool, Error> {
        let rooms: Vec<String> = self.staff().categories.into_iter().filter_map(|c| c.room).collect();
        let Some(mut pager) = self.inner.pager.borrow_mut().take() else {
            return Ok(true); // already loading
        };
        if pager.exhausted(&rooms) {
            *self.inner.pager.borrow_mut() = Some(pager);
            return Ok(false);
        }
        let result = pager.next_page(&self.inner.client, &rooms).await;
        let more = !pager.exhausted(&rooms);
        *self.inner.pager.borrow_mut() = Some(pager);
        let found = result?;
        self.inner.state.borrow_mut().inbox.apply(found);
        self.echo_outbox();
        self.emit(Change::Inbox);
        Ok(more)
    }

    /// The person is looking at the thread: sends a read receipt for its newest message from
    /// someone else, once, and shows it at once.
    pub async fn read(&self, room: &str, root: &str) {
        let key = (room.to_owned(), root.to_owned());
        let event = {
            let state = self.inner.state.borrow();
            state
                .inbox
                .thread(room, root)
                .and_then(|t| state.inbox.receipt_to_send(t))
                .filter(|e| state.receipts.get(&key) != Some(e))
        };
        let Some(event) = event else { return };
        {
            let mut state = self.inner.state.borrow_mut();
            state.receipts.insert(key, event.clone());
            let me = state.inbox.me().to_owned();
            state.inbox.apply([Incoming::Receipt {
                room_id: room.to_owned(),
                user_id: me,
                event_id: event.clone(),
                ts: Some(self.inner.platform.now_ms()),
            }]);
            state.dirty = true;
        }
        self.emit(Change::Inbox);
        // The root is in the main timeline; replies are in the thread.
        let thread = (event != root).then_some(root);
        // A lost receipt only means the message shows as unread a little longer elsewhere.
        let _ = self.inner.client.send_read_receipt(room, &event, thread).await;
    }

    /// The person is typing (or stopped) in `room`: at most one notice per few seconds.
    pub async fn typing(&self, room: &str, typing: bool) {
        let now = self.inner.platform.now_ms();
        {
            let mut state = self.inner.state.borrow_mut();
            let last = state.typing_sent.get(room).copied().unwrap_or(0);
            if typing && now.saturating_sub(last) < TYPING_MS - 2_000 {
                return;
            }
            if !typing && last == 0 {
                return;
            }
            state.typing_sent.insert(room.to_owned(), if typing { now } else { 0 });
        }
        // Typing notices are best effort.
        let _ = self.inner.client.set_typing(room, typing, TYPING_MS).await;
    }

    // --- Staff (admins) ----------------------------------------------------------------

    /// Everyone holding a role, with their roles.
    pub async fn roster(&self) -> Result<Vec<RosterEntry>, provision::ProvisionError> {
        provision::roster(&self.inner.client, &self.clinic()).await
    }

    /// Gives (`add`) or takes a role; the homeserver refuses what the person may not do.
    pub async fn change_role(&self, user: &str, role: &str, add: bool) -> Result<(), provision::ProvisionError> {
        let clinic = self.clinic();
        let roles = [role.to_owned()];
        if add {
            provision::add_roles(&self.inner.client, &clinic, user, &roles).await?;
        } else {
            provision::remove_roles(&self.inner.client, &clinic, user, &roles).await?;
        }
        Ok(())
    }

    /// The full user id for `user` (a user name on this person's homeserver, or a full id).
    pub fn user_id_for(&self, user: &str) -> String {
        if user.starts_with('@') {
            user.to_owned()
        } else {
            format!("@{user}:{}", provision::server_name(&self.me()))
        }
    }

    /// The person's homeserver client, for the session's other services in this module.
    pub(super) fn client(&self) -> &Client<T> {
        &self.inner.client
    }

    /// The platform's clock and transaction ids, for the session's other services.
    pub(super) fn queue(&self) -> &Outbox<T, S, P> {
        &self.inner.outbox
    }

    pub(super) fn platform(&self) -> &P {
        &self.inner.platform
    }

    /// Applies what the homeserver confirmed (before its sync echo arrives) and shows it.
    pub(super) fn learned(&self, facts: impl IntoIterator<Item = Incoming>) {
        {
            let mut state = self.inner.state.borrow_mut();
            state.inbox.apply(facts);
            state.dirty = true;
        }
        self.emit(Change::Inbox);
    }

    fn clinic(&self) -> Clinic {
        Clinic {
            space: self.inner.clinic_space.clone(),
            policy: self.policy(),
        }
    }

    // --- Ending --------------------------------------------------------------------------

    /// Stops, and tells the server the session is over (best effort: the local session ends
    /// even if the server cannot be told).
    pub async fn sign_out(&self) {
        self.stop();
        let mut client = self.inner.client.clone();
        let _ = client.logout().await;
    }

    /// How many messages are not on the server yet (Sign out warns before losing them).
    pub fn unsent(&self) -> usize {
        self.inner.outbox.items().len()
    }
}
