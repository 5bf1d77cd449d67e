//! `GET /sync` and its response types.

use super::client::{query, Client};
use super::error::Error;
use super::events::{lenient, lenient_map, lenient_vec, BasicEvent, ClientEvent, EventList};
use super::presence::{PresenceEvent, PresenceState};
use super::transport::{Method, Transport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Parameters of one `/sync` call.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// An inline JSON filter (such as [`Filter::rounds`]) or the id of a stored one.
    pub filter: Option<String>,
    /// The `next_batch` of the previous sync; `None` for an initial sync.
    pub since: Option<String>,
    /// Long-poll: how long the server may wait for new events.
    pub timeout: Option<Duration>,
    /// Return the full state of every room even with `since`.
    pub full_state: bool,
    /// The presence this sync reports for the person (the homeserver's default is online, which
    /// would undo a "With a patient" they set).
    pub set_presence: Option<PresenceState>,
}

/// The answer of `/sync`.
///
/// Decoded leniently: apart from `next_batch`, a field of the wrong shape becomes its default
/// and a room that does not parse is left out, so one odd field never stops syncing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SyncResponse {
    /// Pass as `since` next time.
    pub next_batch: String,
    /// Per-room updates.
    #[serde(default, deserialize_with = "lenient")]
    pub rooms: Rooms,
    /// Global account data.
    #[serde(default, deserialize_with = "lenient")]
    pub account_data: EventList<BasicEvent>,
    /// Presence of people sharing a room with the person.
    #[serde(default, deserialize_with = "lenient")]
    pub presence: EventList<PresenceEvent>,
}

/// Room updates by membership.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Rooms {
    /// Rooms the user is joined to.
    #[serde(default, deserialize_with = "lenient_map")]
    pub join: BTreeMap<String, JoinedRoom>,
    /// Rooms the user is invited to.
    #[serde(default, deserialize_with = "lenient_map")]
    pub invite: BTreeMap<String, InvitedRoom>,
    /// Rooms the user left or was removed from.
    #[serde(default, deserialize_with = "lenient_map")]
    pub leave: BTreeMap<String, LeftRoom>,
}

/// Updates for a joined room.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JoinedRoom {
    /// State before the timeline (or all state on an initial sync).
    #[serde(default, deserialize_with = "lenient")]
    pub state: EventList<ClientEvent>,
    /// New timeline events.
    #[serde(default, deserialize_with = "lenient")]
    pub timeline: Timeline,
    /// Receipts and typing.
    #[serde(default, deserialize_with = "lenient")]
    pub ephemeral: EventList<BasicEvent>,
    /// Per-room account data.
    #[serde(default, deserialize_with = "lenient")]
    pub account_data: EventList<BasicEvent>,
    /// Unread counts for the main timeline (or the whole room without threaded counts).
    #[serde(default, deserialize_with = "lenient")]
    pub unread_notifications: UnreadCounts,
    /// Unread counts per thread root, when the filter asks for `unread_thread_notifications`.
    #[serde(default, deserialize_with = "lenient_map")]
    pub unread_thread_notifications: BTreeMap<String, UnreadCounts>,
}

/// Notification counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct UnreadCounts {
    /// Unread messages that notify.
    #[serde(default, deserialize_with = "lenient")]
    pub notification_count: u64,
    /// Unread highlights (mentions).
    #[serde(default, deserialize_with = "lenient")]
    pub highlight_count: u64,
}

/// A slice of a room's timeline.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Timeline {
    /// Events, oldest first.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub events: Vec<ClientEvent>,
    /// `true` when events between the previous sync and these were left out: paginate
    /// backwards from `prev_batch` to fill the gap.
    #[serde(default, deserialize_with = "lenient")]
    pub limited: bool,
    /// Token to paginate backwards from the start of this slice.
    #[serde(default, deserialize_with = "lenient")]
    pub prev_batch: Option<String>,
}

