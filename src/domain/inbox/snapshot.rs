//! The inbox as kept on the device between starts.

use super::super::thread::{Delivery, Message, Thread};
use super::query::sort_newest_first;
use super::Inbox;
use serde::{Deserialize, Serialize};

/// The inbox as kept on the device between starts: the most recently active threads with their
/// newest messages, read marks and names. Local echoes are left out (the outbox keeps those).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxSnapshot {
    /// The signed-in user.
    pub me: String,
    /// Threads, most recently active first, each with its root and newest replies.
    pub threads: Vec<Thread>,
    /// `(room, thread id, user, event)`: each user's furthest read event per thread.
    pub marks: Vec<(String, String, String, String)>,
    /// Display names by user id.
    pub names: Vec<(String, String)>,
    /// Direct conversations: room and members.
    #[serde(default)]
    pub conversations: Vec<(String, Vec<String>)>,
}

impl Inbox {
    /// What to keep on the device: at most `max_threads` threads (most recently active first),
    /// each with its root and at most `max_replies` newest sent replies.
    pub fn snapshot(&self, max_threads: usize, max_replies: usize) -> InboxSnapshot {
        let mut threads: Vec<&Thread> = self.threads().collect();
        sort_newest_first(&mut threads);
        threads.truncate(max_threads);
        let mut marks = Vec::new();
        let kept: Vec<Thread> = threads
            .into_iter()
            .map(|t| {
                let kept = newest(t, max_replies);
                let key = t.key();
                for (user, event) in self.receipts.of_thread(t) {
                    // A mark on a message left out is older than every kept reply: the root
                    // stands in for it, so those replies still count as unread.
                    let event = if kept.contains(event) {
                        event.clone()
                    } else {
                        t.root_id.clone()
                    };
                    marks.push((key.room.to_string(), key.id.to_string(), user.clone(), event));
                }
                kept
            })
            .collect();
        let mut names: Vec<(String, String)> = self.names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        names.sort();
        InboxSnapshot {
            me: self.me.clone(),
            threads: kept,
            marks,
            names,
            conversations: self.conversations.iter().map(|(r, m)| (r.clone(), m.clone())).collect(),
        }
    }

    /// The inbox kept by [`Inbox::snapshot`], ready to paint and to take sync batches.
    pub fn from_snapshot(snapshot: InboxSnapshot) -> Inbox {
        let mut inbox = Inbox::new(&snapshot.me);
        inbox.names = snapshot.names.into_iter().collect();
        inbox.conversations = snapshot.conversations.into_iter().collect();
        for thread in snapshot.threads {
            inbox.index.insert(thread);
        }
        for (room, id, user, event) in snapshot.marks {
            let key = crate::domain::ThreadKey::new(room, id);
            if let Some(thread) = inbox.index.get(&key) {
                inbox.receipts.mark(thread, user, event, None);
            }
        }
        inbox
    }
}

/// `thread` with its root and at most `max_replies` newest sent replies.
fn newest(thread: &Thread, max_replies: usize) -> Thread {
    let mut kept = thread.clone();
    let sent: Vec<Message> = thread.messages[1..]
        .iter()
        .filter(|m| m.delivery == Delivery::Sent)
        .cloned()
        .collect();
    let skip = sent.len().saturating_sub(max_replies);
    kept.messages.truncate(1);
    kept.messages.extend(sent.into_iter().skip(skip));
    kept
}
