//! The Rounds protocol on Matrix: event types and contents (documented in `docs/PROTOCOL.md`).

use serde::{Deserialize, Serialize};

/// State event (key `""`) in the clinic space holding the clinic policy.
pub const CLINIC_STATE: &str = "app.rounds.clinic";
/// State event (key `""`) in every category room: `{"window_minutes": N}`, how long staff may
/// retract their own messages. The homeserver's Rounds module enforces it (`deploy/synapse`).
pub const RETRACTION_STATE: &str = "app.rounds.retraction";
/// Key of the thread metadata inside a thread root's `m.room.message` content.
pub const THREAD_KEY: &str = "app.rounds.thread";
/// Event type of thread status/priority changes, sent inside the thread.
pub const THREAD_UPDATE: &str = "app.rounds.thread.update";
/// A direct conversation: the `type` of its `m.room.create` content, and the state event (key
/// `""`) naming its members for good ([`Conversation`]). The homeserver's Rounds module lets
/// only those people be invited and nobody change the room's state afterwards.
pub const CONVERSATION: &str = "app.rounds.conversation";

/// `app.rounds.conversation` content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// Everyone in the conversation, its creator included.
    #[serde(default)]
    pub members: Vec<String>,
    /// The clinic space whose policy applies (read by a test homeserver hosting many clinics;
    /// a clinic's homeserver knows its clinic and ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinic: Option<String>,
}

/// Room version Rounds creates rooms with (restricted joins need v8+; v10 is the newest
/// version every maintained homeserver implements; see `docs/DECISIONS.md`).
pub const ROOM_VERSION: &str = "10";

/// Urgency of a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Normal work.
    #[default]
    Routine,
    /// Needs attention now.
    Urgent,
}

/// The patient a thread is about: a display name and, with a FHIR server, its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientRef {
    /// Display name, such as `Sara M.`.
    pub display: String,
    /// FHIR reference, such as `Patient/123`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Account data (per person, readable only with their own token) holding the secret that opens
/// their records on any device: `{"key": "<base64url, 32 bytes>"}`. Devices keep only a key
/// derived from it, and only while the person's session lasts (`docs/PROTOCOL.md`).
pub const DEVICE_SECRET: &str = "app.rounds.device_secret";

/// `app.rounds.thread` inside a thread root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMeta {
    /// What the thread is about.
    pub topic: String,
    /// The patient, if any.
    #[serde(default)]
    pub patient: Option<PatientRef>,
    /// Priority at creation.
    #[serde(default)]
    pub priority: Priority,
    /// Role ids the thread is addressed to (their members are in the root's `m.mentions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to_roles: Vec<String>,
    /// In a direct conversation, the clinic category the thread belongs to: what it may say
    /// about a patient is what every member's roles may see there (the homeserver checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl ThreadMeta {
    /// The title staff see and the plain-text fallback: `Patient – Topic`, or the topic.
    pub fn title(&self) -> String {
        match &self.patient {
            Some(p) if !p.display.trim().is_empty() => format!("{} – {}", p.display, self.topic),
            _ => self.topic.clone(),
        }
    }

    /// The full `m.room.message` content of a thread root carrying this metadata.
    pub fn root_content(&self, first_message: &str) -> serde_json::Value {
        serde_json::json!({
            "msgtype": "m.text",
            "body": format!("{}\n\n{}", self.title(), first_message),
            THREAD_KEY: self,
        })
    }
}

/// `content` mentioning `people` (`m.mentions.user_ids`, which every Matrix client's push rules
/// honour). Nobody to mention leaves the content as it is: an empty `m.mentions` would switch
/// off other clients' display-name mentions.
pub fn with_mentions(mut content: serde_json::Value, people: &[String]) -> serde_json::Value {
    if !people.is_empty() {
        content["m.mentions"] = serde_json::json!({ "user_ids": people });
    }
    content
}

/// State event in the clinic space, one per person ([`staff_state_key`]), published by the
/// clinic's admins: the roles they hold and their name, so that anyone can address a role.
pub const STAFF_STATE: &str = "app.rounds.staff";

