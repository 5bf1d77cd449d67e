//! Who may correct what: edits by a message's sender, retraction by its sender within the
//! clinic's window or by an admin. The homeserver enforces retraction (power levels and the
//! Rounds module); these rules decide which actions staff are offered.

use super::thread::{Body, Delivery, Message};

/// One version of an edited message, oldest first in [`Versions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// What the message said.
    pub text: String,
    /// When this version was sent (milliseconds since the epoch).
    pub ts: u64,
}

/// A message's versions: as first sent, then each edit by its sender, oldest first.
pub type Versions = Vec<Version>;

/// Whether `me` may edit `message`: their own text message, on the server.
pub fn may_edit(message: &Message, me: &str) -> bool {
    message.sender == me && message.delivery == Delivery::Sent && matches!(message.body, Body::Text(_))
}

/// Whether `me` may retract `message` at `now` (milliseconds): an admin any message on the
/// server that still has content; anyone else their own within `window_minutes` of sending.
pub fn may_retract(message: &Message, me: &str, admin: bool, window_minutes: u32, now: u64) -> bool {
    let retractable =
        message.delivery == Delivery::Sent && !matches!(message.body, Body::Removed { .. } | Body::Unavailable);
    retractable && (admin || (message.sender == me && now <= retraction_deadline(message, window_minutes)))
}

/// Until when (milliseconds) the sender may retract `message` themselves.
pub fn retraction_deadline(message: &Message, window_minutes: u32) -> u64 {
    message.ts + u64::from(window_minutes) * 60_000
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000;

    fn text(sender: &str, ts: u64) -> Message {
        Message {
            id: "$m".into(),
            sender: sender.into(),
            ts,
            body: Body::Text("Call Sara's mother".into()),
            delivery: Delivery::Sent,
            txn_id: None,
            edited_at: None,
        }
    }

    #[test]
    fn only_the_sender_edits_their_sent_text() {
        let mine = text("@dana:x", 0);
        assert!(may_edit(&mine, "@dana:x"));
        assert!(!may_edit(&mine, "@jordan:x"));
        let sending = Message {
            delivery: Delivery::Sending,
            ..mine.clone()
        };
        assert!(!may_edit(&sending, "@dana:x"));
        let removed = Message {
            body: Body::Removed {
                by: "@dana:x".into(),
                reason: String::new(),
                at: None,
            },
            ..mine
        };
        assert!(!may_edit(&removed, "@dana:x"));
    }

    #[test]
    fn senders_retract_within_the_window_admins_always() {
        let mine = text("@dana:x", 10 * MINUTE);
        assert!(may_retract(&mine, "@dana:x", false, 15, 25 * MINUTE));
        assert!(!may_retract(&mine, "@dana:x", false, 15, 25 * MINUTE + 1));
        assert!(!may_retract(&mine, "@jordan:x", false, 15, 11 * MINUTE));
        assert!(may_retract(&mine, "@morgan:x", true, 15, 1_000 * MINUTE));
        let removed = Message {
            body: Body::Removed {
                by: "@morgan:x".into(),
                reason: "wrong thread".into(),
                at: None,
            },
            ..mine
        };
        assert!(!may_retract(&removed, "@morgan:x", true, 15, 11 * MINUTE));
    }
}
