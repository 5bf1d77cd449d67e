//! The outbox: everything staff post goes out through here, in order and exactly once.
//!
//! An item is written to the store with its transaction id *before* its first attempt, then
//! sent by one worker in queue order. Retries (after reconnecting, a reload or a crash) reuse the
//! transaction id, so the homeserver stores each event once; a send resumed on another device
//! (after signing in again) first looks for the event in the room, since transaction ids only
//! deduplicate on the device that used them. Offline, timeouts, 5xx and 429 wait and retry (429
//! as long as the server asks, capped); other refusals mark the item Failed, kept for Retry or
//! Delete, and later items go on. A reply to a thread written offline waits for that thread and
//! is pointed at its real event id once the server has it.
//!
//! An attachment's bytes are stored (sealed like the item) beside its item and uploaded when
//! the item's turn comes; the item then carries the file's `mxc://` URI, is stored again and the
//! bytes are forgotten, so a retry sends the message without uploading twice.

mod commands;
mod echo;

pub use commands::{check, event_for, Command, Refusal, MAX_EVENT_BYTES};
pub use echo::{local_echo, pending_edit};

use super::platform::{Alarm, Platform};
use super::Backoff;
use crate::api::rounds::{file_message, pending_upload, retarget_thread, txn_of, with_media_url, with_txn};
use crate::api::{Client, Direction, Error, Transport, UploadWatch};
use crate::store::{LocalStore, OutboxItem, OutboxState, StoreError};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Pages of a room's history searched for an interrupted send from another device.
const FIND_SENT_PAGES: usize = 3;

/// What happened in the outbox, for whoever shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxEvent {
    /// An item was queued (show its local echo).
    Queued(OutboxItem),
    /// The server has it as `event_id`.
    Sent {
        /// The item.
        item: OutboxItem,
        /// Its event id.
        event_id: String,
    },
    /// Refused for good; kept for Retry or Delete.
    Failed {
        /// The item.
        item: OutboxItem,
        /// Why, in words staff can act on.
        reason: String,
    },
    /// A failed item is pending again (Retry).
    Retrying(OutboxItem),
    /// The person deleted a failed item, or cancelled an attachment.
    Deleted(OutboxItem),
    /// An attachment is on the homeserver (the item now has its address); the message follows.
    Uploaded(OutboxItem),
    /// An attachment's upload went on: `sent` of `total` bytes.
    Uploading {
        /// The item.
        txn_id: String,
        /// Bytes sent so far.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Sending waits `ms` (offline, or the server asked to wait).
    Waiting {
        /// How long.
        ms: u64,
    },
    /// The session's token is gone: items stay stored for the next sign-in.
    SignedOut,
    /// The queue was read again from the store (another tab changed it).
    Reloaded,
}

/// Why a send did not work, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Try again after `ms` (offline, timeout, 5xx, 429).
    Retry {
        /// The wait.
        ms: u64,
    },
    /// The server refused for good.
    Refused(String),
    /// The access token is no longer valid.
    SignedOut,
}

/// Classifies a send error (`backoff` and `jitter` decide the wait of retryable ones).
pub fn classify(error: &Error, backoff: &mut Backoff, jitter: f64) -> Failure {
    if error.is_unknown_token() {
        return Failure::SignedOut;
    }
    if error.is_retryable() {
        return Failure::Retry {
            ms: backoff.delay_for(error.retry_after_ms(), jitter),
        };
    }
    Failure::Refused(match error.status() {
        Some(403) => "You can no longer post in this thread.".to_owned(),
        Some(413) => "Too large for the homeserver to accept.".to_owned(),
        _ => error.to_string(),
    })
}

/// Who hears about outbox changes.
type Listener = Rc<dyn Fn(OutboxEvent)>;

/// The send queue of one signed-in person on this device.
pub struct Outbox<T, S, P> {
    client: Client<T>,
    store: Rc<S>,
    platform: P,
    alarm: Alarm,
    items: RefCell<Vec<OutboxItem>>,
    working: Cell<bool>,
    stopped: Cell<bool>,
    last_seq: Cell<u64>,
    listener: RefCell<Option<Listener>>,
    /// The upload under way, if any (one worker: at most one), to cancel it.
    uploading: RefCell<Option<(String, UploadWatch)>>,
}

impl<T: Transport, S: LocalStore, P: Platform> Outbox<T, S, P> {
    /// An empty outbox for the signed-in `client`; [`Outbox::load`] reads the stored queue.
    pub fn new(client: Client<T>, store: Rc<S>, platform: P, alarm: Alarm) -> Self {
        Outbox {
            client,
            store,
            platform,
            alarm,
            items: RefCell::new(Vec::new()),
            working: Cell::new(false),
            stopped: Cell::new(false),
            last_seq: Cell::new(0),
            listener: RefCell::new(None),
            uploading: RefCell::new(None),
        }
    }

