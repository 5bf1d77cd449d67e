//! What a session tells the screens that show it.

/// One kind of change; screens re-read only what they show of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Threads, messages, delivery states or read receipts changed.
    Inbox,
    /// Who is typing changed.
    Typing,
    /// Someone's availability (Available, With a patient, Off duty) changed, or the person's own.
    Availability,
    /// The connection's state changed.
    Status,
    /// Rooms joined (roles, categories) or the clinic policy changed.
    Membership,
    /// The send queue changed (length, failures): `here` when this tab changed it, not when it
    /// was read again after another tab did.
    Outbox {
        /// Whether the change was made here (and other tabs should hear of it).
        here: bool,
    },
    /// New messages from others arrived in these `(room, root)` threads (not on the first sync).
    Arrived(Vec<(String, String)>),
    /// A thread started on this device is on the server: `from` (its transaction id) is now
    /// `to` (its event id).
    Rekeyed {
        /// The category room.
        room: String,
        /// The transaction id the thread was known by.
        from: String,
        /// Its event id.
        to: String,
    },
    /// An attachment's upload went on: `sent` of `total` bytes.
    Upload {
        /// The outbox item.
        txn_id: String,
        /// Bytes sent so far.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The server ended the session (the token expired or was revoked).
    Ended,
    /// Something could not be kept on the device; the text says what to do.
    Problem(String),
}
