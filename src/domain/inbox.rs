//! The inbox: every thread the person can see, what they have read, and the filtered views.

use super::thread::{fold, Body, Delivery, Message, Priority, Status, Thread, ThreadInfo};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Something the sync engine learned, already translated from Matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A thread root (a Rounds root with metadata, or any top-level message from another client).
    Root {
        /// Category room.
        room_id: String,
        /// The root message.
        message: Message,
        /// Topic, patient, priority.
        info: ThreadInfo,
    },
    /// A message inside a thread (a reply or a status update).
    InThread {
        /// Category room.
        room_id: String,
        /// Thread root id.
        root_id: String,
        /// The message.
        message: Message,
    },
    /// A message's sender edited it: `text` is what it says now. An edit by anyone else is
    /// not applied (clients decide this; the homeserver does not).
    Edit {
        /// Category room.
        room_id: String,
        /// The edited message.
        target: String,
        /// Who sent the edit.
        sender: String,
        /// When the edit was sent (milliseconds since the epoch).
        ts: u64,
        /// The new text.
        text: String,
    },
    /// A message was retracted (its content removed by the homeserver, which checked that
    /// `by` may).
    Removed {
        /// Category room.
        room_id: String,
        /// The retracted message.
        target: String,
        /// Who retracted it.
        by: String,
        /// Their reason (may be empty).
        reason: String,
    },
    /// A read receipt.
    Receipt {
        /// Room.
        room_id: String,
        /// Reader.
        user_id: String,
        /// The event read up to.
        event_id: String,
        /// When they read it (milliseconds since the epoch), if the homeserver says.
        ts: Option<u64>,
    },
    /// Someone's display name.
    Name {
        /// User id.
        user_id: String,
        /// Display name.
        name: String,
    },
    /// Who is typing in a room now.
    Typing {
        /// Room.
        room_id: String,
        /// Users typing.
        user_ids: Vec<String>,
    },
    /// A thread root that cannot be loaded: its replies show under a stand-in
    /// ([`Thread::unavailable`]) until the root arrives after all.
    RootUnavailable {
        /// Category room.
        room_id: String,
        /// The root that could not be loaded.
        root_id: String,
    },
    /// The person no longer has access to a room (kicked, left, role removed).
    RoomGone {
        /// Room.
        room_id: String,
    },
}

/// An edit of one of the person's messages that the homeserver does not have yet: shown on the
/// message (with its state) until the edit comes back from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEdit {
    /// The outbox item's transaction id (for Retry and Discard).
    pub txn_id: String,
    /// The new text.
    pub text: String,
    /// Waiting, failed, or on the server and not yet back through sync.
    pub delivery: Delivery,
}

/// Quick views staff expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Everything.
    #[default]
    All,
    /// Threads I started, replied in or am mentioned in.
    Mine,
    /// Threads addressed to a role I am addressed as ([`Filter::my_roles`]).
    ForMyRole,
    /// Urgent threads.
    Urgent,
    /// Open threads.
    Open,
    /// Resolved threads.
    Resolved,
}

/// The inbox filter controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Search text (patient, topic, loaded message text); case- and accent-insensitive.
    pub search: String,
    /// Only this category room.
    pub room_id: Option<String>,
    /// Only threads with unread messages.
    pub unread_only: bool,
    /// Quick view.
    pub view: View,
    /// Sort threads of the same patient together.
    pub group_by_patient: bool,
    /// The roles the person is addressed as (for [`View::ForMyRole`]).
    pub my_roles: Vec<String>,
}

/// A thread's key: room and root.
pub type ThreadKey = (String, String);

