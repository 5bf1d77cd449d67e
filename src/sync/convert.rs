//! Matrix events → domain facts. The only place that reads event JSON for the inbox.

use crate::api::events::{BasicEvent, ClientEvent, ReceiptContent, TypingContent, MESSAGE, RECEIPT, REDACTION, TYPING};
use crate::api::rounds::{
    file_message, staff_user, AppointmentChange, ChartFiled, Conversation, EscalationMeta, EscalationStage,
    PatientLink, Priority as WirePriority, StaffEntry, ThreadMeta, ThreadStatus, ThreadUpdate, WatchMeta, APPOINTMENT,
    CHART, CONVERSATION, ESCALATION_KEY, PATIENT_LINK, STAFF_STATE, THREAD_ACK, THREAD_KEY, THREAD_UPDATE, WATCH_KEY,
};
use crate::api::{InvitedRoom, MediaId, MemberContent};
use crate::domain::escalation::Stage;
use crate::domain::thread::REMOVED_TOPIC;
use crate::domain::{
    Attachment, Body, Delivery, EhrClaim, Incoming, Message, Patient, Person, Priority, Status, ThreadInfo, Version,
    Versions, WatchKind,
};

/// Longest topic taken from the first line of a plain message from another client.
const PLAIN_TOPIC_CHARS: usize = 120;

/// Translates one timeline event of a category room; `None` for events Rounds does not show
/// (unknown types, redacted or malformed messages).
pub fn timeline_event(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    match event.kind.as_str() {
        MESSAGE => match event.replaces() {
            Some(target) => edit(room_id, event, target),
            None => message(room_id, event),
        },
        REDACTION => removal(room_id, event),
        THREAD_UPDATE => update(room_id, event),
        APPOINTMENT => appointment(room_id, event),
        THREAD_ACK => acknowledgement(room_id, event),
        CHART => charted(room_id, event),
        PATIENT_LINK => patient_linked(room_id, event),
        "m.room.member" => member_name(event),
        _ => None,
    }
}

/// The members named by a direct conversation's `app.rounds.conversation` state event.
pub fn conversation(event: &ClientEvent) -> Option<Vec<String>> {
    if event.kind != CONVERSATION || event.state_key.as_deref() != Some("") {
        return None;
    }
    Some(event.content_as::<Conversation>()?.members)
}

/// Whether `event` is the creation of a direct conversation (its `m.room.create` says so: only
/// a room made as one is taken for one).
pub fn is_conversation_creation(event: &ClientEvent) -> bool {
    event.kind == "m.room.create" && event.content.get("type").and_then(|t| t.as_str()) == Some(CONVERSATION)
}

/// Who invited the person to a direct conversation (`None`: the invite is to something else).
pub fn conversation_invite(room: &InvitedRoom) -> Option<String> {
    let events = &room.invite_state.events;
    events
        .iter()
        .find(|e| e.kind == "m.room.create" && e.content.get("type").and_then(|t| t.as_str()) == Some(CONVERSATION))?;
    Some(
        events
            .iter()
            .find(|e| {
                e.kind == "m.room.member" && e.content.get("membership").and_then(|m| m.as_str()) == Some("invite")
            })?
            .sender
            .clone(),
    )
}

/// An `app.rounds.staff` state event of the clinic space: a person and their roles. Only the
/// clinic's admins can send state there (the homeserver enforces it).
pub fn staff_entry(event: &ClientEvent) -> Option<(String, Person)> {
    if event.kind != STAFF_STATE {
        return None;
    }
    let user = staff_user(event.state_key.as_deref()?)?;
    let entry: StaffEntry = event.content_as().unwrap_or_default();
    Some((
        user,
        Person {
            name: entry.name,
            roles: entry.roles,
        },
    ))
}

fn base_message(event: &ClientEvent, body: Body) -> Message {
    Message {
        id: event.event_id.clone(),
        sender: event.sender.clone(),
        ts: event.origin_server_ts,
        body,
        delivery: Delivery::Sent,
        txn_id: event.transaction_id().map(str::to_owned),
        edited_at: None,
    }
}