/// The state key of a person's `app.rounds.staff` event: their user id without its `@` (state
/// keys starting with `@` belong to that user: the homeserver lets only them set one).
pub fn staff_state_key(user_id: &str) -> String {
    user_id.trim_start_matches('@').to_owned()
}

/// The user id an `app.rounds.staff` state key stands for.
pub fn staff_user(state_key: &str) -> Option<String> {
    (!state_key.is_empty() && !state_key.starts_with('@') && state_key.contains(':')).then(|| format!("@{state_key}"))
}

/// `app.rounds.staff` content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StaffEntry {
    /// Role ids held (empty: no longer on the staff).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Key in the content of every event Rounds sends: the client's transaction id. Another device
/// of the same person finds out with it whether an interrupted send reached the server before
/// sending again (transaction ids only deduplicate on the device that sent them).
pub const TXN_KEY: &str = "app.rounds.txn";

/// `content` marked with its transaction id ([`TXN_KEY`]).
pub fn with_txn(mut content: serde_json::Value, txn_id: &str) -> serde_json::Value {
    if let Some(fields) = content.as_object_mut() {
        fields.insert(TXN_KEY.to_owned(), serde_json::Value::String(txn_id.to_owned()));
    }
    content
}

/// The transaction id an event's content carries ([`TXN_KEY`]).
pub fn txn_of(content: &serde_json::Value) -> Option<&str> {
    content.get(TXN_KEY)?.as_str()
}

/// Points content placed in the thread of `from` (a thread root not yet on the server, known
/// by its transaction id) at the root's real event id `to`.
pub fn retarget_thread(content: &mut serde_json::Value, from: &str, to: &str) {
    let Some(relation) = content.get_mut("m.relates_to") else {
        return;
    };
    for pointer in ["/event_id", "/m.in_reply_to/event_id"] {
        if let Some(target) = relation.pointer_mut(pointer).filter(|t| t.as_str() == Some(from)) {
            *target = serde_json::Value::String(to.to_owned());
        }
    }
}

/// The content of a plain-text reply in a thread (`latest` is the thread's latest event, for
/// the reply fallback older clients show).
pub fn thread_reply_content(root: &str, latest: &str, body: &str) -> serde_json::Value {
    in_thread(serde_json::json!({ "msgtype": "m.text" }), root, latest, body)
}

/// `fields` placed in the thread of `root`, with `body` as the plain text other clients show.
fn in_thread(mut fields: serde_json::Value, root: &str, latest: &str, body: &str) -> serde_json::Value {
    fields["m.relates_to"] =
        serde_json::to_value(super::events::ThreadRelation::new(root, latest)).expect("relation serialises");
    fields["body"] = serde_json::Value::String(body.to_owned());
    fields
}

/// `msgtype` of a picture message.
pub const MSG_IMAGE: &str = "m.image";
/// `msgtype` of any other file.
pub const MSG_FILE: &str = "m.file";

/// A file message's fields (`m.image` or `m.file`), as the specification defines them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMessage {
    /// The file's name (other clients show it as the message).
    pub body: String,
    /// Where the homeserver keeps it; absent while Rounds has not uploaded it yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its content type and size.
    #[serde(default)]
    pub info: FileInfo,
}

/// `info` of a file message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mimetype: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// A file message in the thread of `root`, without its `url` until the file is uploaded
/// ([`with_media_url`]).
pub fn file_reply_content(root: &str, latest: &str, name: &str, content_type: &str, size: u64) -> serde_json::Value {
    let msgtype = if content_type.starts_with("image/") {
        MSG_IMAGE
    } else {
        MSG_FILE
    };
    let fields = serde_json::json!({
        "msgtype": msgtype,
        "filename": name,
        "info": { "mimetype": content_type, "size": size },
    });
    in_thread(fields, root, latest, name)
}

/// The file message of `content`, if it is one.
pub fn file_message(content: &serde_json::Value) -> Option<FileMessage> {
    let msgtype = content.get("msgtype")?.as_str()?;
    if msgtype != MSG_IMAGE && msgtype != MSG_FILE {
        return None;
    }
    serde_json::from_value(content.clone()).ok()
}

/// The file a queued message still has to upload: its name and content type.
pub fn pending_upload(content: &serde_json::Value) -> Option<(String, String)> {
    let file = file_message(content).filter(|f| f.url.is_none())?;
    Some((file.body, file.info.mimetype.unwrap_or_default()))
}

