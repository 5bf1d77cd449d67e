//! What a session tells the screens that show it.

use crate::domain::{EventId, ThreadKey, Touched};

/// One kind of change; screens re-read only what they show of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The session runs in this tab: its kept inbox and queue are shown, syncing begins.
    Started,
    /// Threads, messages, delivery states or read receipts changed: in the threads named.
    Threads(Touched),
    /// Who is typing changed.
    Typing,
    /// Someone's availability (Available, With a patient, Off duty) changed, or the person's own.
    Availability,
    /// The connection's state changed.
    Status,
    /// Rooms joined (roles, categories) or the clinic policy changed.
    Membership,
    /// The send queue changed (length, failures): `here` when this tab changed it (the
    /// person's other tabs are told), not when it was read again after another tab did.
    Outbox {
        /// Whether the change was made here.
        here: bool,
    },
    /// Which threads have a draft changed.
    Drafts,
    /// What the EHR connection allows changed (connected, renewed, ended).
    Ehr,
    /// New messages from others arrived in these threads (not on the first sync).
    Arrived(Vec<ThreadKey>),
    /// A thread started on this device is on the server: its key stays, its first message is
    /// now the event `event` (an address may name it by that).
    Confirmed {
        /// The thread.
        key: ThreadKey,
        /// Its first message's event id.
        event: EventId,
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
    /// The session ended (signed out, logged off, or ended by the server); `notice` says why
    /// to whoever signs in next (nothing after Sign out).
    Ended {
        /// What the sign-in page says.
        notice: Option<String>,
        /// The page is on its way to the clinic's sign-in service to end the person's sign-in
        /// there (it comes back to the sign-in page): show no sign-in form meanwhile.
        leaving: bool,
    },
    /// Something could not be kept on the device; the text says what to do.
    Problem(String),
}