fn message(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    let body = event.content.get("body")?.as_str()?;
    // The newest edit by the sender, which the server bundles with the message.
    let edit = event.bundled_edit().filter(|e| e.sender == event.sender);
    let edited = edit.as_ref().and_then(|e| {
        let new = e.content.get("m.new_content")?;
        Some((
            without_title(new, new.get("body")?.as_str()?).to_owned(),
            e.origin_server_ts,
        ))
    });
    let edited_at = edited.as_ref().map(|(_, ts)| *ts);
    if let Some(root) = event.thread_root() {
        let mut message = base_message(event, reply_body(event, body));
        if let (Some((text, at)), Body::Text(_)) = (&edited, &message.body) {
            message.body = Body::Text(text.clone());
            message.edited_at = Some(*at);
        }
        return Some(Incoming::InThread {
            room_id: room_id.to_owned(),
            root_id: root.to_owned(),
            message,
        });
    }
    // Other relations (but plain replies) are not new threads.
    if event
        .content
        .get("m.relates_to")
        .is_some_and(|r| r.get("rel_type").is_some())
    {
        return None;
    }
    let text = match &edited {
        Some((text, _)) => text.clone(),
        None => without_title(&event.content, body).to_owned(),
    };
    let mut info = thread_meta(&event.content).map_or_else(|| plain_info(body), info_from);
    info.from_ehr = event
        .content
        .get(WATCH_KEY)
        .and_then(|w| serde_json::from_value::<WatchMeta>(w.clone()).ok())
        .and_then(|w| WatchKind::from_id(&w.kind));
    let body = attachment(&event.content).unwrap_or(Body::Text(text));
    let mut message = base_message(event, body);
    message.edited_at = edited_at;
    Some(Incoming::Root {
        room_id: room_id.to_owned(),
        message,
        info,
    })
}

fn thread_meta(content: &serde_json::Value) -> Option<ThreadMeta> {
    serde_json::from_value(content.get(THREAD_KEY)?.clone()).ok()
}

/// A thread root's body is "Title\n\nfirst message" for other clients; staff see the message.
fn without_title<'a>(content: &serde_json::Value, body: &'a str) -> &'a str {
    let Some(meta) = thread_meta(content) else { return body };
    body.strip_prefix(meta.title().as_str())
        .and_then(|rest| rest.strip_prefix("\n\n"))
        .unwrap_or(body)
}

/// An edit (`m.replace`): the new text of its target. Whether it counts (same sender, a text
/// message) is for the inbox, which knows the target.
fn edit(room_id: &str, event: &ClientEvent, target: &str) -> Option<Incoming> {
    let new = event.content.get("m.new_content")?;
    let body = new.get("body")?.as_str()?;
    Some(Incoming::Edit {
        room_id: room_id.to_owned(),
        target: target.to_owned(),
        sender: event.sender.clone(),
        ts: event.origin_server_ts,
        text: without_title(new, body).to_owned(),
    })
}

/// The versions of `original` (a message as first sent, with its content) given its edits in
/// any order: the edits by its sender, oldest first, after the original.
pub fn versions(original: &ClientEvent, edits: &[ClientEvent]) -> Versions {
    let first = original
        .content
        .get("body")
        .and_then(|b| b.as_str())
        .map(|body| Version {
            text: without_title(&original.content, body).to_owned(),
            ts: original.origin_server_ts,
        });
    let mut later: Vec<Version> = edits
        .iter()
        .filter(|e| e.sender == original.sender && e.replaces() == Some(original.event_id.as_str()))
        .filter_map(|e| match edit("", e, &original.event_id)? {
            Incoming::Edit { text, ts, .. } => Some(Version { text, ts }),
            _ => None,
        })
        .collect();
    later.sort_by_key(|v| v.ts);
    first.into_iter().chain(later).collect()
}

