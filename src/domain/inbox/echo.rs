//! What this device is sending, shown before the homeserver has it: local echoes in their
//! threads with their delivery state, edits on their way, and their confirmation.

use super::super::ids::ThreadKey;
use super::super::thread::{Body, Delivery, Message};
use super::Inbox;

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

impl Inbox {
    /// Adds a local echo for a message this device is sending into the thread `key`.
    pub fn add_local(&mut self, key: &ThreadKey, message: Message) {
        if let Some(key) = self.index.resolve(key) {
            self.add_to_thread(&key, message);
        }
    }

    /// The person's local message `txn_id` in `key`, if it is not on the server yet.
    fn local_mut(&mut self, key: &ThreadKey, txn_id: &str) -> Option<&mut Message> {
        let key = self.index.resolve(key)?;
        self.index
            .get_mut(&key)?
            .messages
            .iter_mut()
            .find(|m| m.txn_id.as_deref() == Some(txn_id) && m.delivery != Delivery::Sent)
    }

    /// Changes the delivery state of a local message or edit (by transaction id).
    pub fn set_delivery(&mut self, key: &ThreadKey, txn_id: &str, delivery: Delivery) {
        if let Some(edit) = self.pending_edits.values_mut().find(|e| e.txn_id == txn_id) {
            edit.delivery = delivery.clone();
        }
        if let Some(m) = self.local_mut(key, txn_id) {
            m.delivery = delivery;
        }
    }

    /// A local message's content changed before it was sent (an attachment now uploaded, with
    /// its address on the homeserver).
    pub fn set_local_body(&mut self, key: &ThreadKey, txn_id: &str, body: Body) {
        if let Some(m) = self.local_mut(key, txn_id) {
            m.body = body;
        }
    }

    /// Marks a local message as on the server under `event_id` (from the send's answer, which
    /// usually arrives before the sync echo; the echo is then a duplicate and skipped).
    pub fn confirm_sent(&mut self, key: &ThreadKey, txn_id: &str, event_id: &str) {
        if let Some(edit) = self.pending_edits.values_mut().find(|e| e.txn_id == txn_id) {
            edit.delivery = Delivery::Sent;
        }
        let Some(key) = self.index.resolve(key) else { return };
        let Some(thread) = self.index.get_mut(&key) else { return };
        if thread.contains(event_id) {
            // The sync echo won the race: any local echo still carrying the txn id goes.
            thread
                .messages
                .retain(|m| m.txn_id.as_deref() != Some(txn_id) || m.delivery == Delivery::Sent);
            return;
        }
        let Some(m) = thread.messages.iter_mut().find(|m| m.txn_id.as_deref() == Some(txn_id)) else {
            return;
        };
        let local = std::mem::replace(&mut m.id, event_id.to_owned());
        m.delivery = Delivery::Sent;
        self.index.rename_message(&key, &local, event_id);
    }

    /// A thread started on this device as `txn_id` is on the server as `event_id`: its root is
    /// marked sent and found by its event id, and the thread keeps its [`ThreadKey`].
    pub fn confirm_root(&mut self, room_id: &str, txn_id: &str, event_id: &str) -> Option<ThreadKey> {
        let key = self.index.confirm_root(room_id, txn_id, event_id)?;
        if let Some(thread) = self.index.get(&key) {
            self.receipts.place_waiting(event_id, thread);
        }
        for (room, reply) in self.index.take_parked(event_id) {
            if room == room_id {
                self.add_to_thread(&key, reply);
            }
        }
        Some(key)
    }

    /// Removes a local message (or edit) that was never sent.
    pub fn remove_local(&mut self, key: &ThreadKey, txn_id: &str) {
        self.pending_edits.retain(|_, e| e.txn_id != txn_id);
        let Some(key) = self.index.resolve(key) else { return };
        if let Some(thread) = self.index.get_mut(&key) {
            thread
                .messages
                .retain(|m| m.txn_id.as_deref() != Some(txn_id) || m.delivery == Delivery::Sent);
        }
    }

    /// Shows `edit` on the person's message `target` until the server has it.
    pub fn add_pending_edit(&mut self, target: &str, edit: PendingEdit) {
        self.pending_edits.insert(target.to_owned(), edit);
    }

    /// The person's edit of `target` still on its way, if any.
    pub fn pending_edit(&self, target: &str) -> Option<&PendingEdit> {
        self.pending_edits.get(target)
    }

    /// Whether something this device sent with `txn_id` is in the thread `key` already (as a
    /// local echo or as the server's copy).
    pub fn has_txn(&self, key: &ThreadKey, txn_id: &str) -> bool {
        self.index.knows(txn_id)
            || self.pending_edits.values().any(|e| e.txn_id == txn_id)
            || self
                .thread(key)
                .is_some_and(|t| t.messages.iter().any(|m| m.txn_id.as_deref() == Some(txn_id)))
    }
}
