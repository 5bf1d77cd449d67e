//! Threads and messages as staff see them (serialisable, for the inbox kept on the device).

use super::escalation::Stage;
use super::ids::ThreadKey;
use super::watch::WatchKind;
use serde::{Deserialize, Serialize};

use std::collections::BTreeSet;

/// Urgency of a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Priority {
    /// Normal work.
    #[default]
    Routine,
    /// Needs attention now.
    Urgent,
}

/// Whether a thread still needs work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Status {
    /// Still needs work.
    #[default]
    Open,
    /// Done.
    Resolved,
}

/// The patient a thread is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Display name, such as `Sara M.`.
    pub display: String,
    /// Reference in the clinic's FHIR server, when known.
    pub id: Option<String>,
}

/// What a thread is about, from its root.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThreadInfo {
    /// Topic.
    pub topic: String,
    /// Patient, if any.
    pub patient: Option<Patient>,
    /// Priority at creation.
    pub priority: Priority,
    /// Role ids the thread is addressed to.
    #[serde(default)]
    pub to_roles: Vec<String>,
    /// The category id of a thread in a direct conversation (a category room's threads take
    /// their room's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The kind of EHR fact that opened the thread, as its root says: believed only from the
    /// clinic's service account ([`Thread::opened_by_ehr`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_ehr: Option<WatchKind>,
}

impl ThreadInfo {
    /// `Patient – Topic`, or the topic.
    pub fn title(&self) -> String {
        match &self.patient {
            Some(p) if !p.display.trim().is_empty() => format!("{} – {}", p.display, self.topic),
            _ => self.topic.clone(),
        }
    }
}

/// What a card says its sender did in the clinic's EHR: a claim by the sender, shown as such
/// until the EHR itself is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EhrClaim {
    /// The thread is filed as `record` (`Communication/<id>`).
    Filed {
        /// The record.
        record: String,
    },
    /// `appointment` (`Appointment/<id>`) now starts at `start`, or was cancelled.
    Appointment {
        /// The appointment.
        appointment: String,
        /// Its new start (a FHIR instant), if it was moved.
        start: Option<String>,
        /// Whether it was cancelled.
        cancelled: bool,
    },
}

/// What a message in a thread says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// Text (rendered as text, never HTML).
    Text(String),
    /// An appointment change made from the thread: its plain-text summary, and what it says
    /// the EHR now holds.
    Appointment {
        /// The sender's summary.
        summary: String,
        /// The change as the sender claims it.
        claim: EhrClaim,
    },
    /// The thread was linked to this patient's record after it was started (the newest link
    /// is the thread's patient).
    PatientLinked(Patient),
    /// A status or priority change.
    Update {
        /// New status, if changed.
        status: Option<Status>,
        /// New priority, if changed.
        priority: Option<Priority>,
    },
    /// A photo or file (its caption, if any, is its name).
    Attachment(super::attachment::Attachment),
    /// A thread's first message that could not be loaded (removed, or older than the person's
    /// access); its replies still show under it.
    Unavailable,
    /// Its sender took on the (urgent) thread.
    Acknowledged,
    /// Its sender filed the thread to the patient's chart (`updated`: again, updating the record).
    Charted {
        /// Whether an earlier filing was updated.
        updated: bool,
        /// The record as the sender claims it.
        claim: EhrClaim,
    },
    /// A message its sender (or an admin) retracted: the content is gone everywhere; who
    /// removed it and why stay.
    Removed {
        /// Who retracted it (user id).
        by: String,
        /// The reason they gave (may be empty).
        reason: String,
        /// When it was retracted (milliseconds; unknown in an inbox kept before this was).
        #[serde(default)]
        at: Option<u64>,
    },
    /// A notice that the thread was escalated: it counts only from the clinic's escalation
    /// service (see [`crate::domain::escalation`]); from anyone else it reads as its text.
    Escalation {
        /// Which step of the escalation.
        stage: Stage,
        /// The roles the notice calls in.
        roles: Vec<String>,
        /// The notice's text.
        text: String,
    },
}

impl Body {
    /// Whether the message is news to read: it counts as unread and is what an inbox row
    /// previews (one rule for both, so a count never points at something the preview hides).
    /// Status changes, acknowledgements, retracted content and roots that cannot be loaded
    /// show in the thread but are neither counted nor previewed.
    pub fn is_news(&self) -> bool {
        matches!(
            self,
            Body::Text(_)
                | Body::Attachment(_)
                | Body::Appointment { .. }
                | Body::Charted { .. }
                | Body::PatientLinked(_)
                | Body::Escalation { .. }
        )
    }