/// A thread root whose content was retracted before this device saw it: it reads as removed,
/// by whom and why (from the redaction the server attaches), without topic or patient.
pub fn retracted_root(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    let because = event.redacted_because().filter(|_| event.kind == MESSAGE)?;
    let body = Body::Removed {
        by: because.sender.clone(),
        reason: retraction_reason(&because),
        at: Some(because.origin_server_ts),
    };
    Some(Incoming::Root {
        room_id: room_id.to_owned(),
        message: base_message(event, body),
        info: ThreadInfo {
            topic: REMOVED_TOPIC.to_owned(),
            ..ThreadInfo::default()
        },
    })
}

/// A retraction (`m.room.redaction`), which the homeserver accepted only from someone allowed.
fn removal(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    Some(Incoming::Removed {
        room_id: room_id.to_owned(),
        target: event.redacted_event()?.to_owned(),
        by: event.sender.clone(),
        reason: retraction_reason(event),
        at: event.origin_server_ts,
    })
}

/// The reason a redaction gives (empty when it gives none).
fn retraction_reason(redaction: &ClientEvent) -> String {
    let reason = redaction.content.get("reason").and_then(|r| r.as_str());
    reason.unwrap_or_default().to_owned()
}

/// A reply's body: text, or an escalation notice (whether it counts depends on its sender,
/// which the domain checks against the clinic policy).
fn reply_body(event: &ClientEvent, body: &str) -> Body {
    if let Some(file) = attachment(&event.content) {
        return file;
    }
    let meta = event
        .content
        .get(ESCALATION_KEY)
        .and_then(|m| serde_json::from_value::<EscalationMeta>(m.clone()).ok());
    match meta {
        Some(meta) => Body::Escalation {
            stage: match meta.stage {
                EscalationStage::Reminder => Stage::Reminder,
                EscalationStage::Backup => Stage::Backup,
            },
            roles: meta.roles,
            text: body.to_owned(),
        },
        None => Body::Text(body.to_owned()),
    }
}

/// A picture or file message (from Rounds or any client); its `url` is empty while this
/// device has not uploaded it yet, and one that is not an `mxc://` URI is never fetched.
fn attachment(content: &serde_json::Value) -> Option<Body> {
    let file = file_message(content)?;
    Some(Body::Attachment(Attachment {
        content_type: file.info.mimetype.unwrap_or_else(|| "application/octet-stream".into()),
        size: file.info.size.unwrap_or(0),
        url: file.url.filter(|u| MediaId::parse(u).is_some()).unwrap_or_default(),
        name: file.body,
    }))
}

fn info_from(meta: ThreadMeta) -> ThreadInfo {
    ThreadInfo {
        topic: meta.topic,
        patient: meta.patient.filter(|p| !p.display.trim().is_empty()).map(|p| Patient {
            display: p.display,
            id: p.id,
        }),
        priority: priority(meta.priority),
        to_roles: meta.to_roles,
        category: meta.category,
        from_ehr: None,
    }
}

/// A thread started by another client: its first line is the topic.
fn plain_info(body: &str) -> ThreadInfo {
    let first = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no text)")
        .trim();
    let topic: String = first.chars().take(PLAIN_TOPIC_CHARS).collect();
    let topic = if topic.len() < first.len() {
        format!("{topic}…")
    } else {
        topic
    };
    ThreadInfo {
        topic,
        patient: None,
        priority: Priority::Routine,
        to_roles: Vec::new(),
        category: None,
        from_ehr: None,
    }
}

fn priority(p: WirePriority) -> Priority {
    match p {
        WirePriority::Routine => Priority::Routine,
        WirePriority::Urgent => Priority::Urgent,
    }
}

fn update(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    let root = event.thread_root()?;
    let update: ThreadUpdate = event.content_as()?;
    let body = Body::Update {
        status: update.status.map(|s| match s {
            ThreadStatus::Open => Status::Open,
            ThreadStatus::Resolved => Status::Resolved,
        }),
        priority: update.priority.map(priority),
    };
    Some(Incoming::InThread {
        room_id: room_id.to_owned(),
        root_id: root.to_owned(),
        message: base_message(event, body),
    })
}

