//! Corrections: editing one's own messages, retracting messages, and reading a message's
//! earlier versions.

use super::service::Session;
use crate::api::events::{ClientEvent, REL_REPLACE};
use crate::api::rounds::retraction_content;
use crate::api::{Error, Transport};
use crate::domain::{may_edit, may_retract, Incoming, Message, Versions};
use crate::store::LocalStore;
use crate::sync::outbox::QueueError;
use crate::sync::{convert, Command, Platform};

/// Edits read per page of a message's history.
const EDITS_PAGE: u32 = 50;

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// Whether the person may edit `message` (their own text, on the server).
    pub fn may_edit(&self, message: &Message) -> bool {
        may_edit(message, &self.me())
    }

    /// Whether the person may retract `message` now: an admin any message, anyone else their
    /// own within the clinic's window. The homeserver enforces the same rules.
    pub fn may_retract(&self, message: &Message) -> bool {
        let admin = self.staff().is_admin();
        let window = self.policy().retraction_window_minutes;
        may_retract(message, &self.me(), admin, window, self.platform().now_ms())
    }

    /// Edits the person's message `id` in the thread `root` of `room`: queued like a reply, so
    /// an edit made offline goes out once back.
    pub async fn edit(&self, room: &str, root: &str, id: &str, text: &str) -> Result<(), QueueError> {
        let thread = (id == root)
            .then(|| self.with_inbox(|i| i.thread(room, root).map(|t| t.info.clone())))
            .flatten();
        let command = Command::Edit {
            target: id.to_owned(),
            text: text.to_owned(),
            thread,
        };
        self.post(room, root, command).await
    }

    /// Retracts message `id` of the thread `root` of `room` with `reason`, and its edits, at once
    /// (a retraction is not queued: it is done for everyone, or refused). The homeserver refuses
    /// what the person may not retract.
    pub async fn retract(&self, room: &str, root: &str, id: &str, reason: &str) -> Result<(), Error> {
        // Its edits hold its text too: they go first, so no version is left behind. An edit is
        // newer than its message: whoever may retract the message may retract its edits. Others'
        // "edits" never showed (clients ignore them) and are not the sender's to remove.
        let sender = self.client().event(room, id).await?.sender;
        let edits = self.edits(room, id).await?;
        for edit in edits.iter().filter(|e| e.sender == sender && !e.is_redacted()) {
            let txn_id = self.platform().new_txn_id();
            let content = serde_json::json!({ "reason": reason });
            self.client().redact(room, &edit.event_id, &txn_id, &content).await?;
        }
        let txn_id = self.platform().new_txn_id();
        let content = retraction_content(reason, root);
        self.client().redact(room, id, &txn_id, &content).await?;
        self.learned([Incoming::Removed {
            room_id: room.to_owned(),
            target: id.to_owned(),
            by: self.me(),
            reason: reason.to_owned(),
        }]);
        Ok(())
    }

    /// Every version of message `id` of `room`, as first sent and after each edit, from the
    /// homeserver.
    pub async fn versions(&self, room: &str, id: &str) -> Result<Versions, Error> {
        let original = self.client().event(room, id).await?;
        let edits = self.edits(room, id).await?;
        Ok(convert::versions(&original, &edits))
    }

    /// Every edit of message `id` the homeserver has, all pages: a retraction must reach each.
    async fn edits(&self, room: &str, id: &str) -> Result<Vec<ClientEvent>, Error> {
        let mut edits = Vec::new();
        let mut from: Option<String> = None;
        loop {
            let page = self
                .client()
                .relations(room, id, REL_REPLACE, from.as_deref(), EDITS_PAGE)
                .await?;
            let empty = page.chunk.is_empty();
            edits.extend(page.chunk);
            match page.next_batch {
                Some(next) if !empty => from = Some(next),
                _ => return Ok(edits),
            }
        }
    }
}