/// A room the user is invited to, with the stripped state the inviter shared.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvitedRoom {
    /// Stripped state events.
    #[serde(default, deserialize_with = "lenient")]
    pub invite_state: EventList<StrippedState>,
}

/// A state event as shared in an invite: no event id, no timestamp.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StrippedState {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// State key.
    pub state_key: String,
    /// Sender.
    pub sender: String,
    /// Content.
    #[serde(default)]
    pub content: serde_json::Value,
}

/// A room the user has left or been removed from.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeftRoom {
    /// The timeline up to the leave.
    #[serde(default, deserialize_with = "lenient")]
    pub timeline: Timeline,
    /// State.
    #[serde(default, deserialize_with = "lenient")]
    pub state: EventList<ClientEvent>,
}

/// The filter Rounds syncs with: lazy-loaded members and threaded unread counts.
#[derive(Debug, Clone, Serialize)]
pub struct Filter {
    /// Room part of the filter.
    pub room: serde_json::Value,
}

impl Filter {
    /// Lazy-load members, count unread per thread, keep `timeline_limit` events per room.
    pub fn rounds(timeline_limit: u32) -> Filter {
        Filter {
            room: serde_json::json!({
                "state": { "lazy_load_members": true },
                "timeline": {
                    "limit": timeline_limit,
                    "lazy_load_members": true,
                    "unread_thread_notifications": true,
                },
            }),
        }
    }
}

impl<T: Transport> Client<T> {
    /// `GET /sync`. The client-side timeout is the long-poll timeout plus a margin.
    pub async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, Error> {
        let long_poll = request.timeout.unwrap_or_default();
        let path = format!(
            "/_matrix/client/v3/sync{}",
            query(&[
                ("filter", request.filter.clone()),
                ("since", request.since.clone()),
                ("timeout", request.timeout.map(|t| t.as_millis().to_string())),
                ("full_state", request.full_state.then(|| "true".into())),
                ("set_presence", request.set_presence.map(|p| p.as_str().to_owned())),
            ])
        );
        self.call(
            Method::Get,
            &path,
            None::<&()>,
            super::client::DEFAULT_TIMEOUT + long_poll,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_wrongly_typed_field_does_not_fail_the_sync() {
        let body = br#"{
            "next_batch": "s2",
            "account_data": {"events": "not a list"},
            "rooms": {
                "join": {
                    "!broken:x": 5,
                    "!ok:x": {
                        "timeline": {"events": [
                            {"event_id": "$a", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 1,
                             "content": {"msgtype": "m.text", "body": "still here"}}
                        ], "limited": "yes", "prev_batch": 12},
                        "unread_notifications": {"notification_count": "three", "highlight_count": 1},
                        "unread_thread_notifications": {"$r": {"notification_count": -1}, "$s": 4},
                        "ephemeral": {"events": [{"type": "m.typing", "content": {"user_ids": ["@b:x"]}}]}
                    }
                },
                "invite": [],
                "leave": {"!gone:x": {"timeline": null}}
            }
        }"#;
        let sync: SyncResponse = super::super::client::decode(body).expect("decodes");
        assert_eq!(sync.next_batch, "s2");
        let room = &sync.rooms.join["!ok:x"];
        assert_eq!(room.timeline.events.len(), 1);
        assert!(!room.timeline.limited);
        assert_eq!(room.timeline.prev_batch, None);
        assert_eq!(room.unread_notifications.highlight_count, 1);
        assert_eq!(room.unread_notifications.notification_count, 0);
        assert_eq!(room.ephemeral.events.len(), 1);
        assert!(!sync.rooms.join.contains_key("!broken:x"));
        assert!(sync.rooms.invite.is_empty());
        assert!(sync.rooms.leave.contains_key("!gone:x"));
        assert!(sync.account_data.events.is_empty());
    }

    #[test]
    fn a_sync_without_next_batch_is_an_error_not_a_panic() {
        let result: Result<SyncResponse, Error> = super::super::client::decode(br#"{"rooms": {}}"#);
        assert!(matches!(result, Err(Error::BadResponse { .. })));
    }
}