    /// Who hears about changes.
    pub fn listen(&self, listener: impl Fn(OutboxEvent) + 'static) {
        *self.listener.borrow_mut() = Some(Rc::new(listener));
    }

    fn emit(&self, event: OutboxEvent) {
        let listener = self.listener.borrow().clone();
        if let Some(listener) = listener {
            listener(event);
        }
    }

    /// The queue, oldest first.
    pub fn items(&self) -> Vec<OutboxItem> {
        self.items.borrow().clone()
    }

    /// Whether anything is waiting to be sent or failed.
    pub fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    /// Reads the stored queue (at start, or after another tab changed it).
    pub async fn load(&self) -> Result<(), StoreError> {
        let mut items = self.store.outbox().await?;
        items.sort_by_key(|i| i.seq);
        if let Some(last) = items.last() {
            self.last_seq.set(self.last_seq.get().max(last.seq));
        }
        // An attachment cancelled in another tab stops uploading here too.
        let uploading = self.uploading.borrow().as_ref().map(|(txn, _)| txn.clone());
        if let Some(txn) = uploading.filter(|txn| !items.iter().any(|i| &i.txn_id == txn)) {
            self.cancel_upload(Some(&txn));
        }
        *self.items.borrow_mut() = items;
        self.emit(OutboxEvent::Reloaded);
        Ok(())
    }

    /// Stops sending (sign-out); what is queued stays stored.
    pub fn stop(&self) {
        self.stopped.set(true);
        self.cancel_upload(None);
        self.alarm.ring();
    }

    /// Aborts the upload under way (of item `txn_id` only, when given).
    fn cancel_upload(&self, txn_id: Option<&str>) {
        let current = self.uploading.borrow().clone();
        if let Some((uploading, watch)) = current {
            if txn_id.is_none_or(|t| t == uploading) {
                watch.cancel();
            }
        }
    }

    /// Queues `command` in the thread `root` of `room` (for a new thread, `root` is `None`):
    /// persisted before anything is sent, then announced as [`OutboxEvent::Queued`].
    pub async fn queue(
        &self,
        room: &str,
        root: Option<&str>,
        latest: &str,
        command: &Command,
    ) -> Result<OutboxItem, QueueError> {
        self.queue_with(room, root, latest, command, None).await
    }

    /// Queues a [`Command::Attach`] with the file's bytes: both are stored before anything is
    /// sent, so the attachment survives a reload or a crash like a text message.
    pub async fn queue_file(
        &self,
        room: &str,
        root: &str,
        latest: &str,
        command: &Command,
        data: &[u8],
    ) -> Result<OutboxItem, QueueError> {
        self.queue_with(room, Some(root), latest, command, Some(data)).await
    }

    async fn queue_with(
        &self,
        room: &str,
        root: Option<&str>,
        latest: &str,
        command: &Command,
        data: Option<&[u8]>,
    ) -> Result<OutboxItem, QueueError> {
        let txn_id = self.platform.new_txn_id();
        let root_id = root.unwrap_or(&txn_id).to_owned();
        let (event_type, content) = event_for(command, &root_id, latest);
        check(command, &content).map_err(QueueError::Refused)?;
        let now = self.platform.now_ms();
        // Queue numbers grow even within one millisecond.
        let seq = (now * 1000).max(self.last_seq.get() + 1);
        self.last_seq.set(seq);
        let item = OutboxItem {
            seq,
            content: with_txn(content, &txn_id),
            txn_id,
            room_id: room.to_owned(),
            root_id,
            event_type: event_type.to_owned(),
            queued_at: now,
            state: OutboxState::Pending,
            queued_on: self.client.session().map(|s| s.device_id.clone()),
        };
        if let Some(data) = data {
            self.store
                .put_file(&item.txn_id, data)
                .await
                .map_err(QueueError::Store)?;
        }
        if let Err(e) = self.store.put_outbox(&item).await {
            if data.is_some() {
                // Not queued: its bytes would never be sent nor deleted.
                let _ = self.store.remove_file(&item.txn_id).await;
            }
            return Err(QueueError::Store(e));
        }
        self.items.borrow_mut().push(item.clone());
        self.emit(OutboxEvent::Queued(item.clone()));
        Ok(item)
    }