    /// What the inbox filter searches in this message: its text, or an attachment's name.
    pub fn searchable(&self) -> Option<&str> {
        match self {
            Body::Text(text) => Some(text),
            Body::Attachment(file) => Some(&file.name),
            _ => None,
        }
    }
}

/// Delivery state of a message this device sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// On the server.
    Sent,
    /// Waiting to go out or being sent.
    Sending,
    /// Refused permanently; the text is kept for Retry.
    Failed(String),
}

/// One message in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Server event id, or the txn id while only local.
    pub id: String,
    /// Sender's user id.
    pub sender: String,
    /// Milliseconds since the epoch.
    pub ts: u64,
    /// Content.
    pub body: Body,
    /// Delivery state (always `Sent` for others' messages).
    pub delivery: Delivery,
    /// The txn id of a message sent from this device, to match the server's echo.
    pub txn_id: Option<String>,
    /// When the text shown was last edited by its sender (`None`: as first sent).
    #[serde(default)]
    pub edited_at: Option<u64>,
}

/// A thread: root, replies in order, and what is known about who read what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// The category room.
    pub room_id: String,
    /// The root's event id (its transaction id while a thread started here is on its way).
    pub root_id: String,
    /// The transaction id this device created the thread with, once the homeserver named it
    /// `root_id`: the thread keeps its [`ThreadKey`] through the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_as: Option<String>,
    /// Topic, patient and initial priority.
    pub info: ThreadInfo,
    /// Current priority (after updates).
    pub priority: Priority,
    /// Current status (after updates).
    pub status: Status,
    /// Root first, then replies in server order.
    pub messages: Vec<Message>,
    /// Users who wrote in the thread.
    pub participants: BTreeSet<String>,
    /// Whether the signed-in user is mentioned (by id or display name) anywhere in it.
    pub mentions_me: bool,
    /// Lower-cased text searched by the inbox filter (title and loaded messages).
    pub search_text: String,
}

impl Thread {
    /// A thread with only its root message.
    pub fn new(room_id: &str, root: Message, info: ThreadInfo) -> Self {
        let mut thread = Thread {
            room_id: room_id.to_owned(),
            root_id: root.id.clone(),
            created_as: None,
            priority: info.priority,
            status: Status::Open,
            search_text: fold(&info.title()),
            info,
            messages: Vec::new(),
            participants: BTreeSet::new(),
            mentions_me: false,
        };
        thread.push(root);
        thread
    }

    /// The kind of EHR fact that opened the thread, if the clinic's EHR watch did: its root
    /// says so and was sent by the clinic's service account `service` (from anyone else, the
    /// claim is only text).
    pub fn opened_by_ehr(&self, service: Option<&str>) -> Option<WatchKind> {
        let root = self.messages.first()?;
        (Some(root.sender.as_str()) == service && root.id == self.root_id)
            .then_some(self.info.from_ehr)
            .flatten()
    }

    /// The thread's identity on this device: the id it was first known by here.
    pub fn key(&self) -> ThreadKey {
        ThreadKey::new(
            self.room_id.as_str(),
            self.created_as.as_deref().unwrap_or(&self.root_id),
        )
    }

    /// The root's event id, once the homeserver has the root (`None` while a thread started
    /// here is on its way: nothing can be asked of the homeserver about it yet).
    pub fn root_event(&self) -> Option<&str> {
        let sent = self.messages.first().is_some_and(|m| m.delivery == Delivery::Sent);
        sent.then_some(self.root_id.as_str())
    }

    /// Adds a message at the end (or replaces the local echo with the same txn id).
    pub fn push(&mut self, message: Message) {
        if let Some(txn) = &message.txn_id {
            if let Some(local) = self.messages.iter_mut().find(|m| m.txn_id.as_ref() == Some(txn)) {
                *local = message;
                return;
            }
        }
        if let Body::Update { status, priority } = &message.body {
            if let Some(s) = status {
                self.status = *s;
            }
            if let Some(p) = priority {
                self.priority = *p;
            }
        }
        if let Some(text) = message.body.searchable() {
            self.search_text.push('\n');
            self.search_text.push_str(&fold(text));
        }
        let links_patient = matches!(message.body, Body::PatientLinked(_));
        self.participants.insert(message.sender.clone());
        if self.messages.is_empty() {
            self.messages.push(message);
            return;
        }
        // Replies keep time order (a late page of older messages slots in); the root stays first.
        let at = self
            .messages
            .iter()
            .rposition(|m| m.ts <= message.ts)
            .map_or(1, |i| i + 1)
            .max(1);
        self.messages.insert(at, message);
        if links_patient {
            self.follow_patient_link();
        }
    }

