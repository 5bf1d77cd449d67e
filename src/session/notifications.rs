//! Which news deserves a notification while the person is not looking: urgent threads and
//! threads they take part in or are mentioned in; while they are with a patient or off duty,
//! only urgent ones, the rest counted and told at once when they are available again.
//! Notifications never carry patient details or message text (lock screens).

use super::core::Core;
use crate::api::Transport;
use crate::domain::{Availability, Priority, Thread, ThreadKey};
use crate::store::LocalStore;
use crate::sync::Platform;

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The thread it opens (none for a summary of held-back news).
    pub thread: Option<ThreadKey>,
    /// `New urgent message in Scheduling`.
    pub title: String,
    /// `Open Rounds to read it.`
    pub body: &'static str,
    /// Replaces an earlier notification with the same tag.
    pub tag: String,
}

/// Whether a new message in `thread` deserves a notification for `me`.
pub fn worth_notifying(thread: &Thread, me: &str) -> bool {
    thread.priority == Priority::Urgent || thread.participants.contains(me) || thread.mentions_me
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Core<T, S, P> {
    /// The notifications for news in `arrived` (one per thread worth it); news held back
    /// while the person is not available is counted instead.
    pub fn notifications_for(&self, arrived: &[ThreadKey]) -> Vec<Notification> {
        let mut state = self.state.borrow_mut();
        let busy = state.mine != Availability::Available;
        let mut shown = Vec::new();
        let mut held = 0;
        for key in arrived {
            let Some(thread) = state.inbox.thread(key).filter(|t| worth_notifying(t, state.inbox.me())) else {
                continue;
            };
            let urgent = thread.priority == Priority::Urgent;
            // With a patient or off duty, only urgent threads come through at once.
            if busy && !urgent {
                held += 1;
                continue;
            }
            let category = state
                .policy
                .category_by_room(&thread.room_id)
                .map_or_else(|| "Rounds".to_owned(), |c| c.label.clone());
            shown.push(Notification {
                thread: Some(thread.key()),
                title: if urgent {
                    format!("New urgent message in {category}")
                } else {
                    format!("New message in {category}")
                },
                body: "Open Rounds to read it.",
                tag: format!("{}|{}", thread.room_id, thread.root_id),
            });
        }
        state.held += held;
        shown
    }

    /// Available again: one notification for what was held back, if anything was.
    pub fn release_held(&self) -> Option<Notification> {
        let mut state = self.state.borrow_mut();
        if state.mine != Availability::Available || state.held == 0 {
            return None;
        }
        let held = std::mem::take(&mut state.held);
        Some(Notification {
            thread: None,
            title: match held {
                1 => "A thread has news from while you were busy".to_owned(),
                n => format!("{n} threads have news from while you were busy"),
            },
            body: "Open Rounds to read them.",
            tag: "held".into(),
        })
    }
}
