//! The inbox: every thread the person can see, what they have read, and the filtered views.
//!
//! Split by concern: [`index`] holds the threads and finds them by any message id,
//! [`receipts`] who read what, [`echo`] what this device is sending, [`query`] the filters and
//! [`snapshot`] what is kept on the device. Every change says which threads it touched
//! ([`Touched`]), so screens repaint only those.

mod echo;
mod incoming;
mod index;
mod query;
mod receipts;
mod snapshot;
mod touched;

pub use echo::PendingEdit;
pub use incoming::Incoming;
pub use query::{patient_key, CategoryCounts, Filter, InboxChoices, View, DIRECT};
pub use snapshot::InboxSnapshot;
pub use touched::Touched;

use super::ids::ThreadKey;
use super::thread::{fold, Body, Delivery, Message, Thread, ThreadInfo};
use index::Index;
use receipts::Receipts;
use std::collections::{BTreeMap, HashMap};

/// Everything the person can see, kept up to date from sync batches.
#[derive(Debug, Default)]
pub struct Inbox {
    me: String,
    index: Index,
    receipts: Receipts,
    /// The person's edits still on their way, by the message they edit.
    pending_edits: HashMap<String, PendingEdit>,
    names: HashMap<String, String>,
    typing: HashMap<String, Vec<String>>,
    /// Direct conversations: their members by room.
    conversations: BTreeMap<String, Vec<String>>,
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

    /// The members of the direct conversation in `room` (`None`: not a conversation).
    pub fn conversation(&self, room: &str) -> Option<&[String]> {
        self.conversations.get(room).map(Vec::as_slice)
    }

    /// The direct conversation whose members are exactly the person and `others`, if there is
    /// one already (a new thread to the same people goes there).
    pub fn conversation_with(&self, others: &[String]) -> Option<&str> {
        let mut wanted: Vec<&str> = others.iter().map(String::as_str).chain([self.me.as_str()]).collect();
        wanted.sort_unstable();
        wanted.dedup();
        self.conversations
            .iter()
            .find(|(_, members)| {
                let mut have: Vec<&str> = members.iter().map(String::as_str).collect();
                have.sort_unstable();
                have.dedup();
                have == wanted
            })
            .map(|(room, _)| room.as_str())
    }

    /// Every direct conversation's room.
    pub fn conversation_rooms(&self) -> impl Iterator<Item = &str> {
        self.conversations.keys().map(String::as_str)
    }

    /// Applies a batch from sync (or a page of history); already-known events are skipped.
    /// Returns the threads it touched.
    pub fn apply(&mut self, batch: impl IntoIterator<Item = Incoming>) -> Touched {
        let mut touched = Touched::default();
        for item in batch {
            touched.merge(self.apply_one(item));
        }
        touched
    }

    fn apply_one(&mut self, item: Incoming) -> Touched {
        let some = |key: Option<ThreadKey>| key.map(Touched::one).unwrap_or_default();
        match item {
            Incoming::Root { room_id, message, info } => some(self.add_root(room_id, message, info)),
            Incoming::InThread {
                room_id,
                root_id,
                message,
            } => {
                if self.index.knows(&message.id) {
                    return Touched::default();
                }
                match self.index.resolve(&ThreadKey::new(room_id.as_str(), root_id.as_str())) {
                    Some(key) => {
                        self.add_to_thread(&key, message);
                        Touched::one(key)
                    }
                    None => {
                        self.index.park(room_id, root_id, message);
                        Touched::default()
                    }
                }
            }
            Incoming::Edit {
                room_id,
                target,
                sender,
                ts,
                text,
            } => {
                let key = self.index.of_message(&room_id, &target);
                if let Some(thread) = key.as_ref().and_then(|k| self.index.get_mut(k)) {
                    thread.edit(&target, &sender, ts, &text);
                }
                // The person's own edit is back from the server (a newer one may still wait).
                if sender == self.me {
                    let arrived = |e: &PendingEdit| e.delivery == Delivery::Sent;
                    if self.pending_edits.get(&target).is_some_and(arrived) {
                        self.pending_edits.remove(&target);
                    }
                }
                some(key)
            }
            Incoming::Removed {
                room_id,
                target,
                by,
                reason,
                at,
            } => {
                let key = self.index.of_message(&room_id, &target);
                if let Some(thread) = key.as_ref().and_then(|k| self.index.get_mut(k)) {
                    thread.remove(&target, &by, &reason, at);
                }
                some(key)
            }
            Incoming::Receipt {
                room_id,
                user_id,
                event_id,
                ts,
            } => some(self.receipt(room_id, user_id, event_id, ts)),
            Incoming::RootUnavailable { room_id, root_id } => {
                let replies = self.index.take_parked(&root_id);
                if replies.is_empty() {
                    return Touched::default();
                }
                let key = self.index.insert(Thread::unavailable(&room_id, &root_id));
                for (_, reply) in replies {
                    self.add_to_thread(&key, reply);
                }
                Touched::one(key)
            }
            Incoming::Name { user_id, name } => {
                self.names.insert(user_id, name);
                Touched::all()
            }
            Incoming::Typing { room_id, user_ids } => {
                self.typing.insert(room_id, user_ids);
                Touched::default()
            }
            Incoming::Conversation { room_id, members } => {
                self.conversations.insert(room_id, members);
                Touched::default()
            }
            Incoming::RoomGone { room_id } => {
                self.conversations.remove(&room_id);
                self.index.remove_room(&room_id);
                self.receipts.retain(|key| key.room_str() != room_id);
                self.typing.remove(&room_id);
                Touched::all()
            }
        }
    }