/// Sets the uploaded file's `mxc://` URI on a file message.
pub fn with_media_url(content: &mut serde_json::Value, uri: &str) {
    content["url"] = serde_json::Value::String(uri.to_owned());
}

/// An edit of the message `target` (`m.replace`): `new_content` is its whole new content, and
/// other clients that do not know edits show `* new text`.
pub fn replacement_content(target: &str, new_content: serde_json::Value) -> serde_json::Value {
    let text = new_content.get("body").and_then(|b| b.as_str()).unwrap_or_default();
    serde_json::json!({
        "msgtype": "m.text",
        "body": format!("* {text}"),
        "m.new_content": new_content,
        "m.relates_to": { "rel_type": super::events::REL_REPLACE, "event_id": target },
    })
}

/// Key in a retraction's content naming the thread the removed message was in: the removal
/// strips the message's own relation, and an audit of the thread still finds it.
pub const RETRACTED_IN_THREAD: &str = "app.rounds.thread_root";

/// The content of a retraction (redaction) of a message of the thread `root`.
pub fn retraction_content(reason: &str, root: &str) -> serde_json::Value {
    serde_json::json!({ "reason": reason, RETRACTED_IN_THREAD: root })
}

/// Event type of a thread filed to the patient's chart ("Saved to chart"), inside that thread.
pub const CHART: &str = "app.rounds.chart";

/// `app.rounds.chart` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartFiled {
    /// The record in the EHR, such as `Communication/123`.
    pub record: String,
    /// Whether an earlier filing of the thread was updated.
    #[serde(default)]
    pub updated: bool,
}

impl ChartFiled {
    /// The event content in the thread of `root`.
    pub fn content(&self, root: &str, latest: &str) -> serde_json::Value {
        let body = if self.updated {
            "Chart record updated"
        } else {
            "Saved to chart"
        };
        in_thread(
            serde_json::to_value(self).expect("filing serialises"),
            root,
            latest,
            body,
        )
    }
}

/// Event type of a patient link made after a thread was started, inside the thread:
/// `{"patient": {"display": "Sara M.", "id": "Patient/123"}}`. The newest link is the thread's
/// patient.
pub const PATIENT_LINK: &str = "app.rounds.patient_link";

/// `app.rounds.patient_link` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientLink {
    /// The patient, as the EHR named them to the person who linked.
    pub patient: PatientRef,
    /// In a direct conversation, the thread's category ([`ThreadMeta::category`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl PatientLink {
    /// The event content in the thread of `root`.
    pub fn content(&self, root: &str, latest: &str) -> serde_json::Value {
        let body = format!("Linked to patient {}", self.patient.display);
        in_thread(
            serde_json::to_value(self).expect("link serialises"),
            root,
            latest,
            &body,
        )
    }
}

/// Event type of an acknowledgement: someone took on an urgent thread ("I've got it"), inside
/// that thread.
pub const THREAD_ACK: &str = "app.rounds.thread.ack";

/// `app.rounds.thread.ack` content, placed in the thread of `root`.
pub fn ack_content(root: &str, latest: &str) -> serde_json::Value {
    in_thread(serde_json::json!({}), root, latest, "Acknowledged")
}

/// Key of the escalation metadata inside an escalation notice (an `m.notice` in the thread).
pub const ESCALATION_KEY: &str = "app.rounds.escalation";

/// A step of an escalation on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EscalationStage {
    /// The roles the thread is addressed to are reminded.
    Reminder,
    /// The backup role is called in.
    Backup,
}

/// `app.rounds.escalation` inside an escalation notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationMeta {
    /// Which step.
    pub stage: EscalationStage,
    /// Role ids the notice calls in.
    pub roles: Vec<String>,
}

impl EscalationMeta {
    /// The notice's full content: an `m.notice` in the thread of `root` that mentions `people`
    /// (so every Matrix client's push rules notify them) and reads `body` in any client.
    pub fn notice_content(&self, root: &str, latest: &str, body: &str, people: &[String]) -> serde_json::Value {
        let fields = serde_json::json!({
            "msgtype": "m.notice",
            "m.mentions": { "user_ids": people },
            ESCALATION_KEY: self,
        });
        in_thread(fields, root, latest, body)
    }
}