    /// Takes the newest patient link as the thread's patient (a late page of older messages
    /// does not undo a newer link).
    fn follow_patient_link(&mut self) {
        let newest = self.messages.iter().rev().find_map(|m| match &m.body {
            Body::PatientLinked(patient) => Some(patient.clone()),
            _ => None,
        });
        if let Some(patient) = newest {
            self.search_text.push('\n');
            self.search_text.push_str(&fold(&patient.display));
            self.info.patient = Some(patient);
        }
    }

    /// Who acknowledged the thread, and when (milliseconds), first one first. The thread's own
    /// sender cannot acknowledge it: theirs are not counted.
    pub fn acknowledged(&self) -> Vec<(&str, u64)> {
        let mut seen = BTreeSet::new();
        self.acknowledgements()
            .filter(|m| seen.insert(m.sender.as_str()))
            .map(|m| (m.sender.as_str(), m.ts))
            .collect()
    }

    /// Whether anyone but the thread's sender acknowledged it (no allocation: inbox rows ask).
    pub fn is_acknowledged(&self) -> bool {
        self.acknowledgements().next().is_some()
    }

    /// Whether the thread is urgent, open and nobody has acknowledged it yet.
    pub fn awaits_acknowledgement(&self) -> bool {
        self.priority == Priority::Urgent && self.status == Status::Open && !self.is_acknowledged()
    }

    /// When the thread started waiting for an acknowledgement (its root's time), while it does.
    pub fn waiting_since(&self) -> Option<u64> {
        self.awaits_acknowledgement()
            .then(|| self.messages.first().map(|m| m.ts))
            .flatten()
    }

    /// Acknowledgement messages that count (not the thread's own sender's), oldest first.
    fn acknowledgements(&self) -> impl Iterator<Item = &Message> {
        let starter = self.messages.first().map(|m| m.sender.as_str());
        self.messages
            .iter()
            .filter(move |m| m.body == Body::Acknowledged && Some(m.sender.as_str()) != starter)
    }

    /// Whether a message with this event id (or txn id) is already in the thread.
    pub fn contains(&self, id: &str) -> bool {
        self.messages.iter().any(|m| m.id == id)
    }

    /// The newest message.
    pub fn latest(&self) -> &Message {
        self.messages.last().expect("a thread always has its root")
    }

    /// The newest message that is on the server (what a read receipt can point at).
    pub fn latest_sent(&self) -> Option<&Message> {
        self.messages.iter().rev().find(|m| m.delivery == Delivery::Sent)
    }

    /// Position of an event in the thread.
    pub fn position(&self, event_id: &str) -> Option<usize> {
        self.messages.iter().position(|m| m.id == event_id)
    }

    /// Time of the newest message: the inbox sorts by it.
    pub fn last_activity(&self) -> u64 {
        self.latest().ts
    }

    /// A stand-in for a thread whose replies arrived but whose first message cannot be loaded,
    /// so that the replies are not silently hidden.
    pub fn unavailable(room_id: &str, root_id: &str) -> Self {
        let root = Message {
            id: root_id.to_owned(),
            sender: String::new(),
            ts: 0,
            body: Body::Unavailable,
            delivery: Delivery::Sent,
            txn_id: None,
            edited_at: None,
        };
        let info = ThreadInfo {
            topic: UNAVAILABLE_TOPIC.to_owned(),
            patient: None,
            priority: Priority::Routine,
            to_roles: Vec::new(),
            category: None,
            from_ehr: None,
        };
        Thread::new(room_id, root, info)
    }

    /// Whether this is a stand-in from [`Thread::unavailable`].
    pub fn is_unavailable(&self) -> bool {
        self.messages.first().is_some_and(|m| m.body == Body::Unavailable)
    }

    /// Shows `text` as the new text of message `id` (an edit by its sender, sent at `ts`); older
    /// edits than the one shown are ignored, since edits may arrive out of order. Whether the
    /// message changed.
    pub fn edit(&mut self, id: &str, sender: &str, ts: u64, text: &str) -> bool {
        let Some(message) = self.messages.iter_mut().find(|m| m.id == id) else {
            return false;
        };
        let newer = message.edited_at.is_none_or(|at| ts >= at);
        if message.sender != sender || !matches!(message.body, Body::Text(_)) || !newer {
            return false;
        }
        message.body = Body::Text(text.to_owned());
        message.edited_at = Some(ts);
        self.reindex();
        true
    }