    /// Sends a failed item again, with its original transaction id.
    pub async fn retry(&self, txn_id: &str) -> Result<(), StoreError> {
        let Some(item) = self.update(txn_id, |i| i.state = OutboxState::Pending) else {
            return Ok(());
        };
        self.store.put_outbox(&item).await?;
        self.emit(OutboxEvent::Retrying(item));
        Ok(())
    }

    /// Deletes a failed item for good (and what waits on it: replies to a thread never sent), or
    /// cancels an attachment not sent yet (stopping its upload if it is under way).
    pub async fn delete(&self, txn_id: &str) -> Result<(), StoreError> {
        self.cancel_upload(Some(txn_id));
        let removed: Vec<OutboxItem> = {
            let mut items = self.items.borrow_mut();
            let (gone, kept) = items.drain(..).partition(|i| i.txn_id == txn_id || i.root_id == txn_id);
            *items = kept;
            gone
        };
        for item in removed {
            self.store.remove_outbox(item.seq).await?;
            self.forget_file(&item).await?;
            self.emit(OutboxEvent::Deleted(item));
        }
        Ok(())
    }

    /// Deletes the stored bytes of an attachment item, if it is one (whether uploaded or not).
    async fn forget_file(&self, item: &OutboxItem) -> Result<(), StoreError> {
        if file_message(&item.content).is_some() {
            self.store.remove_file(&item.txn_id).await?;
        }
        Ok(())
    }

    fn is_queued(&self, item: &OutboxItem) -> bool {
        self.items.borrow().iter().any(|i| i.seq == item.seq)
    }

    fn update(&self, txn_id: &str, change: impl FnOnce(&mut OutboxItem)) -> Option<OutboxItem> {
        let mut items = self.items.borrow_mut();
        let item = items.iter_mut().find(|i| i.txn_id == txn_id)?;
        change(item);
        Some(item.clone())
    }

    /// The next item to send: pending, and not a reply to a thread that is not on the server yet.
    fn next(&self) -> Option<OutboxItem> {
        let items = self.items.borrow();
        items
            .iter()
            .find(|i| {
                i.state == OutboxState::Pending
                    && (i.is_thread_root()
                        || !items
                            .iter()
                            .any(|root| root.is_thread_root() && root.txn_id == i.root_id))
            })
            .cloned()
    }

    /// Sends pending items one by one, in order, until none can go; one worker at a time.
    pub async fn drain(&self) {
        if self.working.replace(true) {
            return;
        }
        let mut backoff = Backoff::default();
        while !self.stopped.get() {
            let Some(item) = self.next() else { break };
            let (item, result) = match self.upload(&item).await {
                // Cancelled while its upload finished: nothing is sent.
                Ok(ready) if !self.is_queued(&ready) => continue,
                Ok(ready) => {
                    let sent = self.send(&ready).await;
                    (ready, sent)
                }
                Err(Upload::Lost(reason)) => {
                    self.fail(&item, reason).await;
                    continue;
                }
                Err(Upload::Failed(e)) => (item, Err(e)),
            };
            if self.stopped.get() {
                break;
            }
            if !self.is_queued(&item) {
                // Deleted meanwhile (an attachment cancelled during its upload).
                continue;
            }
            match result {
                Ok(event_id) => {
                    backoff.reset();
                    if let Err(e) = self.sent(&item, &event_id).await {
                        // Sent, but the store could not forget it: say so; the sync echo and the
                        // exactly-once check keep it from going out twice.
                        self.emit(OutboxEvent::Failed {
                            item: item.clone(),
                            reason: e.to_string(),
                        });
                        break;
                    }
                }
                Err(e) => match classify(&e, &mut backoff, self.platform.random()) {
                    Failure::SignedOut => {
                        self.emit(OutboxEvent::SignedOut);
                        break;
                    }
                    Failure::Retry { ms } => {
                        self.emit(OutboxEvent::Waiting { ms });
                        self.alarm.wait(&self.platform, ms).await;
                    }
                    Failure::Refused(reason) => self.fail(&item, reason).await,
                },
            }
        }
        self.working.set(false);
    }

    /// `item` was refused for good: kept, marked Failed, for Retry or Delete.
    async fn fail(&self, item: &OutboxItem, reason: String) {
        if let Some(failed) = self.update(&item.txn_id, |i| i.state = OutboxState::Failed(reason.clone())) {
            // The item is kept in memory with its reason even if storing fails.
            let _ = self.store.put_outbox(&failed).await;
            self.emit(OutboxEvent::Failed { item: failed, reason });
        }
    }