fn acknowledgement(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    Some(Incoming::InThread {
        room_id: room_id.to_owned(),
        root_id: event.thread_root()?.to_owned(),
        message: base_message(event, Body::Acknowledged),
    })
}

fn patient_linked(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    let link: PatientLink = event.content_as()?;
    // Only a link to a record: a bare name would say nothing the thread's title does not.
    let id = link.patient.id.filter(|id| id.starts_with("Patient/"))?;
    let display = link.patient.display.trim().to_owned();
    (!display.is_empty()).then_some(())?;
    Some(Incoming::InThread {
        room_id: room_id.to_owned(),
        root_id: event.thread_root()?.to_owned(),
        message: base_message(event, Body::PatientLinked(Patient { display, id: Some(id) })),
    })
}

fn charted(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    let filed: ChartFiled = event.content_as()?;
    Some(Incoming::InThread {
        room_id: room_id.to_owned(),
        root_id: event.thread_root()?.to_owned(),
        message: base_message(
            event,
            Body::Charted {
                updated: filed.updated,
                claim: EhrClaim::Filed { record: filed.record },
            },
        ),
    })
}

fn appointment(room_id: &str, event: &ClientEvent) -> Option<Incoming> {
    let root = event.thread_root()?;
    // Only well-formed announcements show; the summary is the sender's plain-text body.
    let change = event.content_as::<AppointmentChange>()?;
    let summary = event.content.get("body")?.as_str()?.to_owned();
    let claim = EhrClaim::Appointment {
        appointment: change.appointment,
        start: change.new_start,
        cancelled: change.status == "cancelled",
    };
    Some(Incoming::InThread {
        room_id: room_id.to_owned(),
        root_id: root.to_owned(),
        message: base_message(event, Body::Appointment { summary, claim }),
    })
}

/// A display name from a member state event.
pub fn member_name(event: &ClientEvent) -> Option<Incoming> {
    let member: MemberContent = event.content_as()?;
    Some(Incoming::Name {
        user_id: event.state_key.clone()?,
        name: member.displayname.filter(|n| !n.trim().is_empty())?,
    })
}