    /// Removes the content of message `id` (retracted by `by` at `at`): it reads as removed, and the
    /// thread no longer finds or shows what it said. A removed first message takes the thread's
    /// topic and patient with it. Whether the message was in the thread.
    pub fn remove(&mut self, id: &str, by: &str, reason: &str, at: u64) -> bool {
        let Some(position) = self.position(id) else {
            return false;
        };
        let message = &mut self.messages[position];
        message.body = Body::Removed {
            by: by.to_owned(),
            reason: reason.to_owned(),
            at: Some(at),
        };
        message.edited_at = None;
        if position == 0 {
            self.info.topic = REMOVED_TOPIC.to_owned();
            self.info.patient = None;
        }
        self.reindex();
        true
    }

    /// Forgets what was sent before `cutoff` (milliseconds): its category's retention period
    /// ended for it. Messages not yet on the server stay. A thread whose first message expired
    /// keeps its newer replies under a stand-in without topic or patient. Whether anything is
    /// left of the thread.
    pub fn expire(&mut self, cutoff: u64) -> bool {
        let expired = |m: &Message| m.delivery == Delivery::Sent && m.ts < cutoff && m.body != Body::Unavailable;
        if !self.messages.iter().any(expired) {
            return true;
        }
        let root = self.messages.remove(0);
        let root_expired = expired(&root);
        self.messages.retain(|m| !expired(m));
        // Nothing left but a stand-in (now, or from an earlier expiry): the thread is gone.
        if self.messages.is_empty() && (root_expired || root.body == Body::Unavailable) {
            return false;
        }
        if root_expired {
            self.info.topic = UNAVAILABLE_TOPIC.to_owned();
            self.info.patient = None;
            self.messages.insert(
                0,
                Message {
                    sender: String::new(),
                    ts: 0,
                    body: Body::Unavailable,
                    edited_at: None,
                    ..root
                },
            );
        } else {
            self.messages.insert(0, root);
        }
        self.reindex();
        true
    }

    /// Rebuilds the search text from what the thread shows now.
    fn reindex(&mut self) {
        let mut text = fold(&self.info.title());
        for message in &self.messages {
            if let Some(body) = message.body.searchable() {
                text.push('\n');
                text.push_str(&fold(body));
            }
        }
        self.search_text = text;
    }

    /// The newest message that is news ([`Body::is_news`]): what the inbox row previews.
    pub fn preview(&self) -> Option<&Message> {
        self.messages.iter().rev().find(|m| m.body.is_news())
    }
}

/// The topic of a thread whose first message was retracted.
pub const REMOVED_TOPIC: &str = "Removed thread (its first message was retracted)";

/// The topic of a thread whose first message cannot be loaded.
pub const UNAVAILABLE_TOPIC: &str = "Earlier thread (its first message is not available)";

/// Lower-cases and strips common accents so `josé` matches `Jose`.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Body, Delivery, Message, Thread, ThreadInfo};
    use crate::domain::WatchKind;

    fn opened_by(sender: &str) -> Thread {
        let root = Message {
            id: "$root".into(),
            sender: sender.into(),
            ts: 0,
            body: Body::Text("The EHR shows Maya R. did not come".into()),
            delivery: Delivery::Sent,
            txn_id: None,
            edited_at: None,
        };
        let info = ThreadInfo {
            topic: "Missed visit Tue 14:00: please reschedule".into(),
            from_ehr: Some(WatchKind::MissedVisit),
            ..ThreadInfo::default()
        };
        Thread::new("!scheduling:x", root, info)
    }

    #[test]
    fn a_thread_counts_as_opened_by_the_ehr_only_from_the_clinics_service_account() {
        let service = Some("@rounds-escalation:x");
        assert_eq!(
            opened_by("@rounds-escalation:x").opened_by_ehr(service),
            Some(WatchKind::MissedVisit)
        );
        // A member who writes the same metadata is only writing text.
        assert_eq!(opened_by("@dana:x").opened_by_ehr(service), None);
        // A clinic without a service account has no EHR watch.
        assert_eq!(opened_by("@rounds-escalation:x").opened_by_ehr(None), None);
    }
}
