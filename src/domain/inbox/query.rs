//! The inbox's filters: search, category, quick views, unread, grouping by patient.

use super::super::thread::{fold, Priority, Status, Thread};
use super::Inbox;
use std::collections::HashMap;

/// Quick views staff expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Everything.
    #[default]
    All,
    /// Threads I started, replied in or am mentioned in.
    Mine,
    /// Threads addressed to a role I am addressed as ([`Filter::my_roles`]).
    ForMyRole,
    /// Urgent threads.
    Urgent,
    /// Open threads.
    Open,
    /// Resolved threads.
    Resolved,
}

/// The inbox filter controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Search text (patient, topic, loaded message text); case- and accent-insensitive.
    pub search: String,
    /// Only this category room.
    pub room_id: Option<String>,
    /// Only threads with unread messages.
    pub unread_only: bool,
    /// Quick view.
    pub view: View,
    /// Sort threads of the same patient together.
    pub group_by_patient: bool,
    /// The roles the person is addressed as (for [`View::ForMyRole`]).
    pub my_roles: Vec<String>,
}

impl Inbox {
    /// Threads matching the filter, newest activity first (or grouped by patient).
    pub fn query(&self, filter: &Filter) -> Vec<&Thread> {
        let needle = fold(filter.search.trim());
        let me = self.me();
        let mut found: Vec<&Thread> = self
            .threads()
            .filter(|t| filter.room_id.as_ref().is_none_or(|r| *r == t.room_id))
            .filter(|t| needle.is_empty() || t.search_text.contains(&needle))
            .filter(|t| match filter.view {
                View::All => true,
                View::Mine => t.participants.contains(me) || t.mentions_me,
                View::ForMyRole => t.info.to_roles.iter().any(|r| filter.my_roles.contains(r)),
                View::Urgent => t.priority == Priority::Urgent,
                View::Open => t.status == Status::Open,
                View::Resolved => t.status == Status::Resolved,
            })
            .filter(|t| !filter.unread_only || self.unread(t) > 0)
            .collect();
        sort_newest_first(&mut found);
        if filter.group_by_patient {
            found = grouped_by_patient(found);
        }
        found
    }
}

/// Newest activity first; ties broken by root id, so the order is stable.
pub(super) fn sort_newest_first(threads: &mut [&Thread]) {
    threads.sort_by(|a, b| {
        b.last_activity()
            .cmp(&a.last_activity())
            .then_with(|| a.root_id.cmp(&b.root_id))
    });
}

/// Stable: inside a patient, newest first; patients ordered by their newest thread; threads
/// without a patient last. Keys are computed once per thread.
fn grouped_by_patient(found: Vec<&Thread>) -> Vec<&Thread> {
    let keys: Vec<String> = found.iter().map(|t| patient_key(t)).collect();
    let mut order: HashMap<&str, usize> = HashMap::new();
    for key in &keys {
        let next = order.len();
        order.entry(key.as_str()).or_insert(next);
    }
    let mut decorated: Vec<((bool, usize), &Thread)> = keys
        .iter()
        .map(|k| (k.is_empty(), order[k.as_str()]))
        .zip(found)
        .collect();
    decorated.sort_by_key(|(rank, _)| *rank);
    decorated.into_iter().map(|(_, t)| t).collect()
}

/// The grouping key of a thread's patient (`""` without one).
pub fn patient_key(thread: &Thread) -> String {
    thread
        .info
        .patient
        .as_ref()
        .map(|p| fold(p.display.trim()))
        .unwrap_or_default()
}
