//! The escalation rules for urgent threads nobody acknowledges, as pure functions of a thread's
//! messages: whoever evaluates them (the escalation service after a restart, a test replaying a
//! timeline) reaches the same decision from the rooms alone.
//!
//! One window after an urgent thread starts waiting, the roles it is addressed to are reminded;
//! one window after that the category's backup role is called in. Each step happens once: a
//! step counts as taken when a notice for it from the clinic's escalation service is in the
//! thread.

use super::clinic::{roles, Category};
use super::thread::{Body, Message, Thread};
use serde::{Deserialize, Serialize};

/// A step of an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The addressed roles are reminded.
    Reminder,
    /// The backup role is called in.
    Backup,
}

/// The next escalation step of a thread and when it falls due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Which step.
    pub stage: Stage,
    /// The roles it addresses.
    pub roles: Vec<String>,
    /// When it falls due (milliseconds since the epoch).
    pub at: u64,
}

/// The escalation notices in `thread` that count: sent by `service` since the thread started
/// waiting (a notice from anyone else, or from before an earlier acknowledgement round, does not).
pub fn notices<'a>(thread: &'a Thread, service: &'a str) -> impl Iterator<Item = (&'a Message, Stage)> + 'a {
    let since = thread.waiting_since().unwrap_or(u64::MAX);
    thread.messages.iter().filter_map(move |m| match &m.body {
        Body::Escalation { stage, .. } if m.sender == service && m.ts >= since => Some((m, *stage)),
        _ => None,
    })
}

/// Whether `message` is an escalation notice that counts (see [`notices`]).
pub fn is_valid_notice(message: &Message, service: Option<&str>) -> bool {
    matches!(message.body, Body::Escalation { .. }) && service == Some(message.sender.as_str())
}

/// The next step for `thread` in `category`, whose notices come from `service`; `None` when the
/// thread waits for nothing (routine, resolved, acknowledged), the category does not escalate,
/// or every step was taken.
pub fn next_step(thread: &Thread, category: &Category, service: &str) -> Option<Due> {
    let escalation = category.escalation.as_ref()?;
    let since = thread.waiting_since()?;
    let taken = notices(thread, service).map(|(_, stage)| stage).max();
    let window = escalation.window_ms();
    match taken {
        None => Some(Due {
            stage: Stage::Reminder,
            roles: if thread.info.to_roles.is_empty() {
                addressed_roles(category, &escalation.backup_role)
            } else {
                thread.info.to_roles.clone()
            },
            at: since + window,
        }),
        Some(Stage::Reminder) => Some(Due {
            stage: Stage::Backup,
            roles: vec![escalation.backup_role.clone()],
            at: since + 2 * window,
        }),
        Some(Stage::Backup) => None,
    }
}