/// Everything the person can see, kept up to date from sync batches.
#[derive(Debug, Default)]
pub struct Inbox {
    me: String,
    threads: HashMap<ThreadKey, Thread>,
    /// Event id → thread, for replies, receipts and de-duplication.
    event_thread: HashMap<String, ThreadKey>,
    /// Per thread: each user's furthest read event in it.
    marks: HashMap<ThreadKey, HashMap<String, String>>,
    /// Receipts on events not loaded yet: event id → (room, user), placed when the event arrives.
    pending_receipts: HashMap<String, Vec<(String, String, Option<u64>)>>,
    /// The person's edits still on their way, by the message they edit.
    pending_edits: HashMap<String, PendingEdit>,
    names: HashMap<String, String>,
    /// When each read mark was set (user, event), where the homeserver said.
    read_at: HashMap<(String, String), u64>,
    typing: HashMap<String, Vec<String>>,
    /// Replies whose root has not arrived yet.
    orphans: HashMap<String, Vec<(String, Message)>>,
}

impl Inbox {
    /// An empty inbox for `me`.
    pub fn new(me: &str) -> Self {
        Inbox {
            me: me.to_owned(),
            ..Inbox::default()
        }
    }

    /// The signed-in user.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// Applies a batch from sync (or a page of history). Already-known events are skipped.
    pub fn apply(&mut self, batch: impl IntoIterator<Item = Incoming>) {
        for item in batch {
            self.apply_one(item);
        }
    }

    fn apply_one(&mut self, item: Incoming) {
        match item {
            Incoming::Root { room_id, message, info } => {
                if self.event_thread.contains_key(&message.id) {
                    self.replace_stand_in(&room_id, message, info);
                    return;
                }
                // The server's copy of a thread this device started: the local thread takes
                // its event id (and keeps the replies queued meanwhile).
                if let Some(txn) = message.txn_id.clone().filter(|t| *t != message.id) {
                    if self.threads.contains_key(&(room_id.clone(), txn.clone())) {
                        self.confirm_root(&room_id, &txn, &message.id);
                        return;
                    }
                }
                let key = (room_id.clone(), message.id.clone());
                self.event_thread.insert(message.id.clone(), key.clone());
                let root_id = message.id.clone();
                self.threads
                    .insert(key.clone(), self.annotate(Thread::new(&room_id, message, info)));
                self.place_pending_receipts(&root_id, &key);
                for (room, reply) in self.orphans.remove(&root_id).unwrap_or_default() {
                    self.add_to_thread(&room, &root_id, reply);
                }
            }
            Incoming::InThread {
                room_id,
                root_id,
                message,
            } => {
                if self.event_thread.contains_key(&message.id) {
                    return;
                }
                if self.threads.contains_key(&(room_id.clone(), root_id.clone())) {
                    self.add_to_thread(&room_id, &root_id, message);
                } else {
                    self.orphans.entry(root_id).or_default().push((room_id, message));
                }
            }
            Incoming::Edit {
                room_id,
                target,
                sender,
                ts,
                text,
            } => {
                if let Some(thread) = self.thread_of_mut(&room_id, &target) {
                    thread.edit(&target, &sender, ts, &text);
                }
                // The person's own edit is back from the server (a newer one may still wait).
                if sender == self.me {
                    let arrived = |e: &PendingEdit| e.delivery == Delivery::Sent;
                    if self.pending_edits.get(&target).is_some_and(arrived) {
                        self.pending_edits.remove(&target);
                    }
                }
            }
            Incoming::Removed {
                room_id,
                target,
                by,
                reason,
            } => {
                if let Some(thread) = self.thread_of_mut(&room_id, &target) {
                    thread.remove(&target, &by, &reason);
                }
            }
            Incoming::Receipt {
                room_id,
                user_id,
                event_id,
                ts,
            } => self.receipt(room_id, user_id, event_id, ts),
            Incoming::RootUnavailable { room_id, root_id } => {
                let Some(replies) = self.orphans.remove(&root_id) else {
                    return;
                };
                let key = (room_id.clone(), root_id.clone());
                self.event_thread.insert(root_id.clone(), key.clone());
                self.threads.insert(key, Thread::unavailable(&room_id, &root_id));
                for (room, reply) in replies {
                    self.add_to_thread(&room, &root_id, reply);
                }
            }
            Incoming::Name { user_id, name } => {
                self.names.insert(user_id, name);
            }
            Incoming::Typing { room_id, user_ids } => {
                self.typing.insert(room_id, user_ids);
            }
            Incoming::RoomGone { room_id } => {
                self.threads.retain(|(room, _), _| *room != room_id);
                self.event_thread.retain(|_, (room, _)| *room != room_id);
                self.marks.retain(|(room, _), _| *room != room_id);
                self.typing.remove(&room_id);
            }
        }
    }