    /// Uploads `item`'s attachment if it has one not uploaded yet, and returns the item ready to
    /// send (with the file's URI, stored, and its bytes forgotten).
    async fn upload(&self, item: &OutboxItem) -> Result<OutboxItem, Upload> {
        let Some((name, content_type)) = pending_upload(&item.content) else {
            return Ok(item.clone());
        };
        let lost = |detail: String| {
            Upload::Lost(format!(
                "The attached file could not be read on this device ({detail})."
            ))
        };
        let data = match self.store.file(&item.txn_id).await {
            Ok(Some(data)) => data,
            Ok(None) => return Err(lost("it is no longer stored".into())),
            Err(e) => return Err(lost(e.to_string())),
        };
        let watch = UploadWatch::default();
        {
            let outbox_listener = self.listener.borrow().clone();
            let txn_id = item.txn_id.clone();
            watch.on_progress(move |sent, total| {
                if let Some(listener) = &outbox_listener {
                    listener(OutboxEvent::Uploading {
                        txn_id: txn_id.clone(),
                        sent,
                        total,
                    });
                }
            });
        }
        *self.uploading.borrow_mut() = Some((item.txn_id.clone(), watch.clone()));
        let uploaded = self
            .client
            .upload_media(&content_type, &name, data.into(), &watch)
            .await;
        self.uploading.borrow_mut().take();
        let uri = uploaded.map_err(Upload::Failed)?;
        let ready = self
            .update(&item.txn_id, |i| with_media_url(&mut i.content, &uri))
            .ok_or(Upload::Failed(Error::Aborted))?;
        // Stored with its URI before the bytes go: a crash in between re-sends, never loses.
        if self.store.put_outbox(&ready).await.is_ok() {
            let _ = self.store.remove_file(&item.txn_id).await;
        }
        self.emit(OutboxEvent::Uploaded(ready.clone()));
        Ok(ready)
    }

    /// One attempt. A send begun on another device is first looked for in the room.
    async fn send(&self, item: &OutboxItem) -> Result<String, Error> {
        let device = self.client.session().map(|s| s.device_id.as_str());
        if item.queued_on.as_deref() != device {
            if let Some(event_id) = self.find_sent(item).await? {
                return Ok(event_id);
            }
        }
        self.client
            .send_event(&item.room_id, &item.event_type, &item.txn_id, &item.content)
            .await
    }

    /// The event `item` became, if an earlier attempt (from any device) reached the server.
    async fn find_sent(&self, item: &OutboxItem) -> Result<Option<String>, Error> {
        let me = self.client.user_id()?.to_owned();
        let mut from: Option<String> = None;
        for _ in 0..FIND_SENT_PAGES {
            let page = self
                .client
                .messages(&item.room_id, from.as_deref(), Direction::Backward, 50)
                .await?;
            let found = page
                .chunk
                .iter()
                .find(|e| e.sender == me && txn_of(&e.content) == Some(item.txn_id.as_str()));
            if let Some(event) = found {
                return Ok(Some(event.event_id.clone()));
            }
            // Older than the item itself: it was never sent.
            if page.chunk.iter().any(|e| e.origin_server_ts < item.queued_at) {
                return Ok(None);
            }
            match page.end {
                Some(end) => from = Some(end),
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// `item` is on the server: forget it, and point replies to it (a new thread) at its id.
    async fn sent(&self, item: &OutboxItem, event_id: &str) -> Result<(), StoreError> {
        let dependents: Vec<OutboxItem> = {
            let mut items = self.items.borrow_mut();
            items.retain(|i| i.seq != item.seq);
            items
                .iter_mut()
                .filter(|i| item.is_thread_root() && i.root_id == item.txn_id)
                .map(|i| {
                    i.root_id = event_id.to_owned();
                    retarget_thread(&mut i.content, &item.txn_id, event_id);
                    i.clone()
                })
                .collect()
        };
        for dependent in &dependents {
            self.store.put_outbox(dependent).await?;
        }
        self.store.remove_outbox(item.seq).await?;
        self.forget_file(item).await?;
        self.emit(OutboxEvent::Sent {
            item: item.clone(),
            event_id: event_id.to_owned(),
        });
        Ok(())
    }
}

/// Why an attachment could not be uploaded.
enum Upload {
    /// Its bytes are gone from the device: it can never be sent.
    Lost(String),
    /// The homeserver or the network: classified like a send.
    Failed(Error),
}

/// Why a command was not queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueError {
    /// The command itself cannot be sent (empty, too long).
    Refused(Refusal),
    /// The store could not keep it, so it was not queued (nothing would survive a reload).
    Store(StoreError),
}

impl std::fmt::Display for QueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueueError::Refused(r) => r.fmt(f),
            QueueError::Store(e) => write!(f, "The message could not be kept on this device: {e}"),
        }
    }
}