    /// A thread's first message: a new thread, the server's copy of one this device started,
    /// or the root of a thread shown under a stand-in.
    fn add_root(&mut self, room_id: String, message: Message, info: ThreadInfo) -> Option<ThreadKey> {
        if let Some(key) = self.index.of_message(&room_id, &message.id) {
            return self.replace_stand_in(&key, message, info).then_some(key);
        }
        // The server's copy of a thread this device started: the local thread takes its event
        // id (and keeps its key and the replies queued meanwhile).
        if let Some(txn) = message.txn_id.clone().filter(|t| *t != message.id) {
            if self
                .index
                .get(&ThreadKey::new(room_id.as_str(), txn.as_str()))
                .is_some()
            {
                return self.confirm_root(&room_id, &txn, &message.id);
            }
        }
        let root_id = message.id.clone();
        // A thread the person started (here or on another device) is known by the transaction
        // id it was created with, as it was where it was written: its draft is found under the
        // same key whatever this device kept.
        let created_as = message
            .txn_id
            .clone()
            .filter(|txn| message.sender == self.me && *txn != message.id);
        let mut thread = self.annotate(Thread::new(&room_id, message, info));
        thread.created_as = created_as;
        let key = self.index.insert(thread);
        if let Some(thread) = self.index.get(&key) {
            self.receipts.place_waiting(&root_id, thread);
        }
        for (room, reply) in self.index.take_parked(&root_id) {
            if room == room_id {
                self.add_to_thread(&key, reply);
            }
        }
        Some(key)
    }

    /// The root of a thread shown under a stand-in arrived after all: it takes the stand-in's
    /// place (the replies stay). Whether it did.
    fn replace_stand_in(&mut self, key: &ThreadKey, root: Message, info: ThreadInfo) -> bool {
        let mentions = self.mentions_me(&root);
        let Some(thread) = self.index.get_mut(key).filter(|t| t.is_unavailable()) else {
            return false;
        };
        let replies = thread.messages.split_off(1);
        let mut real = Thread::new(&thread.room_id, root, info);
        for reply in replies {
            real.push(reply);
        }
        real.mentions_me = thread.mentions_me || mentions;
        *thread = real;
        true
    }

    /// Places a receipt in its thread, or keeps it until its event arrives.
    fn receipt(&mut self, room_id: String, user_id: String, event_id: String, ts: Option<u64>) -> Option<ThreadKey> {
        let Some(key) = self.index.of_message(&room_id, &event_id) else {
            self.receipts.wait(event_id, room_id, user_id, ts);
            return None;
        };
        let thread = self.index.get(&key)?;
        self.receipts.mark(thread, user_id, event_id, ts).then_some(key)
    }

