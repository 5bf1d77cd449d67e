//! Corrections: editing one's own messages, retracting messages, and reading a message's
//! earlier versions.

use super::error::SessionError;
use super::thread::ThreadHandle;
use crate::api::events::{ClientEvent, REL_REPLACE};
use crate::api::rounds::retraction_content;
use crate::api::{Error, Transport};
use crate::domain::{may_edit, may_retract, Incoming, Message, Versions};
use crate::store::LocalStore;
use crate::sync::{convert, Command, Platform};

/// Edits read per page of a message's history.
const EDITS_PAGE: u32 = 50;

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// Whether the person may edit `message` (their own text, on the server).
    pub fn may_edit(&self, message: &Message) -> bool {
        may_edit(message, &self.core.me())
    }

    /// Whether the person may retract `message` now: an admin any message in a category,
    /// anyone else (and everyone in a direct conversation) their own within the clinic's window.
    /// The homeserver enforces the same rules.
    pub fn may_retract(&self, message: &Message) -> bool {
        let admin = self.core.staff().is_admin() && self.conversation_members().is_none();
        let window = self.core.policy().retraction_window_minutes;
        may_retract(message, &self.core.me(), admin, window, self.core.platform.now_ms())
    }

    /// The clinic's retraction window, in minutes.
    pub fn retraction_window_minutes(&self) -> u32 {
        self.core.policy().retraction_window_minutes
    }

    /// Edits the person's message `id` here: queued like a reply, so an edit made offline goes
    /// out once back.
    pub async fn edit(&self, id: &str, text: &str) -> Result<(), SessionError> {
        let thread = self.with(|t| t.filter(|t| t.root_id == id).map(|t| t.info.clone()));
        let command = Command::Edit {
            target: id.to_owned(),
            text: text.trim_end().to_owned(),
            thread,
        };
        self.core.post(&self.key, command).await
    }

    /// Retracts message `id` with `reason`, and its edits, at once (a retraction is not queued:
    /// it is done for everyone, or refused). The homeserver refuses what the person may not
    /// retract.
    pub async fn retract(&self, id: &str, reason: &str) -> Result<(), SessionError> {
        let (room, root) = self.on_server_ids()?;
        let (room, root) = (room.as_str(), root.as_str());
        // Its edits hold its text too: they go first, so no version is left behind. An edit is
        // newer than its message: whoever may retract the message may retract its edits. Others'
        // "edits" never showed (clients ignore them) and are not the sender's to remove.
        let client = &self.core.client;
        let sender = client.event(room, id).await?.sender;
        let edits = self.edits(room, id).await?;
        for edit in edits.iter().filter(|e| e.sender == sender && !e.is_redacted()) {
            let txn_id = self.core.platform.new_txn_id();
            let content = serde_json::json!({ "reason": reason });
            client.redact(room, &edit.event_id, &txn_id, &content).await?;
        }
        let txn_id = self.core.platform.new_txn_id();
        let content = retraction_content(reason, root);
        client.redact(room, id, &txn_id, &content).await?;
        self.core.learned([Incoming::Removed {
            room_id: room.to_owned(),
            target: id.to_owned(),
            by: self.core.me(),
            reason: reason.to_owned(),
            at: self.core.platform.now_ms(),
        }]);
        Ok(())
    }

    /// Every version of message `id`, as first sent and after each edit, from the homeserver.
    pub async fn versions(&self, id: &str) -> Result<Versions, SessionError> {
        let room = self.key.room_str();
        let original = self.core.client.event(room, id).await?;
        let edits = self.edits(room, id).await?;
        Ok(convert::versions(&original, &edits))
    }

    /// Every edit of message `id` the homeserver has, all pages: a retraction must reach each.
    async fn edits(&self, room: &str, id: &str) -> Result<Vec<ClientEvent>, Error> {
        let mut edits = Vec::new();
        let mut from: Option<String> = None;
        loop {
            let page = self
                .core
                .client
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
