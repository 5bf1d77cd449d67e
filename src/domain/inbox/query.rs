//! The inbox's filters: search, category, quick views, unread, grouping by patient; and what
//! they must never hide, the urgent work addressed to the person.

use super::super::thread::{fold, Priority, Status, Thread};
use super::Inbox;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The Category filter's choice meaning every direct conversation (beside the category rooms).
pub const DIRECT: &str = "direct";

/// Quick views staff expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum View {
    /// What needs the person, across every category they read: open threads addressed to them
    /// or their roles, urgent threads nobody has acknowledged, and threads they take part in
    /// with replies they have not read. Urgent unacknowledged threads first.
    ForMe,
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
    /// Only this category room (or [`DIRECT`]: only direct conversations).
    pub room_id: Option<String>,
    /// Only threads with unread messages.
    pub unread_only: bool,
    /// Quick view.
    pub view: View,
    /// Sort threads of the same patient together.
    pub group_by_patient: bool,
    /// The roles the person is addressed as (for [`View::ForMyRole`] and [`View::ForMe`]).
    pub my_roles: Vec<String>,
}

/// The filter choices a person keeps on their device (restored at the next start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InboxChoices {
    /// The quick view.
    pub view: View,
    /// The category room, if one is chosen.
    pub room_id: Option<String>,
    /// Only threads with unread messages.
    pub unread_only: bool,
    /// Threads of the same patient together.
    pub group_by_patient: bool,
}

impl Default for InboxChoices {
    /// A first start opens on what needs the person, in every category.
    fn default() -> Self {
        InboxChoices {
            view: View::ForMe,
            room_id: None,
            unread_only: false,
            group_by_patient: false,
        }
    }
}

/// A category's counts, beside its name in the Category filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryCounts {
    /// Threads with messages the person has not read.
    pub unread: usize,
    /// Urgent threads nobody has acknowledged.
    pub urgent: usize,
}

impl Inbox {
    /// Threads matching the filter, newest activity first (or grouped by patient).
    pub fn query(&self, filter: &Filter) -> Vec<&Thread> {
        let needle = fold(filter.search.trim());
        let me = self.me();
        let mut found: Vec<&Thread> = self
            .threads()
            .filter(|t| filter.room_id.as_ref().is_none_or(|r| r.as_str() == self.scope_of(t)))
            .filter(|t| needle.is_empty() || t.search_text.contains(&needle))
            .filter(|t| match filter.view {
                View::ForMe => self.is_for_me(t, &filter.my_roles),
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
        if filter.view == View::ForMe {
            // Stable: newest first inside each group.
            found.sort_by_key(|t| !t.awaits_acknowledgement());
        }
        if filter.group_by_patient {
            found = grouped_by_patient(found);
        }
        found
    }

    /// Whether `thread` needs the person addressed as `my_roles` ([`View::ForMe`]).
    fn is_for_me(&self, thread: &Thread, my_roles: &[String]) -> bool {
        let addressed = thread.mentions_me
            || thread.info.to_roles.iter().any(|r| my_roles.contains(r))
            || self.conversations.contains_key(&thread.room_id);
        (addressed && thread.status == Status::Open)
            || thread.awaits_acknowledgement()
            || (thread.participants.contains(self.me()) && self.unread(thread) > 0)
    }

    /// Urgent unacknowledged threads addressed to the person (by name or role) that `filter`
    /// leaves out, counted per category room (or [`DIRECT`]): no filter hides urgent work for the person
    /// without saying where it is.
    pub fn urgent_for_me_elsewhere(&self, filter: &Filter) -> BTreeMap<String, usize> {
        let shown: Vec<&str> = self.query(filter).iter().map(|t| t.root_id.as_str()).collect();
        let mut elsewhere = BTreeMap::new();
        for thread in self.threads().filter(|t| {
            t.awaits_acknowledgement()
                && (t.mentions_me
                    || t.info.to_roles.iter().any(|r| filter.my_roles.contains(r))
                    || self.conversations.contains_key(&t.room_id))
                && !shown.contains(&t.root_id.as_str())
        }) {
            *elsewhere.entry(self.scope_of(thread).to_owned()).or_insert(0) += 1;
        }
        elsewhere
    }

    /// Unread and urgent counts per category room (and [`DIRECT`] for direct conversations).
    pub fn category_counts(&self) -> HashMap<String, CategoryCounts> {
        let mut counts: HashMap<String, CategoryCounts> = HashMap::new();
        for thread in self.threads() {
            let entry = counts.entry(self.scope_of(thread).to_owned()).or_default();
            entry.unread += usize::from(self.unread(thread) > 0);
            entry.urgent += usize::from(thread.awaits_acknowledgement());
        }
        counts
    }
}

impl Inbox {
    /// Where the Category filter finds `thread`: its category room, or [`DIRECT`].
    fn scope_of<'a>(&self, thread: &'a Thread) -> &'a str {
        if self.conversations.contains_key(&thread.room_id) {
            DIRECT
        } else {
            &thread.room_id
        }
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
