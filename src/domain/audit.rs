//! A thread's audit trail: everything that happened in it, in order, as an admin exports it
//! for the clinic's records (a plain-text file anyone can read without Rounds).

use super::attachment::Attachment;
use super::thread::{Priority, Status};

/// What one event of the thread did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    /// A message (the thread's first one, or a reply), as first sent.
    Message(String),
    /// A photo or file sent in the thread.
    Attached(Attachment),
    /// Its sender changed message `of` to `text`.
    Edited {
        /// The edited message's event id.
        of: String,
        /// The new text.
        text: String,
    },
    /// Message `of` was retracted, with `reason`.
    Retracted {
        /// The retracted message's event id.
        of: String,
        /// The reason given.
        reason: String,
    },
    /// A message whose content the homeserver removed (its retraction is listed too).
    Removed,
    /// The thread was marked resolved or reopened, or its priority changed.
    Update {
        /// New status, if changed.
        status: Option<Status>,
        /// New priority, if changed.
        priority: Option<Priority>,
    },
    /// An appointment change made from the thread (its summary).
    Appointment(String),
    /// The sender took the urgent thread on.
    Acknowledged,
    /// The sender filed the thread to the patient's chart (again: `updated`).
    Charted {
        /// Whether an earlier filing was updated.
        updated: bool,
    },
    /// An escalation notice (its text).
    Escalation(String),
    /// The sender linked the thread to this patient's record (its display name and reference).
    PatientLinked {
        /// The name the thread shows.
        display: String,
        /// The record, such as `Patient/123`.
        reference: String,
    },
}

/// One event of the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Event id.
    pub id: String,
    /// When the homeserver received it (milliseconds since the epoch).
    pub ts: u64,
    /// Who sent it (user id).
    pub sender: String,
    /// What it did.
    pub happened: Happened,
}

/// A message as the thread reads now (for filing): its newest text by its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentMessage {
    /// Its event id.
    pub id: String,
    /// Who wrote it (user id).
    pub sender: String,
    /// When it was first sent (milliseconds since the epoch).
    pub ts: u64,
    /// What it says now.
    pub text: String,
    /// Whether its sender edited it.
    pub edited: bool,
    /// The file it is, for an attachment (`text` then describes it).
    pub file: Option<Attachment>,
}

/// The thread as it reads now, from its history: each message and appointment change with its
/// newest edit, without what was retracted, oldest first.
pub fn current_messages(entries: &[AuditEntry]) -> Vec<CurrentMessage> {
    let mut current: Vec<CurrentMessage> = Vec::new();
    for entry in entries {
        match &entry.happened {
            Happened::Message(text) | Happened::Appointment(text) => current.push(CurrentMessage {
                id: entry.id.clone(),
                sender: entry.sender.clone(),
                ts: entry.ts,
                text: text.clone(),
                edited: false,
                file: None,
            }),
            Happened::Attached(file) => current.push(CurrentMessage {
                id: entry.id.clone(),
                sender: entry.sender.clone(),
                ts: entry.ts,
                text: file.describe(),
                edited: false,
                file: Some(file.clone()),
            }),
            Happened::Edited { of, text } => {
                if let Some(message) = current.iter_mut().find(|m| m.id == *of) {
                    message.text = text.clone();
                    message.edited = true;
                }
            }
            Happened::Retracted { of, .. } => current.retain(|m| m.id != *of),
            _ => {}
        }
    }
    current
}

/// How far someone has read the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMark {
    /// The reader (user id).
    pub user: String,
    /// The furthest event they read.
    pub event_id: String,
    /// When they read it, if known.
    pub at: Option<u64>,
}

/// A thread's history, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTrail {
    /// The thread's title (`Patient – Topic`).
    pub title: String,
    /// Its category's label.
    pub category: String,
    /// Its urgency now.
    pub priority: Priority,
    /// The roles it is addressed to (their labels).
    pub addressed_to: Vec<String>,
    /// Every event, oldest first.
    pub entries: Vec<AuditEntry>,
    /// Read receipts.
    pub reads: Vec<ReadMark>,
}