    /// The thread holding event `event_id` of `room_id`, if loaded.
    fn thread_of_mut(&mut self, room_id: &str, event_id: &str) -> Option<&mut Thread> {
        let key = self.event_thread.get(event_id).filter(|k| k.0 == room_id)?;
        self.threads.get_mut(key)
    }

    /// The root of a thread shown under a stand-in arrived after all: it takes the stand-in's
    /// place (the replies stay).
    fn replace_stand_in(&mut self, room_id: &str, root: Message, info: ThreadInfo) {
        let mentions = self.mentions_me(&root);
        let Some(thread) = self
            .threads
            .get_mut(&(room_id.to_owned(), root.id.clone()))
            .filter(|t| t.is_unavailable())
        else {
            return;
        };
        let replies = thread.messages.split_off(1);
        let mut real = Thread::new(room_id, root, info);
        for reply in replies {
            real.push(reply);
        }
        real.mentions_me = thread.mentions_me || mentions;
        *thread = real;
    }

    /// Places a receipt in its thread, or keeps it until its event arrives.
    fn receipt(&mut self, room_id: String, user_id: String, event_id: String, ts: Option<u64>) {
        match self.event_thread.get(&event_id).cloned().filter(|k| k.0 == room_id) {
            Some(key) => self.mark(key, user_id, event_id, ts),
            None => self
                .pending_receipts
                .entry(event_id)
                .or_default()
                .push((room_id, user_id, ts)),
        }
    }

    /// Moves `user`'s read mark in thread `key` to `event_id` if that is further.
    fn mark(&mut self, key: ThreadKey, user: String, event_id: String, ts: Option<u64>) {
        let Some(thread) = self.threads.get(&key) else { return };
        let marks = self.marks.entry(key).or_default();
        let further = match marks.get(&user) {
            Some(current) => thread.position(&event_id) > thread.position(current),
            None => true,
        };
        if further {
            if let Some(earlier) = marks.insert(user.clone(), event_id.clone()) {
                self.read_at.remove(&(user.clone(), earlier));
            }
            if let Some(ts) = ts {
                self.read_at.insert((user, event_id), ts);
            }
        }
    }

    /// Places receipts that arrived before their event.
    fn place_pending_receipts(&mut self, event_id: &str, key: &ThreadKey) {
        for (room, user, ts) in self.pending_receipts.remove(event_id).unwrap_or_default() {
            if room == key.0 {
                self.mark(key.clone(), user, event_id.to_owned(), ts);
            }
        }
    }

    fn add_to_thread(&mut self, room_id: &str, root_id: &str, message: Message) {
        let key = (room_id.to_owned(), root_id.to_owned());
        self.event_thread.insert(message.id.clone(), key.clone());
        let id = message.id.clone();
        let mentions = self.mentions_me(&message);
        if let Some(thread) = self.threads.get_mut(&key) {
            // A server echo replaces the local echo: forget the local id.
            if let Some(txn) = &message.txn_id {
                if let Some(local) = thread.messages.iter().find(|m| m.txn_id.as_ref() == Some(txn)) {
                    if local.id != message.id {
                        self.event_thread.remove(&local.id.clone());
                    }
                }
            }
            thread.mentions_me |= mentions;
            thread.push(message);
            self.place_pending_receipts(&id, &key);
        }
    }

