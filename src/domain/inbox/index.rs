//! The threads themselves: each under its [`ThreadKey`], every message findable by its id, and
//! replies waiting for a root that has not arrived.

use super::super::ids::ThreadKey;
use super::super::thread::{Delivery, Message, Thread};
use std::collections::HashMap;

/// The threads, and how to find them.
#[derive(Debug, Default)]
pub(super) struct Index {
    threads: HashMap<ThreadKey, Thread>,
    /// Message id (an event id, or a local echo's transaction id) → the thread holding it.
    /// A thread started here is found by its root's event id too, once it has one.
    by_message: HashMap<String, ThreadKey>,
    /// Replies whose root has not arrived yet: root event id → (room, reply).
    orphans: HashMap<String, Vec<(String, Message)>>,
}

impl Index {
    /// The key `key` stands for: itself, or the key of the thread whose root event it names.
    pub fn resolve(&self, key: &ThreadKey) -> Option<ThreadKey> {
        if self.threads.contains_key(key) {
            return Some(key.clone());
        }
        self.of_message(key.room_str(), key.id_str())
    }

    /// The thread holding message `id` of `room`.
    pub fn of_message(&self, room: &str, id: &str) -> Option<ThreadKey> {
        self.by_message.get(id).filter(|k| k.room_str() == room).cloned()
    }

    /// Whether a message with this id is known.
    pub fn knows(&self, id: &str) -> bool {
        self.by_message.contains_key(id)
    }

    /// The thread kept under `key` (no resolving: see [`Index::resolve`]).
    pub fn get(&self, key: &ThreadKey) -> Option<&Thread> {
        self.threads.get(key)
    }

    /// The thread kept under `key`, to change.
    pub fn get_mut(&mut self, key: &ThreadKey) -> Option<&mut Thread> {
        self.threads.get_mut(key)
    }

    /// Every thread, in no particular order.
    pub fn threads(&self) -> impl Iterator<Item = &Thread> {
        self.threads.values()
    }

    /// How many threads there are.
    pub fn len(&self) -> usize {
        self.threads.len()
    }

    /// Adds a thread under its own key, every message of it findable.
    pub fn insert(&mut self, thread: Thread) -> ThreadKey {
        let key = thread.key();
        for message in &thread.messages {
            self.by_message.insert(message.id.clone(), key.clone());
        }
        self.threads.insert(key.clone(), thread);
        key
    }

    /// Adds `message` to the thread `key` (a server copy replaces the local echo with the same
    /// transaction id). Whether the thread exists.
    pub fn add_message(&mut self, key: &ThreadKey, message: Message) -> bool {
        let Some(thread) = self.threads.get_mut(key) else {
            return false;
        };
        // A server echo replaces the local echo: forget the local id.
        if let Some(txn) = &message.txn_id {
            if let Some(local) = thread.messages.iter().find(|m| m.txn_id.as_ref() == Some(txn)) {
                if local.id != message.id {
                    self.by_message.remove(&local.id.clone());
                }
            }
        }
        self.by_message.insert(message.id.clone(), key.clone());
        thread.push(message);
        true
    }

    /// A local message is on the server as `event_id`: found by that from now on.
    pub fn rename_message(&mut self, key: &ThreadKey, old: &str, event_id: &str) {
        self.by_message.remove(old);
        self.by_message.insert(event_id.to_owned(), key.clone());
    }

    /// Keeps `reply` until its root `root` arrives.
    pub fn park(&mut self, room: String, root: String, reply: Message) {
        self.orphans.entry(root).or_default().push((room, reply));
    }

    /// The replies that waited for the root `root`.
    pub fn take_parked(&mut self, root: &str) -> Vec<(String, Message)> {
        self.orphans.remove(root).unwrap_or_default()
    }

    /// The thread started here as `txn_id` is on the server as `event_id`: its root takes the
    /// event id, its key stays. The thread's key, if it is known.
    pub fn confirm_root(&mut self, room: &str, txn_id: &str, event_id: &str) -> Option<ThreadKey> {
        let key = self.resolve(&ThreadKey::new(room, txn_id))?;
        let thread = self.threads.get_mut(&key)?;
        if thread.root_id != event_id {
            let was = std::mem::replace(&mut thread.root_id, event_id.to_owned());
            thread.created_as.get_or_insert(was);
        }
        if let Some(root) = thread.messages.first_mut() {
            root.id = event_id.to_owned();
            root.delivery = Delivery::Sent;
        }
        self.rename_message(&key, txn_id, event_id);
        Some(key)
    }

    /// Forgets every thread of `room`.
    pub fn remove_room(&mut self, room: &str) {
        self.threads.retain(|key, _| key.room_str() != room);
        self.by_message.retain(|_, key| key.room_str() != room);
    }

    /// Keeps only the threads `keep` says yes to (which may change them); the messages of the
    /// threads that went are forgotten.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut Thread) -> bool) {
        self.threads.retain(|_, thread| keep(thread));
        let threads = &self.threads;
        self.by_message.retain(|_, key| threads.contains_key(key));
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
            .values()
            .filter(|t| t.is_unavailable())
            .map(|t| (t.room_id.clone(), t.root_id.clone()));
        waiting.chain(stand_ins).collect()
    }
}
