//! What staff do, as events to send: the domain commands of the outbox.

use crate::api::events::MESSAGE;
use crate::api::rounds::{
    ack_content, file_reply_content, replacement_content, thread_reply_content, with_mentions, AppointmentChange,
    ChartFiled, PatientLink, PatientRef, Priority as WirePriority, ThreadMeta, ThreadStatus, ThreadUpdate, APPOINTMENT,
    CHART, PATIENT_LINK, THREAD_ACK, THREAD_UPDATE,
};
use crate::domain::{Patient, Priority, Status, ThreadInfo};

/// Something to post, in the domain's words.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A text reply in a thread.
    Reply {
        /// The reply's text.
        text: String,
        /// Whom it mentions (user ids).
        mentions: Vec<String>,
    },
    /// A new thread (the command's room; its root is the event itself).
    NewThread {
        /// Topic, patient, priority and the roles it is addressed to.
        info: ThreadInfo,
        /// The first message.
        text: String,
        /// Whom it mentions: the addressed roles' members and anyone written as `@Name`.
        mentions: Vec<String>,
    },
    /// An edit of the person's own message `target`: its whole new text. A thread's first
    /// message keeps its topic and patient (`thread`), so other clients still show the title.
    Edit {
        /// The message edited.
        target: String,
        /// Its new text.
        text: String,
        /// The thread's topic and patient, when `target` is the thread's first message.
        thread: Option<ThreadInfo>,
    },
    /// A photo or file in a thread; its bytes wait on the device until they are uploaded.
    Attach {
        /// The file's name.
        name: String,
        /// Its content type, as its bytes are (see [`crate::domain::attachment`]).
        content_type: String,
        /// Its size in bytes.
        size: u64,
    },
    /// The thread was filed to the patient's chart (`record`), or its filing `updated`.
    Charted(ChartFiled),
    /// `Mark resolved` / `Reopen`.
    SetStatus(Status),
    /// `Acknowledge`: the person takes on an urgent thread.
    Acknowledge,
    /// The thread is linked to a patient's record after it was started.
    LinkPatient {
        /// The patient.
        patient: Patient,
        /// In a direct conversation, the thread's category (which the homeserver checks).
        category: Option<String>,
    },
    /// An appointment change the EHR accepted, with its plain-text summary.
    Appointment {
        /// What changed.
        change: AppointmentChange,
        /// What other clients show.
        summary: String,
    },
}

/// The event type and content of `command` in the thread of `root` (whose newest event is
/// `latest`, for the reply fallback older clients show).
pub fn event_for(command: &Command, root: &str, latest: &str) -> (&'static str, serde_json::Value) {
    match command {
        Command::Reply { text, mentions } => (
            MESSAGE,
            with_mentions(thread_reply_content(root, latest, text), mentions),
        ),
        Command::NewThread { info, text, mentions } => {
            (MESSAGE, with_mentions(meta(info).root_content(text), mentions))
        }
        Command::Attach {
            name,
            content_type,
            size,
        } => (MESSAGE, file_reply_content(root, latest, name, content_type, *size)),
        Command::Edit { target, text, thread } => {
            let new_content = match thread {
                Some(info) => meta(info).root_content(text),
                None => serde_json::json!({ "msgtype": "m.text", "body": text }),
            };
            (MESSAGE, replacement_content(target, new_content))
        }
        Command::SetStatus(status) => {
            let update = ThreadUpdate {
                status: Some(match status {
                    Status::Open => ThreadStatus::Open,
                    Status::Resolved => ThreadStatus::Resolved,
                }),
                priority: None,
            };
            (THREAD_UPDATE, update.content(root, latest))
        }
        Command::Appointment { change, summary } => (APPOINTMENT, change.content(root, latest, summary)),
        Command::Acknowledge => (THREAD_ACK, ack_content(root, latest)),
        Command::Charted(filed) => (CHART, filed.content(root, latest)),
        Command::LinkPatient { patient, category } => {
            let link = PatientLink {
                patient: patient_ref(patient),
                category: category.clone(),
            };
            (PATIENT_LINK, link.content(root, latest))
        }
    }
}

/// The wire form of a thread's topic, patient and priority.
fn meta(info: &ThreadInfo) -> ThreadMeta {
    ThreadMeta {
        topic: info.topic.clone(),
        patient: info.patient.as_ref().map(patient_ref),
        priority: match info.priority {
            Priority::Routine => WirePriority::Routine,
            Priority::Urgent => WirePriority::Urgent,
        },
        to_roles: info.to_roles.clone(),
        category: info.category.clone(),
    }
}

fn patient_ref(patient: &Patient) -> PatientRef {
    PatientRef {
        display: patient.display.clone(),
        id: patient.id.clone(),
    }
}

/// The homeserver refuses events over 64 KiB; leave room for the envelope.
pub const MAX_EVENT_BYTES: usize = 60 * 1024;

/// Why a command cannot be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing to send.
    Empty,
    /// The event would be larger than the homeserver accepts (its size in bytes).
    TooLong(usize),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Empty => write!(f, "Write a message first."),
            Refusal::TooLong(size) => write!(
                f,
                "This message is too long to send ({} KB; the limit is {} KB). Shorten it or split it.",
                size / 1024,
                MAX_EVENT_BYTES / 1024
            ),
        }
    }
}

/// Checks a command's content before it is queued.
pub fn check(command: &Command, content: &serde_json::Value) -> Result<(), Refusal> {
    let empty = match command {
        Command::Reply { text, .. } | Command::Edit { text, .. } => text.trim().is_empty(),
        Command::NewThread { info, text, .. } => text.trim().is_empty() || info.topic.trim().is_empty(),
        Command::Attach { name, size, .. } => name.trim().is_empty() || *size == 0,
        _ => false,
    };
    if empty {
        return Err(Refusal::Empty);
    }
    let size = serde_json::to_vec(content).map_or(usize::MAX, |v| v.len());
    if size > MAX_EVENT_BYTES {
        return Err(Refusal::TooLong(size));
    }
    Ok(())
}