    fn annotate(&self, mut thread: Thread) -> Thread {
        thread.mentions_me = thread.messages.iter().any(|m| self.mentions_me(m));
        thread
    }

    fn mentions_me(&self, message: &Message) -> bool {
        let Body::Text(text) = &message.body else { return false };
        if message.sender == self.me {
            return false;
        }
        let text = fold(text);
        text.contains(&fold(&self.me)) || self.names.get(&self.me).is_some_and(|n| text.contains(&fold(n)))
    }

    /// Adds a local echo for a message this device is sending into a thread.
    pub fn add_local(&mut self, room_id: &str, root_id: &str, message: Message) {
        self.add_to_thread(room_id, root_id, message);
    }

    /// Changes the delivery state of a local message (by txn id).
    pub fn set_delivery(&mut self, room_id: &str, root_id: &str, txn_id: &str, delivery: Delivery) {
        if let Some(edit) = self.pending_edits.values_mut().find(|e| e.txn_id == txn_id) {
            edit.delivery = delivery.clone();
        }
        if let Some(thread) = self.threads.get_mut(&(room_id.to_owned(), root_id.to_owned())) {
            if let Some(m) = thread
                .messages
                .iter_mut()
                .find(|m| m.txn_id.as_deref() == Some(txn_id) && m.delivery != Delivery::Sent)
            {
                m.delivery = delivery;
            }
        }
    }

    /// A local message's content changed before it was sent (an attachment now uploaded, with
    /// its address on the homeserver).
    pub fn set_local_body(&mut self, room_id: &str, root_id: &str, txn_id: &str, body: Body) {
        if let Some(thread) = self.threads.get_mut(&(room_id.to_owned(), root_id.to_owned())) {
            if let Some(m) = thread
                .messages
                .iter_mut()
                .find(|m| m.txn_id.as_deref() == Some(txn_id) && m.delivery != Delivery::Sent)
            {
                m.body = body;
            }
        }
    }

    /// Marks a local message as on the server under `event_id` (from the send's answer, which
    /// usually arrives before the sync echo; the echo is then a duplicate and skipped).
    pub fn confirm_sent(&mut self, room_id: &str, root_id: &str, txn_id: &str, event_id: &str) {
        if let Some(edit) = self.pending_edits.values_mut().find(|e| e.txn_id == txn_id) {
            edit.delivery = Delivery::Sent;
        }
        let key = (room_id.to_owned(), root_id.to_owned());
        let Some(thread) = self.threads.get_mut(&key) else {
            return;
        };
        if thread.contains(event_id) {
            // The sync echo won the race: any local echo still carrying the txn id goes.
            thread
                .messages
                .retain(|m| m.txn_id.as_deref() != Some(txn_id) || m.delivery == Delivery::Sent);
            return;
        }
        if let Some(m) = thread.messages.iter_mut().find(|m| m.txn_id.as_deref() == Some(txn_id)) {
            self.event_thread.remove(&m.id);
            m.id = event_id.to_owned();
            m.delivery = Delivery::Sent;
            self.event_thread.insert(event_id.to_owned(), key);
        }
    }

    /// A thread started on this device (keyed by its transaction id) is on the server as
    /// `event_id`: it is keyed by that from now on, its root marked sent.
    pub fn confirm_root(&mut self, room_id: &str, txn_id: &str, event_id: &str) {
        let Some(mut thread) = self.threads.remove(&(room_id.to_owned(), txn_id.to_owned())) else {
            return;
        };
        let key = (room_id.to_owned(), event_id.to_owned());
        thread.root_id = event_id.to_owned();
        if let Some(root) = thread.messages.first_mut() {
            root.id = event_id.to_owned();
            root.delivery = Delivery::Sent;
        }
        self.event_thread.remove(txn_id);
        for message in &thread.messages {
            self.event_thread.insert(message.id.clone(), key.clone());
        }
        if let Some(marks) = self.marks.remove(&(room_id.to_owned(), txn_id.to_owned())) {
            self.marks.insert(key.clone(), marks);
        }
        self.threads.insert(key.clone(), thread);
        self.place_pending_receipts(event_id, &key);
        for (room, reply) in self.orphans.remove(event_id).unwrap_or_default() {
            self.add_to_thread(&room, event_id, reply);
        }
    }