    fn add_to_thread(&mut self, key: &ThreadKey, message: Message) {
        let id = message.id.clone();
        let mentions = self.mentions_me(&message);
        if self.index.add_message(key, message) {
            if let Some(thread) = self.index.get_mut(key) {
                thread.mentions_me |= mentions;
            }
            if let Some(thread) = self.index.get(key) {
                self.receipts.place_waiting(&id, thread);
            }
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

    /// `(room, root)` of threads whose root is still to be loaded: replies waiting for their
    /// root (older than what synced), and threads shown under a stand-in.
    pub fn missing_roots(&self) -> Vec<(String, String)> {
        self.index.missing_roots()
    }

    /// Forgets everything sent before its room's cutoff (`cutoffs`: room id → milliseconds):
    /// expired threads go, and expired messages of threads that live on.
    pub fn expire(&mut self, cutoffs: &HashMap<String, u64>) -> Touched {
        let mut touched = Touched::default();
        self.index.retain(|thread| {
            let Some(cutoff) = cutoffs.get(&thread.room_id) else {
                return true;
            };
            let before = (thread.messages.len(), thread.is_unavailable());
            let alive = thread.expire(*cutoff);
            if !alive || before != (thread.messages.len(), thread.is_unavailable()) {
                touched.add(thread.key());
            }
            alive
        });
        if !touched.is_empty() {
            let index = &self.index;
            self.receipts.retain(|key| index.get(key).is_some());
        }
        touched
    }

    /// The key the thread `key` is kept under: itself, or — for the event id of a thread
    /// started on this device — the key it was created with.
    pub fn resolve(&self, key: &ThreadKey) -> ThreadKey {
        self.index.resolve(key).unwrap_or_else(|| key.clone())
    }

    /// One thread, by its key or the event id of its first message.
    pub fn thread(&self, key: &ThreadKey) -> Option<&Thread> {
        self.index.get(&self.index.resolve(key)?)
    }

    /// The thread holding message `event_id` of `room`, if loaded.
    pub fn thread_of_message(&self, room: &str, event_id: &str) -> Option<&Thread> {
        self.index.get(&self.index.of_message(room, event_id)?)
    }

    /// Every thread, in no particular order.
    pub fn threads(&self) -> impl Iterator<Item = &Thread> {
        self.index.threads()
    }

    /// The threads about the patient whose record is `record` (`Patient/<id>`), most recently
    /// active first: where a visit on the schedule leads.
    pub fn about_patient(&self, record: &str) -> Vec<&Thread> {
        let mut found: Vec<&Thread> = self
            .threads()
            .filter(|t| t.info.patient.as_ref().and_then(|p| p.id.as_deref()) == Some(record))
            .collect();
        found.sort_by_key(|t| std::cmp::Reverse(t.last_activity()));
        found
    }

    /// Number of threads.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no threads.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// Whether this event (or a local echo's transaction id) is already known.
    pub fn knows(&self, event_id: &str) -> bool {
        self.index.knows(event_id)
    }

    /// A person's display name (falls back to the user id's local part).
    pub fn name(&self, user_id: &str) -> String {
        self.names
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| super::staff::localpart(user_id).to_owned())
    }

    /// Messages from others after my furthest receipt in the thread.
    pub fn unread(&self, thread: &Thread) -> usize {
        self.receipts.unread(thread, &self.me)
    }

    /// Unread messages across all threads.
    pub fn total_unread(&self) -> usize {
        self.threads().map(|t| self.unread(t)).sum()
    }

    /// Everyone's furthest read message in `thread` (user, event id, when they read it if
    /// known), by user id.
    pub fn read_marks(&self, thread: &Thread) -> Vec<(String, String, Option<u64>)> {
        self.receipts.read_marks(thread)
    }

    /// For each message index, who (other than me) has read up to exactly there.
    pub fn seen_by(&self, thread: &Thread) -> BTreeMap<usize, Vec<String>> {
        self.receipts.seen_by(thread, &self.me, |user| self.name(user))
    }

    /// The receipt to send for a thread the person is looking at: the newest sent message from
    /// someone else that is not already covered by one of my receipts.
    pub fn receipt_to_send(&self, thread: &Thread) -> Option<String> {
        self.receipts.to_send(thread, &self.me)
    }

    /// Users typing in a room, other than me.
    pub fn typing(&self, room_id: &str) -> Vec<String> {
        self.typing
            .get(room_id)
            .map(|users| users.iter().filter(|u| **u != self.me).map(|u| self.name(u)).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
