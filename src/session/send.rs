//! Sending: everything staff post goes through the outbox (stored before the first attempt,
//! sent once, in order); its local echoes show in their threads with their delivery state.

use super::change::Change;
use super::core::Core;
use super::error::SessionError;
use crate::api::Transport;
use crate::domain::{Delivery, EventId, Incoming, ThreadKey, Touched};
use crate::store::{LocalStore, OutboxItem};
use crate::sync::{local_echo, pending_edit, Command, OutboxEvent, Platform};
use std::rc::{Rc, Weak};

/// The send queue of a session.
pub struct Sending<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Sending<T, S, P> {
    /// How many messages are not on the server yet (Sign out warns before losing them).
    pub fn unsent(&self) -> usize {
        self.core.outbox.items().len()
    }

    /// The transaction ids of what waits to be sent.
    pub fn queued(&self) -> Vec<String> {
        self.core.outbox.items().into_iter().map(|i| i.txn_id).collect()
    }

    /// Sends a failed message again.
    pub async fn retry(&self, txn_id: &str) -> Result<(), SessionError> {
        Ok(self.core.outbox.retry(txn_id).await?)
    }

    /// Deletes a failed message, or cancels an attachment on its way.
    pub async fn delete(&self, txn_id: &str) -> Result<(), SessionError> {
        Ok(self.core.outbox.delete(txn_id).await?)
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Core<T, S, P> {
    /// Hears the outbox: echoes, confirmations, failures.
    pub fn follow_outbox(self: &Rc<Self>) {
        let weak: Weak<Self> = Rc::downgrade(self);
        self.outbox.listen(move |event| {
            if let Some(core) = weak.upgrade() {
                outbox_event(&core, event);
            }
        });
    }

    /// The id to thread a new message under in `key` (its newest message on the server), and
    /// the root's id to send with (its transaction id while the thread is on its way).
    fn reply_target(&self, key: &ThreadKey) -> (String, String, String) {
        let state = self.state.borrow();
        let thread = state.inbox.thread(key);
        let root = thread.map_or_else(|| key.id.to_string(), |t| t.root_id.clone());
        let latest = thread
            .and_then(|t| t.latest_sent().map(|m| m.id.clone()))
            .unwrap_or_else(|| root.clone());
        let room = thread.map_or_else(|| key.room.to_string(), |t| t.room_id.clone());
        (room, root, latest)
    }

    /// Queues `command` in the thread `key` (sending happens in the tab holding the outbox).
    pub async fn post(&self, key: &ThreadKey, command: Command) -> Result<(), SessionError> {
        let (room, root, latest) = self.reply_target(key);
        self.outbox.queue(&room, Some(&root), &latest, &command).await?;
        Ok(())
    }

    /// Queues an attached file's message in `key` with its bytes.
    pub async fn post_file(&self, key: &ThreadKey, command: Command, data: &[u8]) -> Result<(), SessionError> {
        let (room, root, latest) = self.reply_target(key);
        self.outbox.queue_file(&room, &root, &latest, &command, data).await?;
        Ok(())
    }
}

/// Shows every queued item in its thread (where the thread is known and the echo is not yet).
pub(super) fn echo_outbox<T, S, P>(core: &Core<T, S, P>)
where
    T: Transport + Clone + 'static,
    S: LocalStore + 'static,
    P: Platform,
{
    let me = core.me();
    let items = core.outbox.items();
    let mut touched = Touched::default();
    {
        let mut state = core.state.borrow_mut();
        for item in &items {
            let key = item_key(item);
            if state.inbox.has_txn(&key, &item.txn_id) {
                continue;
            }
            if let Some((target, edit)) = pending_edit(item, &me) {
                state.inbox.add_pending_edit(&target, edit);
                touched.add(state.inbox.resolve(&key));
            } else if let Some(echo) = local_echo(item, &me) {
                touched.merge(state.inbox.apply([echo]));
            }
        }
    }
    core.touched(touched);
}

/// The thread an outbox item goes to.
fn item_key(item: &OutboxItem) -> ThreadKey {
    ThreadKey::new(item.room_id.as_str(), item.root_id.as_str())
}

fn outbox_event<T, S, P>(core: &Core<T, S, P>, event: OutboxEvent)
where
    T: Transport + Clone + 'static,
    S: LocalStore + 'static,
    P: Platform,
{
    let here = event != OutboxEvent::Reloaded;
    let key = |item: &OutboxItem| core.resolve(&item_key(item));
    match event {
        OutboxEvent::Queued(_) | OutboxEvent::Reloaded => echo_outbox(core),
        OutboxEvent::Sent { item, event_id } if item.is_thread_root() => {
            let confirmed = core
                .state
                .borrow_mut()
                .inbox
                .confirm_root(&item.room_id, &item.txn_id, &event_id);
            if let Some(key) = confirmed {
                core.state.borrow_mut().dirty = true;
                core.touched(Touched::one(key.clone()));
                core.emit(Change::Confirmed {
                    key,
                    event: EventId::from(event_id),
                });
            }
        }
        OutboxEvent::Sent { item, event_id } => {
            let key = key(&item);
            core.state
                .borrow_mut()
                .inbox
                .confirm_sent(&key, &item.txn_id, &event_id);
            core.touched(Touched::one(key));
        }
        OutboxEvent::Failed { item, reason } => set_delivery(core, &item, Delivery::Failed(reason)),
        OutboxEvent::Retrying(item) => set_delivery(core, &item, Delivery::Sending),
        OutboxEvent::Uploaded(item) => {
            if let Some(Incoming::InThread { message, .. }) = local_echo(&item, &core.me()) {
                let key = key(&item);
                core.state
                    .borrow_mut()
                    .inbox
                    .set_local_body(&key, &item.txn_id, message.body);
                core.touched(Touched::one(key));
            }
        }
        OutboxEvent::Deleted(item) => {
            let key = key(&item);
            core.state.borrow_mut().inbox.remove_local(&key, &item.txn_id);
            core.touched(Touched::one(key));
        }
        OutboxEvent::SignedOut => {
            core.server_ended();
            return;
        }
        OutboxEvent::Waiting { .. } => return,
        OutboxEvent::Uploading { txn_id, sent, total } => {
            core.emit(Change::Upload { txn_id, sent, total });
            return;
        }
    }
    core.emit(Change::Outbox { here });
}

fn set_delivery<T, S, P>(core: &Core<T, S, P>, item: &OutboxItem, delivery: Delivery)
where
    T: Transport + Clone + 'static,
    S: LocalStore + 'static,
    P: Platform,
{
    let key = core.resolve(&item_key(item));
    core.state.borrow_mut().inbox.set_delivery(&key, &item.txn_id, delivery);
    core.touched(Touched::one(key));
}
