//! What the sync engine learned, already translated from Matrix.

use super::super::thread::{Message, ThreadInfo};

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
        /// When (milliseconds).
        at: u64,
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
    /// A room is a direct conversation among `members` (fixed when it was made).
    Conversation {
        /// Room.
        room_id: String,
        /// Everyone in it, the person included.
        members: Vec<String>,
    },
    /// The person no longer has access to a room (kicked, left, role removed).
    RoomGone {
        /// Room.
        room_id: String,
    },
}