    /// `(room, root)` of threads whose root is still to be loaded: replies waiting for their
    /// root (older than what synced), and threads shown under a stand-in.
    pub fn missing_roots(&self) -> Vec<(String, String)> {
        let waiting = self
            .orphans
            .iter()
            .filter_map(|(root, replies)| replies.first().map(|(room, _)| (room.clone(), root.clone())));
        let stand_ins = self
            .threads
            .iter()
            .filter(|(_, t)| t.is_unavailable())
            .map(|(k, _)| k.clone());
        waiting.chain(stand_ins).collect()
    }

    /// Removes a local message that was never sent.
    pub fn remove_local(&mut self, room_id: &str, root_id: &str, txn_id: &str) {
        self.pending_edits.retain(|_, e| e.txn_id != txn_id);
        if let Some(thread) = self.threads.get_mut(&(room_id.to_owned(), root_id.to_owned())) {
            thread
                .messages
                .retain(|m| m.txn_id.as_deref() != Some(txn_id) || m.delivery == Delivery::Sent);
        }
    }

    /// Forgets everything sent before its room's cutoff (`cutoffs`: room id → milliseconds):
    /// expired threads go, and expired messages of threads that live on. Whether anything did.
    pub fn expire(&mut self, cutoffs: &HashMap<String, u64>) -> bool {
        let mut changed = false;
        self.threads.retain(|(room, _), thread| {
            let Some(cutoff) = cutoffs.get(room) else { return true };
            let before = (thread.messages.len(), thread.is_unavailable());
            let alive = thread.expire(*cutoff);
            changed |= !alive || before != (thread.messages.len(), thread.is_unavailable());
            alive
        });
        if changed {
            let threads = &self.threads;
            self.event_thread.retain(|_, key| threads.contains_key(key));
            self.marks.retain(|key, _| threads.contains_key(key));
        }
        changed
    }

    /// Shows `edit` on the person's message `target` until the server has it.
    pub fn add_pending_edit(&mut self, target: &str, edit: PendingEdit) {
        self.pending_edits.insert(target.to_owned(), edit);
    }

    /// The person's edit of `target` still on its way, if any.
    pub fn pending_edit(&self, target: &str) -> Option<&PendingEdit> {
        self.pending_edits.get(target)
    }

    /// One thread.
    pub fn thread(&self, room_id: &str, root_id: &str) -> Option<&Thread> {
        self.threads.get(&(room_id.to_owned(), root_id.to_owned()))
    }

    /// Number of threads.
    pub fn len(&self) -> usize {
        self.threads.len()
    }

    /// Whether there are no threads.
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// Whether this event is already known.
    pub fn knows(&self, event_id: &str) -> bool {
        self.event_thread.contains_key(event_id)
    }

    /// Whether something this device sent with `txn_id` is in the thread already (as a local
    /// echo or as the server's copy).
    pub fn has_txn(&self, room_id: &str, root_id: &str, txn_id: &str) -> bool {
        self.knows(txn_id)
            || self.pending_edits.values().any(|e| e.txn_id == txn_id)
            || self
                .thread(room_id, root_id)
                .is_some_and(|t| t.messages.iter().any(|m| m.txn_id.as_deref() == Some(txn_id)))
    }