/// The roles an urgent thread in `category` addressed to no role in particular is reminded to:
/// the category's roles, but the backup role (called in later) and admins (who see everything)
/// when others remain.
pub fn addressed_roles(category: &Category, backup: &str) -> Vec<String> {
    let first_line: Vec<String> = category
        .roles
        .iter()
        .filter(|r| *r != backup && *r != roles::ADMIN)
        .cloned()
        .collect();
    if first_line.is_empty() {
        category.roles.clone()
    } else {
        first_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clinic::{ClinicPolicy, Escalation};
    use crate::domain::thread::{Delivery, Priority, Status, ThreadInfo};

    const SERVICE: &str = "@rounds-escalation:x";
    const MINUTE: u64 = 60_000;

    fn category() -> Category {
        let mut clinical = ClinicPolicy::with_defaults("X").categories[0].clone();
        clinical.escalation = Some(Escalation {
            window_seconds: 300,
            backup_role: roles::ADMIN.into(),
        });
        clinical
    }

    fn message(id: &str, sender: &str, ts: u64, body: Body) -> Message {
        Message {
            id: id.into(),
            sender: sender.into(),
            ts,
            body,
            delivery: Delivery::Sent,
            txn_id: None,
            edited_at: None,
        }
    }

    fn notice(id: &str, sender: &str, ts: u64, stage: Stage) -> Message {
        let body = Body::Escalation {
            stage,
            roles: vec![],
            text: "No acknowledgement".into(),
        };
        message(id, sender, ts, body)
    }

    fn urgent_thread(events: &[Message]) -> Thread {
        let info = ThreadInfo {
            topic: "Client in lobby is dysregulated".into(),
            patient: None,
            priority: Priority::Urgent,
            to_roles: Vec::new(),
            category: None,
            from_ehr: None,
        };
        let root = message("$root", "@dana:x", 0, Body::Text("Who can come?".into()));
        let mut thread = Thread::new("!clinical:x", root, info);
        events.iter().cloned().for_each(|m| thread.push(m));
        thread
    }

    /// What the service would post at `now`, given the timeline so far (rebuilt from scratch,
    /// as after a restart).
    fn decide(timeline: &[Message], now: u64) -> Option<Due> {
        next_step(&urgent_thread(timeline), &category(), SERVICE).filter(|due| due.at <= now)
    }

    #[test]
    fn a_recorded_timeline_escalates_each_step_once_even_across_a_restart() {
        let mut timeline = Vec::new();
        // Nothing within the first window.
        assert_eq!(decide(&timeline, 4 * MINUTE), None);
        // Window over: remind the clinicians (not the backup, not admins).
        let due = decide(&timeline, 5 * MINUTE).unwrap();
        assert_eq!(
            (due.stage, due.roles.as_slice(), due.at),
            (Stage::Reminder, &["clinician".to_owned()][..], 5 * MINUTE)
        );
        timeline.push(notice("$r", SERVICE, 5 * MINUTE + 300, Stage::Reminder));
        // The service restarts here: rebuilt from the room, the reminder is not repeated.
        assert_eq!(decide(&timeline, 7 * MINUTE), None);
        // Second window over: the backup role is called in, once.
        let due = decide(&timeline, 10 * MINUTE).unwrap();
        assert_eq!(
            (due.stage, due.roles.as_slice()),
            (Stage::Backup, &["admin".to_owned()][..])
        );
        timeline.push(notice("$b", SERVICE, 10 * MINUTE + 200, Stage::Backup));
        assert_eq!(decide(&timeline, 60 * MINUTE), None);
    }

    #[test]
    fn an_acknowledgement_or_resolution_stops_it() {
        let ack = message("$a", "@priya:x", 3 * MINUTE, Body::Acknowledged);
        assert_eq!(decide(&[ack], 60 * MINUTE), None);
        let resolved = Body::Update {
            status: Some(Status::Resolved),
            priority: None,
        };
        assert_eq!(decide(&[message("$u", "@dana:x", MINUTE, resolved)], 60 * MINUTE), None);
        // The sender's own acknowledgement does not count.
        let own = message("$o", "@dana:x", MINUTE, Body::Acknowledged);
        assert_eq!(decide(&[own], 5 * MINUTE).map(|d| d.stage), Some(Stage::Reminder));
    }

    #[test]
    fn notices_from_anyone_but_the_service_are_ignored() {
        let forged = notice("$f", "@mallory:x", MINUTE, Stage::Backup);
        let thread = urgent_thread(std::slice::from_ref(&forged));
        assert_eq!(notices(&thread, SERVICE).count(), 0);
        assert!(!is_valid_notice(&forged, Some(SERVICE)));
        assert_eq!(decide(&[forged], 5 * MINUTE).map(|d| d.stage), Some(Stage::Reminder));
    }

    #[test]
    fn a_service_down_for_both_windows_calls_the_backup_role_next() {
        // The reminder is still due first (at its own time), then the backup one window later:
        // the service catches up one step at a time, and never posts the same step twice.
        let due = decide(&[], 30 * MINUTE).unwrap();
        assert_eq!(due.stage, Stage::Reminder);
        let after = [notice("$r", SERVICE, 30 * MINUTE, Stage::Reminder)];
        assert_eq!(decide(&after, 30 * MINUTE).map(|d| d.stage), Some(Stage::Backup));
    }

    #[test]
    fn a_thread_addressed_to_roles_reminds_those_roles() {
        let mut thread = urgent_thread(&[]);
        thread.info.to_roles = vec!["front-desk".into()];
        let due = next_step(&thread, &category(), SERVICE).unwrap();
        assert_eq!(due.roles, ["front-desk"]);
    }

    #[test]
    fn a_category_without_escalation_never_escalates() {
        let mut plain = category();
        plain.escalation = None;
        assert_eq!(next_step(&urgent_thread(&[]), &plain, SERVICE), None);
    }
}
