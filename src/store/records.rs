//! What the store keeps, as plain Rust values (serialised to JSON, then encrypted).

use crate::domain::{ThreadDraft, ThreadKey};
use serde::{Deserialize, Serialize};

/// Which composer a draft belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DraftKey {
    /// The reply box of a thread.
    Thread(ThreadKey),
    /// The New thread dialog.
    NewThread,
    /// The files staged in a thread's reply box (their list; the bytes are kept as files).
    Staged(ThreadKey),
}

impl DraftKey {
    /// The record id (not secret: room and event ids carry no patient data).
    pub fn id(&self) -> String {
        match self {
            DraftKey::Thread(key) => format!("thread|{}|{}", key.room, key.id),
            DraftKey::NewThread => "new-thread".into(),
            DraftKey::Staged(key) => format!("staged|{}|{}", key.room, key.id),
        }
    }

    /// Parses [`DraftKey::id`].
    pub fn parse(id: &str) -> Option<DraftKey> {
        if id == "new-thread" {
            return Some(DraftKey::NewThread);
        }
        let (kind, rest) = id.split_once('|')?;
        let (room, root) = rest.split_once('|')?;
        let key = ThreadKey::new(room, root);
        match kind {
            "thread" => Some(DraftKey::Thread(key)),
            "staged" => Some(DraftKey::Staged(key)),
            _ => None,
        }
    }
}

/// The New thread dialog's fields as stored (empty when nothing worth keeping was typed).
pub fn encode_thread_draft(draft: &ThreadDraft) -> String {
    if draft.is_blank() {
        return String::new();
    }
    serde_json::to_string(draft).unwrap_or_default()
}

/// A stored New thread draft; `None` if it is not one.
pub fn decode_thread_draft(text: &str) -> Option<ThreadDraft> {
    serde_json::from_str(text).ok()
}

/// Where an outgoing message stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboxState {
    /// Waiting to go out (or going out).
    Pending,
    /// Refused permanently; kept for Retry or Delete.
    Failed(String),
}

/// One message waiting to be sent. The txn id is fixed when it is queued, before the first
/// attempt, so that every retry (after a reload or a crash too) is the same request to the
/// server, which stores it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Queue order.
    pub seq: u64,
    /// Transaction id, generated once.
    pub txn_id: String,
    /// Category room.
    pub room_id: String,
    /// Thread root (its own txn id for a new thread).
    pub root_id: String,
    /// Matrix event type.
    pub event_type: String,
    /// Event content, ready to send.
    pub content: serde_json::Value,
    /// When it was queued (ms since the epoch).
    pub queued_at: u64,
    /// Pending or failed.
    pub state: OutboxState,
    /// The device that queued it (and so tried to send it first). Another device sending it
    /// later — after signing in again — first checks whether that attempt reached the server.
    #[serde(default)]
    pub queued_on: Option<String>,
}

impl OutboxItem {
    /// Whether this item starts a new thread (its thread is itself until the server names it).
    pub fn is_thread_root(&self) -> bool {
        self.root_id == self.txn_id
    }
}

/// The inbox kept on the device (encrypted like everything else), so the app paints its threads
/// before any network answer and syncs on from where it stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCache {
    /// The sync token the inbox is up to date with.
    pub since: Option<String>,
    /// Threads, messages, read marks and names.
    pub inbox: crate::domain::InboxSnapshot,
    /// The clinic policy as last synced.
    pub policy: crate::domain::ClinicPolicy,
    /// Rooms joined as last synced.
    pub joined: Vec<String>,
    /// The staff directory as last synced (absent in inboxes kept by earlier versions).
    #[serde(default)]
    pub directory: crate::domain::Directory,
    /// Direct conversations the person was invited to and has not joined yet, `(room, who
    /// invited)`: a sync reports an invite once, and the token kept with this moves past it.
    #[serde(default)]
    pub conversation_invites: Vec<(String, String)>,
}

/// The session kept for restoring after a reload (encrypted like everything else), with what
/// the app needs to start offline: the clinic and the rooms joined at the last sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    /// Homeserver base URL.
    pub homeserver: String,
    /// User id.
    pub user_id: String,
    /// Access token.
    pub access_token: String,
    /// Refresh token (renews the access token; the server expires it when unused).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Device id (keeps txn ids valid across reloads).
    pub device_id: String,
    /// The clinic space's room id.
    pub clinic_space: String,
    /// The clinic policy.
    pub policy: crate::domain::ClinicPolicy,
    /// Rooms joined.
    pub joined: Vec<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// When the person was last active in any tab (ms since the epoch): a session idle longer
    /// than the clinic's timeout is not continued, whatever the server says.
    #[serde(default)]
    pub last_active: u64,
    /// The person's EHR authorization, if they connected Rounds to it.
    #[serde(default)]
    pub ehr: Option<EhrKept>,
    /// Whether the person signed in through the clinic's identity provider (single sign-on):
    /// that sign-in is ended with the session.
    #[serde(default)]
    pub signed_in_at_provider: bool,
}

/// What the device keeps of the person's EHR authorization (the access token stays in memory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EhrKept {
    /// Renews the EHR access token (rotated at every use).
    pub refresh_token: String,
    /// The scopes granted.
    pub scope: String,
    /// The provider's latest ID token for the person: names them when their sign-in there is
    /// ended (`id_token_hint`).
    #[serde(default)]
    pub id_token: Option<String>,
}

/// An EHR authorization on its way (between sending the browser to the provider and its
/// return): what the answer must match and what redeems its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLaunch {
    /// The `state` sent.
    pub state: String,
    /// The PKCE verifier.
    pub verifier: String,
    /// Where to go back to afterwards (an app path).
    pub return_to: String,
    /// Whether it was a silent (`prompt=none`) attempt.
    pub silent: bool,
    /// The `nonce` sent: the ID token must carry it.
    #[serde(default)]
    pub nonce: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_keys_round_trip() {
        for key in [
            DraftKey::NewThread,
            DraftKey::Thread(ThreadKey::new("!r:x", "$e")),
            DraftKey::Staged(ThreadKey::new("!r:x", "$e")),
        ] {
            assert_eq!(DraftKey::parse(&key.id()), Some(key));
        }
        assert_eq!(DraftKey::parse("nonsense"), None);
    }
}