/// Key, inside a thread root the clinic's EHR watch opened, of the EHR fact it is about.
/// Clients believe it only from the clinic's service account (the policy names it).
pub const WATCH_KEY: &str = "app.rounds.watch";

/// `app.rounds.watch` inside a thread root: which fact of the EHR opened the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchMeta {
    /// The kind of fact (`missed-visit`).
    pub kind: String,
    /// The resource that shows it (`Appointment/maya-r-1`).
    pub resource: String,
    /// The resource's version that showed it.
    pub version: String,
}

/// Account data of the clinic's service account: what its EHR watch has read and the thread
/// of each fact (so a restart, or another instance, repeats nothing).
pub const WATCH_RECORD: &str = "app.rounds.watch.record";

/// Event type announcing an appointment change made from a thread (after the FHIR server
/// accepted it).
pub const APPOINTMENT: &str = "app.rounds.appointment";

/// `app.rounds.appointment` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentChange {
    /// `Appointment/<id>` in the clinic's FHIR server.
    pub appointment: String,
    /// Start before the change (FHIR instant).
    #[serde(default)]
    pub old_start: Option<String>,
    /// Start after the change (`None` when cancelled).
    #[serde(default)]
    pub new_start: Option<String>,
    /// The appointment's new status (`booked`, `cancelled`).
    pub status: String,
}

impl AppointmentChange {
    /// The event content in the thread of `root`, with `fallback` as the plain-text body.
    pub fn content(&self, root: &str, latest: &str, fallback: &str) -> serde_json::Value {
        in_thread(
            serde_json::to_value(self).expect("change serialises"),
            root,
            latest,
            fallback,
        )
    }
}

/// Thread status as sent in `app.rounds.thread.update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreadStatus {
    /// Still needs work.
    Open,
    /// Done.
    Resolved,
}

/// `app.rounds.thread.update` content (inside the thread it changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadUpdate {
    /// New status, if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ThreadStatus>,
    /// New priority, if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
}

impl ThreadUpdate {
    /// The event content, placed in the thread of `root`.
    pub fn content(&self, root: &str, latest: &str) -> serde_json::Value {
        let fallback = match self.status {
            Some(ThreadStatus::Resolved) => "Marked the thread resolved",
            Some(ThreadStatus::Open) => "Reopened the thread",
            None => "Changed the thread's priority",
        };
        in_thread(
            serde_json::to_value(self).expect("update serialises"),
            root,
            latest,
            fallback,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_fallback_body() {
        let meta = ThreadMeta {
            topic: "Authorization renewal pending".into(),
            patient: Some(PatientRef {
                display: "Sara M.".into(),
                id: None,
            }),
            priority: Priority::Urgent,
            to_roles: Vec::new(),
            category: None,
        };
        assert_eq!(meta.title(), "Sara M. – Authorization renewal pending");
        let content = meta.root_content("Expires Friday.");
        assert_eq!(
            content["body"],
            "Sara M. – Authorization renewal pending\n\nExpires Friday."
        );
        assert_eq!(content[THREAD_KEY]["priority"], "urgent");
        assert!(content[THREAD_KEY]["patient"].get("id").is_none());
    }

    #[test]
    fn replies_to_a_thread_not_yet_sent_are_retargeted_to_its_event_id() {
        let mut reply = with_txn(thread_reply_content("txn-root", "txn-root", "First reply"), "txn-reply");
        assert_eq!(txn_of(&reply), Some("txn-reply"));
        retarget_thread(&mut reply, "txn-root", "$root");
        assert_eq!(reply["m.relates_to"]["event_id"], "$root");
        assert_eq!(reply["m.relates_to"]["m.in_reply_to"]["event_id"], "$root");
        // A reply to another thread is left alone.
        let mut other = thread_reply_content("$other", "$latest", "x");
        retarget_thread(&mut other, "txn-root", "$root");
        assert_eq!(other["m.relates_to"]["event_id"], "$other");
        assert_eq!(other["m.relates_to"]["m.in_reply_to"]["event_id"], "$latest");
    }
}