    /// A person's display name (falls back to the user id's local part).
    pub fn name(&self, user_id: &str) -> String {
        self.names
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| super::staff::localpart(user_id).to_owned())
    }

    /// Position in `thread` up to which `user` has read (their furthest receipt in it).
    fn read_position(&self, thread: &Thread, user: &str) -> Option<usize> {
        let marks = self.marks.get(&(thread.room_id.clone(), thread.root_id.clone()))?;
        thread.position(marks.get(user)?)
    }

    /// Messages from others after my furthest receipt in the thread.
    pub fn unread(&self, thread: &Thread) -> usize {
        let from = self.read_position(thread, &self.me).map_or(0, |p| p + 1);
        let mine = thread
            .messages
            .iter()
            .rposition(|m| m.sender == self.me)
            .map_or(0, |p| p + 1);
        // Writing in a thread means having read what came before.
        thread
            .messages
            .iter()
            .skip(from.max(mine))
            .filter(|m| m.sender != self.me && m.body != Body::Unavailable)
            .count()
    }

    /// Unread messages across all threads.
    pub fn total_unread(&self) -> usize {
        self.threads.values().map(|t| self.unread(t)).sum()
    }

    /// Everyone's furthest read message in `thread` (user, event id, when they read it if
    /// known), by user id.
    pub fn read_marks(&self, thread: &Thread) -> Vec<(String, String, Option<u64>)> {
        let key = (thread.room_id.clone(), thread.root_id.clone());
        let mut marks: Vec<_> = self
            .marks
            .get(&key)
            .into_iter()
            .flatten()
            .map(|(user, event)| {
                let at = self.read_at.get(&(user.clone(), event.clone())).copied();
                (user.clone(), event.clone(), at)
            })
            .collect();
        marks.sort();
        marks
    }

    /// For each message index, who (other than me) has read up to exactly there.
    pub fn seen_by(&self, thread: &Thread) -> BTreeMap<usize, Vec<String>> {
        let mut seen: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let key = (thread.room_id.clone(), thread.root_id.clone());
        for (user, event) in self.marks.get(&key).into_iter().flatten() {
            if *user == self.me {
                continue;
            }
            if let Some(pos) = thread.position(event) {
                seen.entry(pos).or_default().push(self.name(user));
            }
        }
        seen.values_mut().for_each(|names| names.sort());
        seen
    }

    /// The receipt to send for a thread the person is looking at: the newest sent message from
    /// someone else that is not already covered by one of my receipts.
    pub fn receipt_to_send(&self, thread: &Thread) -> Option<String> {
        let latest = thread
            .messages
            .iter()
            .rposition(|m| m.delivery == Delivery::Sent && m.sender != self.me && m.body != Body::Unavailable)?;
        let read = self.read_position(thread, &self.me);
        (read.is_none_or(|r| r < latest)).then(|| thread.messages[latest].id.clone())
    }

    /// Users typing in a room, other than me.
    pub fn typing(&self, room_id: &str) -> Vec<String> {
        self.typing
            .get(room_id)
            .map(|users| users.iter().filter(|u| **u != self.me).map(|u| self.name(u)).collect())
            .unwrap_or_default()
    }

    /// Threads matching the filter, newest activity first (or grouped by patient).
    pub fn query(&self, filter: &Filter) -> Vec<&Thread> {
        let needle = fold(filter.search.trim());
        let mut found: Vec<&Thread> = self
            .threads
            .values()
            .filter(|t| filter.room_id.as_ref().is_none_or(|r| *r == t.room_id))
            .filter(|t| needle.is_empty() || t.search_text.contains(&needle))
            .filter(|t| match filter.view {
                View::All => true,
                View::Mine => t.participants.contains(&self.me) || t.mentions_me,
                View::ForMyRole => t.info.to_roles.iter().any(|r| filter.my_roles.contains(r)),
                View::Urgent => t.priority == Priority::Urgent,
                View::Open => t.status == Status::Open,
                View::Resolved => t.status == Status::Resolved,
            })
            .filter(|t| !filter.unread_only || self.unread(t) > 0)
            .collect();
        found.sort_by(|a, b| {
            b.last_activity()
                .cmp(&a.last_activity())
                .then_with(|| a.root_id.cmp(&b.root_id))
        });
        if filter.group_by_patient {
            // Stable: inside a patient, newest first; patients ordered by their newest thread;
            // threads without a patient last. Keys are computed once per thread.
            let keys: Vec<String> = found.iter().map(|t| patient_key(t)).collect();
            let mut order: HashMap<&str, usize> = HashMap::new();
            for key in &keys {
                let next = order.len();
                order.entry(key.as_str()).or_insert(next);
            }
            let mut decorated: Vec<((bool, usize), &Thread)> = keys
                .iter()
                .map(|k| (k.is_empty(), order[k.as_str()]))
                .zip(found)
                .collect();
            decorated.sort_by_key(|(rank, _)| *rank);
            found = decorated.into_iter().map(|(_, t)| t).collect();
        }
        found
    }
}

