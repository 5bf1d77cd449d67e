//! Matrix events as they come over the wire, and the typed contents Rounds reads and writes.
//!
//! Event contents stay `serde_json::Value` in [`ClientEvent`] so that unknown event types pass
//! through untouched; callers turn the ones they know into typed contents with
//! [`ClientEvent::content_as`].

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A room event (timeline or state) in the client-server format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientEvent {
    /// Globally unique id.
    pub event_id: String,
    /// The event type, such as `m.room.message`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Sender's user id.
    pub sender: String,
    /// Milliseconds since the epoch on the origin server.
    #[serde(default)]
    pub origin_server_ts: u64,
    /// Present on state events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_key: Option<String>,
    /// The raw content.
    #[serde(default)]
    pub content: Value,
    /// Server-added data (`transaction_id` for our own sends, `m.relations`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned: Option<Value>,
    /// On `m.room.redaction` in rooms before version 11: the event removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacts: Option<String>,
}

impl ClientEvent {
    /// Decodes the content as `C`; `None` if it does not have that shape.
    pub fn content_as<C: DeserializeOwned>(&self) -> Option<C> {
        C::deserialize(&self.content).ok()
    }

    /// The thread root this event belongs to, from an `m.thread` relation.
    pub fn thread_root(&self) -> Option<&str> {
        let relates = self.content.get("m.relates_to")?;
        (relates.get("rel_type")?.as_str()? == REL_THREAD).then(|| relates.get("event_id")?.as_str())?
    }

    /// The txn id we sent this event with, echoed in `unsigned` to the sending device.
    pub fn transaction_id(&self) -> Option<&str> {
        self.unsigned.as_ref()?.get("transaction_id")?.as_str()
    }

    /// The message this event edits, from an `m.replace` relation.
    pub fn replaces(&self) -> Option<&str> {
        let relates = self.content.get("m.relates_to")?;
        (relates.get("rel_type")?.as_str()? == REL_REPLACE).then(|| relates.get("event_id")?.as_str())?
    }

    /// On a redaction, the event it removes (top-level before room version 11, in the content
    /// since).
    pub fn redacted_event(&self) -> Option<&str> {
        (self.kind == REDACTION)
            .then(|| {
                self.redacts
                    .as_deref()
                    .or_else(|| self.content.get("redacts")?.as_str())
            })
            .flatten()
    }

    /// The newest edit the server bundled with this event (`unsigned.m.relations.m.replace`).
    pub fn bundled_edit(&self) -> Option<ClientEvent> {
        let edit = self.unsigned.as_ref()?.pointer("/m.relations/m.replace")?;
        ClientEvent::deserialize(edit).ok()
    }

    /// The redaction that removed this event's content, if the server says so.
    pub fn redacted_because(&self) -> Option<ClientEvent> {
        ClientEvent::deserialize(self.unsigned.as_ref()?.get("redacted_because")?).ok()
    }

    /// Whether the event was redacted (content emptied by the server).
    pub fn is_redacted(&self) -> bool {
        self.unsigned
            .as_ref()
            .is_some_and(|u| u.get("redacted_because").is_some())
    }
}

/// An event without room context (account data, ephemeral, to-device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasicEvent {
    /// The event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The raw content.
    #[serde(default)]
    pub content: Value,
}

impl BasicEvent {
    /// Decodes the content as `C`; `None` if it does not have that shape.
    pub fn content_as<C: DeserializeOwned>(&self) -> Option<C> {
        C::deserialize(&self.content).ok()
    }
}

/// Deserialises a list of items, dropping the ones that do not parse, so that one odd event
/// from the server never fails a whole sync or page.
pub fn lenient_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let Some(Value::Array(raw)) = Option::<Value>::deserialize(deserializer)? else {
        return Ok(Vec::new());
    };
    Ok(raw.into_iter().filter_map(|v| T::deserialize(v).ok()).collect())
}

/// Deserialises a field leniently: a value of the wrong shape becomes the field's default
/// instead of failing the whole answer (one odd field in a `/sync` must not stop syncing).
pub fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let raw = Value::deserialize(deserializer)?;
    Ok(T::deserialize(raw).unwrap_or_default())
}

