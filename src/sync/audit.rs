//! A thread's full history from the homeserver, for the audit export: every message as first
//! sent, every edit and retraction, status changes, appointment cards, acknowledgements.

use super::convert;
use crate::api::events::ClientEvent;
use crate::api::rounds::RETRACTED_IN_THREAD;
use crate::api::{Client, Direction, Error, Transport};
use crate::domain::{AuditEntry, Body, Happened, Incoming};
use std::collections::{HashMap, HashSet};

/// Events per page while walking the room back to the thread's start.
const PAGE: u32 = 100;
/// Pages walked at most (50,000 events): a thread older than that is refused, not cut short.
const MAX_PAGES: usize = 500;

/// Every event of the thread `root` of `room`, oldest first. Retracted replies lose their
/// thread relation, so the room is walked back from now to the root: a retraction by Rounds
/// names its thread ([`RETRACTED_IN_THREAD`]).
pub async fn thread_audit<T: Transport>(client: &Client<T>, room: &str, root: &str) -> Result<Vec<AuditEntry>, Error> {
    let mut events = Vec::new();
    let mut from: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .messages(room, from.as_deref(), Direction::Backward, PAGE)
            .await?;
        let reached = page.chunk.iter().any(|e| e.event_id == root);
        let exhausted = page.chunk.is_empty();
        events.extend(page.chunk);
        match page.end {
            Some(end) if !reached && !exhausted => from = Some(end),
            _ => {
                events.reverse();
                return Ok(audit_entries(root, &events));
            }
        }
    }
    Err(Error::BadResponse {
        status: 200,
        detail: format!("the thread starts more than {} events back", PAGE as usize * MAX_PAGES),
    })
}

/// The entries of the thread `root` among `events` (the room's timeline, oldest first).
pub fn audit_entries(root: &str, events: &[ClientEvent]) -> Vec<AuditEntry> {
    let mut in_thread: HashSet<&str> = HashSet::from([root]);
    for event in events {
        if event.thread_root() == Some(root) {
            in_thread.insert(&event.event_id);
        }
        let named = event.content.get(RETRACTED_IN_THREAD).and_then(|r| r.as_str()) == Some(root);
        if let Some(target) = event.redacted_event().filter(|_| named) {
            in_thread.insert(target);
        }
    }
    let senders: HashMap<&str, &str> = events
        .iter()
        .filter(|e| in_thread.contains(e.event_id.as_str()))
        .map(|e| (e.event_id.as_str(), e.sender.as_str()))
        .collect();
    events
        .iter()
        .filter_map(|event| {
            let happened = happened(event, root, &in_thread, &senders)?;
            Some(AuditEntry {
                id: event.event_id.clone(),
                ts: event.origin_server_ts,
                sender: event.sender.clone(),
                happened,
            })
        })
        .collect()
}

fn happened(
    event: &ClientEvent,
    root: &str,
    in_thread: &HashSet<&str>,
    senders: &HashMap<&str, &str>,
) -> Option<Happened> {
    if event.is_redacted() {
        return in_thread.contains(event.event_id.as_str()).then_some(Happened::Removed);
    }
    // As first sent: without the newest edit the server bundles with it.
    let original = ClientEvent {
        unsigned: None,
        ..event.clone()
    };
    match convert::timeline_event("", &original)? {
        Incoming::Root { message, .. } if event.event_id == root => Some(from_body(message.body)),
        Incoming::InThread { root_id, message, .. } if root_id == root => Some(from_body(message.body)),
        Incoming::Edit {
            target, sender, text, ..
        } if in_thread.contains(target.as_str()) && senders.get(target.as_str()) == Some(&sender.as_str()) => {
            Some(Happened::Edited { of: target, text })
        }
        Incoming::Removed { target, reason, .. } if in_thread.contains(target.as_str()) => {
            Some(Happened::Retracted { of: target, reason })
        }
        _ => None,
    }
}

fn from_body(body: Body) -> Happened {
    match body {
        Body::Text(text) => Happened::Message(text),
        Body::Attachment(file) => Happened::Attached(file),
        Body::Appointment { summary, .. } => Happened::Appointment(summary),
        Body::Update { status, priority } => Happened::Update { status, priority },
        Body::Acknowledged => Happened::Acknowledged,
        Body::Charted { updated, .. } => Happened::Charted { updated },
        Body::Escalation { text, .. } => Happened::Escalation(text),
        Body::PatientLinked(patient) => Happened::PatientLinked {
            display: patient.display,
            reference: patient.id.unwrap_or_default(),
        },
        Body::Removed { .. } | Body::Unavailable => Happened::Removed,
    }
}