/// The inbox as kept on the device between starts: the most recently active threads with their
/// newest messages, read marks and names. Local echoes are left out (the outbox keeps those).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxSnapshot {
    /// The signed-in user.
    pub me: String,
    /// Threads, most recently active first, each with its root and newest replies.
    pub threads: Vec<Thread>,
    /// `(room, root, user, event)`: each user's furthest read event per thread.
    pub marks: Vec<(String, String, String, String)>,
    /// Display names by user id.
    pub names: Vec<(String, String)>,
}

impl Inbox {
    /// What to keep on the device: at most `max_threads` threads (most recently active first),
    /// each with its root and at most `max_replies` newest sent replies.
    pub fn snapshot(&self, max_threads: usize, max_replies: usize) -> InboxSnapshot {
        let mut threads: Vec<&Thread> = self.threads.values().collect();
        threads.sort_by(|a, b| {
            b.last_activity()
                .cmp(&a.last_activity())
                .then_with(|| a.root_id.cmp(&b.root_id))
        });
        threads.truncate(max_threads);
        let mut marks = Vec::new();
        let kept: Vec<Thread> = threads
            .into_iter()
            .map(|t| {
                let mut kept = t.clone();
                let sent: Vec<Message> = t.messages[1..]
                    .iter()
                    .filter(|m| m.delivery == Delivery::Sent)
                    .cloned()
                    .collect();
                let skip = sent.len().saturating_sub(max_replies);
                kept.messages.truncate(1);
                kept.messages.extend(sent.into_iter().skip(skip));
                let key = (t.room_id.clone(), t.root_id.clone());
                for (user, event) in self.marks.get(&key).into_iter().flatten() {
                    // A mark on a message left out is older than every kept reply: the root
                    // stands in for it, so those replies still count as unread.
                    let event = if kept.contains(event) {
                        event.clone()
                    } else {
                        t.root_id.clone()
                    };
                    marks.push((key.0.clone(), key.1.clone(), user.clone(), event));
                }
                kept
            })
            .collect();
        let mut names: Vec<(String, String)> = self.names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        names.sort();
        InboxSnapshot {
            me: self.me.clone(),
            threads: kept,
            marks,
            names,
        }
    }

    /// The inbox kept by [`Inbox::snapshot`], ready to paint and to take sync batches.
    pub fn from_snapshot(snapshot: InboxSnapshot) -> Inbox {
        let mut inbox = Inbox::new(&snapshot.me);
        inbox.names = snapshot.names.into_iter().collect();
        for thread in snapshot.threads {
            let key = (thread.room_id.clone(), thread.root_id.clone());
            for message in &thread.messages {
                inbox.event_thread.insert(message.id.clone(), key.clone());
            }
            inbox.threads.insert(key, thread);
        }
        for (room, root, user, event) in snapshot.marks {
            inbox.mark((room, root), user, event, None);
        }
        inbox
    }
}

/// The grouping key of a thread's patient (`""` without one).
pub fn patient_key(thread: &Thread) -> String {
    thread
        .info
        .patient
        .as_ref()
        .map(|p| fold(p.display.trim()))
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