/// Deserialises a map keeping the entries whose values parse (a room that does not parse is
/// left out of this answer; the others are kept).
pub fn lenient_map<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let raw = Option::<Value>::deserialize(deserializer)?;
    let Some(Value::Object(entries)) = raw else {
        return Ok(BTreeMap::new());
    };
    Ok(entries
        .into_iter()
        .filter_map(|(k, v)| T::deserialize(v).ok().map(|t| (k, t)))
        .collect())
}

/// A list of events, as in `{"events": [...]}`, keeping only well-formed ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "E: DeserializeOwned"))]
pub struct EventList<E> {
    /// The well-formed events, in server order.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub events: Vec<E>,
}

impl<E> Default for EventList<E> {
    fn default() -> Self {
        EventList { events: Vec::new() }
    }
}

/// `rel_type` of thread relations.
pub const REL_THREAD: &str = "m.thread";
/// `rel_type` of edits.
pub const REL_REPLACE: &str = "m.replace";
/// Event type of redactions (retractions).
pub const REDACTION: &str = "m.room.redaction";
/// Event type of messages.
pub const MESSAGE: &str = "m.room.message";
/// Event type of read receipts (ephemeral).
pub const RECEIPT: &str = "m.receipt";
/// Event type of typing notifications (ephemeral).
pub const TYPING: &str = "m.typing";
/// The `main` thread id for unthreaded receipts.
pub const MAIN_THREAD: &str = "main";

/// `m.relates_to` of a threaded reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRelation {
    /// Always `m.thread`.
    pub rel_type: String,
    /// The thread root.
    pub event_id: String,
    /// Reply fallback for clients without threads: the latest event in the thread.
    #[serde(default, rename = "m.in_reply_to", skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<InReplyTo>,
    /// `true` when the reply is only a fallback, not a real reply to `in_reply_to`.
    #[serde(default)]
    pub is_falling_back: bool,
}

impl ThreadRelation {
    /// A relation putting an event in the thread of `root`, replying (as fallback) to `latest`.
    pub fn new(root: &str, latest: &str) -> Self {
        ThreadRelation {
            rel_type: REL_THREAD.into(),
            event_id: root.into(),
            in_reply_to: Some(InReplyTo {
                event_id: latest.into(),
            }),
            is_falling_back: true,
        }
    }
}

/// The `m.in_reply_to` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InReplyTo {
    /// The event replied to.
    pub event_id: String,
}

/// `m.room.message` content as Rounds reads it: `msgtype`, plain `body` and optional relation.
/// Extra fields (such as `app.rounds.thread`) live in the raw event content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageContent {
    /// `m.text`, `m.notice`, …
    pub msgtype: String,
    /// Plain-text body; Rounds never renders HTML.
    pub body: String,
    /// Thread relation, if in a thread.
    #[serde(default, rename = "m.relates_to", skip_serializing_if = "Option::is_none")]
    pub relates_to: Option<ThreadRelation>,
}

/// `m.receipt` content: event id → receipt type → user → receipt.
pub type ReceiptContent = BTreeMap<String, BTreeMap<String, BTreeMap<String, Receipt>>>;

/// One user's receipt on one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// When it was sent (ms).
    #[serde(default)]
    pub ts: Option<u64>,
    /// The thread it applies to (`main` or a root event id); absent for unthreaded receipts.
    #[serde(default)]
    pub thread_id: Option<String>,
}

/// `m.typing` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingContent {
    /// Who is typing now.
    #[serde(default)]
    pub user_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_events_are_dropped_not_fatal() {
        let list: EventList<ClientEvent> = serde_json::from_str(
            r#"{"events":[{"event_id":"$a","type":"m.room.message","sender":"@a:x","content":{}},
                          {"type":"broken"}, 42]}"#,
        )
        .unwrap();
        assert_eq!(list.events.len(), 1);
    }

    #[test]
    fn thread_root_only_for_thread_relations() {
        let e: ClientEvent = serde_json::from_value(serde_json::json!({
            "event_id": "$r", "type": "m.room.message", "sender": "@a:x",
            "content": {"body": "hi", "msgtype": "m.text",
                        "m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}
        }))
        .unwrap();
        assert_eq!(e.thread_root(), Some("$root"));
        let e: ClientEvent = serde_json::from_value(serde_json::json!({
            "event_id": "$r", "type": "m.room.message", "sender": "@a:x",
            "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x"}}
        }))
        .unwrap();
        assert_eq!(e.thread_root(), None);
    }
}