impl AuditTrail {
    /// The trail as a plain-text document: numbered events, edits and retractions pointing at
    /// the message they changed, then read receipts. `name` gives a person's name for a user id,
    /// `time` writes a timestamp.
    pub fn render(
        &self,
        exported_by: &str,
        exported_at: u64,
        name: impl Fn(&str) -> String,
        time: impl Fn(u64) -> String,
    ) -> String {
        let number = |id: &str| {
            self.entries
                .iter()
                .position(|e| e.id == id)
                .map_or_else(|| format!("an earlier event ({id})"), |i| format!("#{}", i + 1))
        };
        let urgency = match self.priority {
            Priority::Urgent => "urgent",
            Priority::Routine => "routine",
        };
        let addressed = if self.addressed_to.is_empty() {
            "no role in particular".to_owned()
        } else {
            self.addressed_to.join(", ")
        };
        let mut out = format!(
            "Rounds — thread history\nThread: {}\nCategory: {}\nUrgency: {urgency}\nAddressed to: {addressed}\n\
             Exported by {} at {}\nTimes are the clinic's, with their offset from UTC.\n\n",
            self.title,
            self.category,
            name(exported_by),
            time(exported_at)
        );
        for (i, entry) in self.entries.iter().enumerate() {
            let who = name(&entry.sender);
            let what = match &entry.happened {
                Happened::Message(text) => format!("message\n{}", indent(text)),
                Happened::Attached(file) => {
                    format!("attachment\n{}", indent(&format!("{}\n{}", file.describe(), file.url)))
                }
                Happened::Edited { of, text } => format!("edited {}\n{}", number(of), indent(text)),
                Happened::Retracted { of, reason } => format!("retracted {}: {reason}", number(of)),
                Happened::Removed => "message (content removed by a retraction)".to_owned(),
                Happened::Update { status, priority } => describe_update(*status, *priority),
                Happened::Appointment(summary) => format!("appointment change\n{}", indent(summary)),
                Happened::Acknowledged => "acknowledged the thread".to_owned(),
                Happened::Charted { updated: false } => "saved the thread to the patient's chart".to_owned(),
                Happened::Charted { updated: true } => "updated the thread's record in the patient's chart".to_owned(),
                Happened::Escalation(text) => format!("escalation notice\n{}", indent(text)),
                Happened::PatientLinked { display, reference } => {
                    format!("linked the thread to patient {display} ({reference})")
                }
            };
            out.push_str(&format!("#{} {} {who}: {what}\n", i + 1, time(entry.ts)));
        }
        out.push_str("\nRead receipts (furthest event each person read)\n");
        if self.reads.is_empty() {
            out.push_str("  none\n");
        }
        for read in &self.reads {
            let at = read.at.map_or_else(|| "time not known".to_owned(), &time);
            out.push_str(&format!(
                "  {} read up to {} at {at}\n",
                name(&read.user),
                number(&read.event_id)
            ));
        }
        out
    }
}

fn describe_update(status: Option<Status>, priority: Option<Priority>) -> String {
    let mut parts = Vec::new();
    match status {
        Some(Status::Resolved) => parts.push("marked the thread resolved"),
        Some(Status::Open) => parts.push("reopened the thread"),
        None => {}
    }
    match priority {
        Some(Priority::Urgent) => parts.push("made it urgent"),
        Some(Priority::Routine) => parts.push("made it routine"),
        None => {}
    }
    if parts.is_empty() {
        "updated the thread".to_owned()
    } else {
        parts.join(" and ")
    }
}