/// Receipts and typing from a room's ephemeral events.
pub fn ephemeral(room_id: &str, event: &BasicEvent) -> Vec<Incoming> {
    match event.kind.as_str() {
        RECEIPT => {
            let Some(content) = event.content_as::<ReceiptContent>() else {
                return Vec::new();
            };
            content
                .into_iter()
                .flat_map(|(event_id, kinds)| {
                    kinds
                        .into_iter()
                        .filter(|(kind, _)| kind == "m.read" || kind == "m.read.private")
                        .flat_map(move |(_, users)| {
                            let event_id = event_id.clone();
                            users.into_iter().map(move |(user_id, receipt)| Incoming::Receipt {
                                room_id: room_id.to_owned(),
                                user_id,
                                event_id: event_id.clone(),
                                ts: receipt.ts,
                            })
                        })
                })
                .collect()
        }
        TYPING => event
            .content_as::<TypingContent>()
            .map(|t| {
                vec![Incoming::Typing {
                    room_id: room_id.to_owned(),
                    user_ids: t.user_ids,
                }]
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(value: serde_json::Value) -> ClientEvent {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn rounds_root_shows_its_first_message() {
        let e = event(
            json!({"event_id": "$r", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 5,
            "content": {"msgtype": "m.text", "body": "Sara M. – Renewal\n\nExpires Friday.",
                        "app.rounds.thread": {"topic": "Renewal", "patient": {"display": "Sara M."}, "priority": "urgent"}}}),
        );
        let Some(Incoming::Root { message, info, .. }) = timeline_event("!r", &e) else {
            panic!()
        };
        assert_eq!(message.body, Body::Text("Expires Friday.".into()));
        assert_eq!(info.title(), "Sara M. – Renewal");
        assert_eq!(info.priority, Priority::Urgent);
    }

    #[test]
    fn a_patient_link_names_a_record_or_is_not_shown() {
        let link = |patient: serde_json::Value| {
            event(
                json!({"event_id": "$l", "type": "app.rounds.patient_link", "sender": "@dana:x", "origin_server_ts": 5,
                "content": {"body": "Linked", "patient": patient, "m.relates_to": {"rel_type": "m.thread", "event_id": "$t"}}}),
            )
        };
        let Some(Incoming::InThread { root_id, message, .. }) =
            timeline_event("!r", &link(json!({"display": " Sara M. ", "id": "Patient/sara-me"})))
        else {
            panic!()
        };
        assert_eq!(root_id, "$t");
        assert_eq!(
            message.body,
            Body::PatientLinked(Patient {
                display: "Sara M.".into(),
                id: Some("Patient/sara-me".into())
            })
        );
        for bad in [
            json!({"display": "Sara M."}),
            json!({"display": "Sara M.", "id": "Practitioner/priya"}),
            json!({"display": "  ", "id": "Patient/sara-me"}),
        ] {
            assert_eq!(timeline_event("!r", &link(bad)), None);
        }
    }

    #[test]
    fn plain_messages_from_other_clients_become_threads_and_replies() {
        let e = event(json!({"event_id": "$p", "type": "m.room.message", "sender": "@el:x",
            "content": {"msgtype": "m.text", "body": "<b>Hello</b> from Element\nsecond line"}}));
        let Some(Incoming::Root { info, message, .. }) = timeline_event("!r", &e) else {
            panic!()
        };
        assert_eq!(info.topic, "<b>Hello</b> from Element");
        assert_eq!(
            message.body,
            Body::Text("<b>Hello</b> from Element\nsecond line".into())
        );
        let e = event(json!({"event_id": "$q", "type": "m.room.message", "sender": "@el:x",
            "content": {"msgtype": "m.text", "body": "reply", "m.relates_to": {"rel_type": "m.thread", "event_id": "$p"}}}));
        assert!(matches!(timeline_event("!r", &e), Some(Incoming::InThread { root_id, .. }) if root_id == "$p"));
    }

    #[test]
    fn unknown_edits_and_malformed_events_are_skipped() {
        for content in [
            json!({"msgtype": "m.text"}),
            json!({"msgtype": "m.text", "body": 5}),
            json!({"msgtype": "m.text", "body": "* fix", "m.relates_to": {"rel_type": "m.replace", "event_id": "$p"}}),
        ] {
            let e = event(json!({"event_id": "$e", "type": "m.room.message", "sender": "@a:x", "content": content}));
            assert_eq!(timeline_event("!r", &e), None);
        }
        let e = event(json!({"event_id": "$e", "type": "com.example.poll", "sender": "@a:x", "content": {}}));
        assert_eq!(timeline_event("!r", &e), None);
        // A Rounds root with broken metadata still shows, as a plain thread.
        let e = event(json!({"event_id": "$e", "type": "m.room.message", "sender": "@a:x",
            "content": {"msgtype": "m.text", "body": "Topic", "app.rounds.thread": {"topic": 7}}}));
        assert!(matches!(timeline_event("!r", &e), Some(Incoming::Root { .. })));
    }

    #[test]
    fn status_updates_and_receipts() {
        let e = event(
            json!({"event_id": "$u", "type": "app.rounds.thread.update", "sender": "@a:x",
            "content": {"status": "resolved", "m.relates_to": {"rel_type": "m.thread", "event_id": "$p"}}}),
        );
        let Some(Incoming::InThread { message, .. }) = timeline_event("!r", &e) else {
            panic!()
        };
        assert_eq!(
            message.body,
            Body::Update {
                status: Some(Status::Resolved),
                priority: None
            }
        );
        let receipts = BasicEvent {
            kind: "m.receipt".into(),
            content: json!({"$e": {"m.read": {"@b:x": {"ts": 1, "thread_id": "$p"}}, "m.fully_read": {"@c:x": {}}}}),
        };
        assert_eq!(
            ephemeral("!r", &receipts),
            [Incoming::Receipt {
                room_id: "!r".into(),
                user_id: "@b:x".into(),
                event_id: "$e".into(),
                ts: Some(1),
            }]
        );
    }

    #[test]
    fn an_acknowledgement_is_a_message_of_its_thread_and_needs_one() {
        let content = crate::api::rounds::ack_content("$root", "$latest");
        let e = event(
            json!({"event_id": "$k", "type": "app.rounds.thread.ack", "sender": "@p:x",
            "origin_server_ts": 9, "content": content}),
        );
        let Some(Incoming::InThread { root_id, message, .. }) = timeline_event("!r", &e) else {
            panic!()
        };
        assert_eq!((root_id.as_str(), message.body), ("$root", Body::Acknowledged));
        let outside = event(
            json!({"event_id": "$k", "type": "app.rounds.thread.ack", "sender": "@p:x",
            "origin_server_ts": 9, "content": {"body": "Acknowledged"}}),
        );
        assert_eq!(
            timeline_event("!r", &outside),
            None,
            "outside a thread it means nothing"
        );
    }

    #[test]
    fn an_escalation_notice_reads_as_one_and_a_malformed_one_as_text() {
        use crate::api::rounds::{EscalationMeta, EscalationStage};
        let meta = EscalationMeta {
            stage: EscalationStage::Backup,
            roles: vec!["admin".into()],
        };
        let content = meta.notice_content("$root", "$latest", "Calling in Admin", &["@m:x".into()]);
        assert_eq!(content["m.mentions"]["user_ids"], json!(["@m:x"]));
        let e = event(json!({"event_id": "$n", "type": "m.room.message", "sender": "@svc:x",
            "origin_server_ts": 9, "content": content}));
        let Some(Incoming::InThread { message, .. }) = timeline_event("!r", &e) else {
            panic!()
        };
        let expected = Body::Escalation {
            stage: Stage::Backup,
            roles: vec!["admin".into()],
            text: "Calling in Admin".into(),
        };
        assert_eq!(message.body, expected);
        let odd = event(json!({"event_id": "$n", "type": "m.room.message", "sender": "@svc:x",
            "origin_server_ts": 9, "content": {"msgtype": "m.notice", "body": "Escalated?",
            "app.rounds.escalation": {"stage": "panic"},
            "m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}}));
        let Some(Incoming::InThread { message, .. }) = timeline_event("!r", &odd) else {
            panic!()
        };
        assert_eq!(message.body, Body::Text("Escalated?".into()));
    }

    fn reply_event(id: &str, sender: &str, ts: u64, body: &str, unsigned: serde_json::Value) -> ClientEvent {
        event(
            json!({"event_id": id, "type": "m.room.message", "sender": sender, "origin_server_ts": ts,
            "content": {"msgtype": "m.text", "body": body, "m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}},
            "unsigned": unsigned}),
        )
    }

    fn edit_event(id: &str, sender: &str, ts: u64, target: &str, new_content: serde_json::Value) -> ClientEvent {
        event(
            json!({"event_id": id, "type": "m.room.message", "sender": sender, "origin_server_ts": ts,
            "content": crate::api::rounds::replacement_content(target, new_content)}),
        )
    }

    #[test]
    fn an_edit_gives_the_new_text_without_the_thread_title() {
        let meta = json!({"topic": "Renewal", "patient": {"display": "Sara M."}});
        let new =
            json!({"msgtype": "m.text", "body": "Sara M. – Renewal\n\nExpires Monday.", "app.rounds.thread": meta});
        let e = edit_event("$e", "@a:x", 9, "$root", new);
        assert_eq!(e.content["body"], "* Sara M. – Renewal\n\nExpires Monday.");
        let expected = Incoming::Edit {
            room_id: "!r".into(),
            target: "$root".into(),
            sender: "@a:x".into(),
            ts: 9,
            text: "Expires Monday.".into(),
        };
        assert_eq!(timeline_event("!r", &e), Some(expected));
    }

    #[test]
    fn a_bundled_edit_by_the_sender_is_what_shows() {
        let edit = edit_event(
            "$e",
            "@a:x",
            20,
            "$m",
            json!({"msgtype": "m.text", "body": "Call at 3"}),
        );
        let bundled = json!({"m.relations": {"m.replace": edit}});
        let Some(Incoming::InThread { message, .. }) =
            timeline_event("!r", &reply_event("$m", "@a:x", 10, "Call at 2", bundled.clone()))
        else {
            panic!()
        };
        assert_eq!(
            (message.body, message.edited_at),
            (Body::Text("Call at 3".into()), Some(20))
        );
        // Someone else's "edit" changes nothing.
        let Some(Incoming::InThread { message, .. }) =
            timeline_event("!r", &reply_event("$m", "@b:x", 10, "Call at 2", bundled))
        else {
            panic!()
        };
        assert_eq!(
            (message.body, message.edited_at),
            (Body::Text("Call at 2".into()), None)
        );
    }

    #[test]
    fn a_redaction_removes_its_target_with_the_reason() {
        let e = event(
            json!({"event_id": "$x", "type": "m.room.redaction", "sender": "@m:x", "redacts": "$m",
            "origin_server_ts": 90, "content": {"reason": "Wrong patient"}}),
        );
        let expected = Incoming::Removed {
            room_id: "!r".into(),
            target: "$m".into(),
            by: "@m:x".into(),
            reason: "Wrong patient".into(),
            at: 90,
        };
        assert_eq!(timeline_event("!r", &e), Some(expected));
        // Room version 11 puts the target in the content.
        let e = event(
            json!({"event_id": "$x", "type": "m.room.redaction", "sender": "@m:x", "content": {"redacts": "$m"}}),
        );
        assert!(
            matches!(timeline_event("!r", &e), Some(Incoming::Removed { target, reason, .. }) if target == "$m" && reason.is_empty())
        );
    }

    #[test]
    fn a_root_retracted_before_it_was_seen_reads_as_removed_without_its_title() {
        let e = event(
            json!({"event_id": "$r", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 5,
            "content": {}, "unsigned": {"redacted_because": {"event_id": "$x", "type": "m.room.redaction",
            "sender": "@m:x", "redacts": "$r", "origin_server_ts": 70, "content": {"reason": "Wrong patient"}}}}),
        );
        assert_eq!(timeline_event("!r", &e), None);
        let Some(Incoming::Root { message, info, .. }) = retracted_root("!r", &e) else {
            panic!()
        };
        let removed = Body::Removed {
            by: "@m:x".into(),
            reason: "Wrong patient".into(),
            at: Some(70),
        };
        assert_eq!(
            (message.body, info.topic.as_str(), info.patient),
            (removed, REMOVED_TOPIC, None)
        );
    }

    #[test]
    fn versions_are_the_original_then_the_senders_edits_in_time_order() {
        let original = reply_event("$m", "@a:x", 10, "Call at 2", json!({}));
        let edits = [
            edit_event(
                "$e2",
                "@a:x",
                30,
                "$m",
                json!({"msgtype": "m.text", "body": "Call at 4"}),
            ),
            edit_event(
                "$x",
                "@b:x",
                25,
                "$m",
                json!({"msgtype": "m.text", "body": "Not theirs"}),
            ),
            edit_event(
                "$e1",
                "@a:x",
                20,
                "$m",
                json!({"msgtype": "m.text", "body": "Call at 3"}),
            ),
        ];
        let texts: Vec<(String, u64)> = versions(&original, &edits)
            .into_iter()
            .map(|v| (v.text, v.ts))
            .collect();
        assert_eq!(
            texts,
            [
                ("Call at 2".into(), 10),
                ("Call at 3".into(), 20),
                ("Call at 4".into(), 30)
            ]
        );
    }
}