/// Text indented under its entry, every line (a message may hold several).
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, ts: u64, sender: &str, happened: Happened) -> AuditEntry {
        AuditEntry {
            id: id.into(),
            ts,
            sender: sender.into(),
            happened,
        }
    }

    #[test]
    fn an_attachment_is_listed_with_its_address_and_filed_as_a_file() {
        let card = Attachment {
            name: "card.png".into(),
            content_type: "image/png".into(),
            size: 14 * 1024,
            url: "mxc://clinic.example/abc".into(),
        };
        let trail = AuditTrail {
            title: "Sara M. – Card".into(),
            category: "Clinical".into(),
            priority: Priority::Routine,
            addressed_to: Vec::new(),
            entries: vec![entry("$f", 60_000, "@dana:x", Happened::Attached(card.clone()))],
            reads: Vec::new(),
        };
        let text = trail.render("@morgan:x", 120_000, |u| u.to_owned(), |t| t.to_string());
        assert!(
            text.contains("attachment\n    Photo: card.png (image/png, 14 KB)\n    mxc://clinic.example/abc"),
            "{text}"
        );
        let current = current_messages(&trail.entries);
        assert_eq!(current[0].file.as_ref(), Some(&card));
        assert_eq!(current[0].text, "Photo: card.png (image/png, 14 KB)");
    }

    #[test]
    fn the_current_thread_has_the_newest_edits_and_nothing_retracted() {
        let texts: Vec<(String, bool)> = current_messages(&sample().entries)
            .into_iter()
            .map(|m| (m.text, m.edited))
            .collect();
        assert_eq!(
            texts,
            [
                ("Expires Monday.".into(), true),
                ("Moved to Tuesday 3 pm".into(), false)
            ]
        );
    }

    fn sample() -> AuditTrail {
        AuditTrail {
            title: "Sara M. – Renewal".into(),
            category: "Authorization".into(),
            priority: Priority::Urgent,
            addressed_to: vec!["Billing".into(), "Front desk".into()],
            entries: vec![
                entry(
                    "$r",
                    1,
                    "@dana",
                    Happened::Message("Expires Friday.\nCall payer.".into()),
                ),
                entry(
                    "$e",
                    2,
                    "@dana",
                    Happened::Edited {
                        of: "$r".into(),
                        text: "Expires Monday.".into(),
                    },
                ),
                entry("$m", 3, "@priya", Happened::Removed),
                entry(
                    "$x",
                    4,
                    "@priya",
                    Happened::Retracted {
                        of: "$m".into(),
                        reason: "Wrong thread".into(),
                    },
                ),
                entry(
                    "$u",
                    5,
                    "@priya",
                    Happened::Update {
                        status: Some(Status::Resolved),
                        priority: None,
                    },
                ),
                entry("$a", 6, "@jordan", Happened::Acknowledged),
                entry("$p", 7, "@dana", Happened::Appointment("Moved to Tuesday 3 pm".into())),
                entry("$n", 8, "@svc", Happened::Escalation("Calling in Admin".into())),
            ],
            reads: vec![
                ReadMark {
                    user: "@jordan".into(),
                    event_id: "$p".into(),
                    at: Some(9),
                },
                ReadMark {
                    user: "@sam".into(),
                    event_id: "$gone".into(),
                    at: None,
                },
            ],
        }
    }

    #[test]
    fn every_kind_of_event_reads_in_order_with_references() {
        let trail = sample();
        let text = trail.render(
            "@morgan",
            10,
            |u| u.trim_start_matches('@').to_owned(),
            |t| format!("t{t}"),
        );
        let expected = "Rounds — thread history\nThread: Sara M. – Renewal\nCategory: Authorization\n\
            Urgency: urgent\nAddressed to: Billing, Front desk\n\
            Exported by morgan at t10\nTimes are the clinic's, with their offset from UTC.\n\n\
            #1 t1 dana: message\n    Expires Friday.\n    Call payer.\n\
            #2 t2 dana: edited #1\n    Expires Monday.\n\
            #3 t3 priya: message (content removed by a retraction)\n\
            #4 t4 priya: retracted #3: Wrong thread\n\
            #5 t5 priya: marked the thread resolved\n\
            #6 t6 jordan: acknowledged the thread\n\
            #7 t7 dana: appointment change\n    Moved to Tuesday 3 pm\n\
            #8 t8 svc: escalation notice\n    Calling in Admin\n\
            \nRead receipts (furthest event each person read)\n\
            \x20 jordan read up to #7 at t9\n\
            \x20 sam read up to an earlier event ($gone) at time not known\n";
        assert_eq!(text, expected);
    }
}
