//! `GET /sync` and its response types.

use super::client::{query, Client};
use super::error::Error;
use super::events::{BasicEvent, ClientEvent, EventList};
use super::transport::{Method, Transport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Parameters of one `/sync` call.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// A filter id from [`Client::create_filter`] or an inline JSON filter.
    pub filter: Option<String>,
    /// The `next_batch` of the previous sync; `None` for an initial sync.
    pub since: Option<String>,
    /// Long-poll: how long the server may wait for new events.
    pub timeout: Option<Duration>,
    /// Return the full state of every room even with `since`.
    pub full_state: bool,
}

/// The answer of `/sync`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SyncResponse {
    /// Pass as `since` next time.
    pub next_batch: String,
    /// Per-room updates.
    #[serde(default)]
    pub rooms: Rooms,
    /// Global account data.
    #[serde(default)]
    pub account_data: EventList<BasicEvent>,
}

/// Room updates by membership.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Rooms {
    /// Rooms the user is joined to.
    #[serde(default)]
    pub join: BTreeMap<String, JoinedRoom>,
    /// Rooms the user is invited to.
    #[serde(default)]
    pub invite: BTreeMap<String, InvitedRoom>,
    /// Rooms the user left or was removed from.
    #[serde(default)]
    pub leave: BTreeMap<String, LeftRoom>,
}

/// Updates for a joined room.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JoinedRoom {
    /// State before the timeline (or all state on an initial sync).
    #[serde(default)]
    pub state: EventList<ClientEvent>,
    /// New timeline events.
    #[serde(default)]
    pub timeline: Timeline,
    /// Receipts and typing.
    #[serde(default)]
    pub ephemeral: EventList<BasicEvent>,
    /// Per-room account data.
    #[serde(default)]
    pub account_data: EventList<BasicEvent>,
    /// Unread counts for the main timeline (or the whole room without threaded counts).
    #[serde(default)]
    pub unread_notifications: UnreadCounts,
    /// Unread counts per thread root, when the filter asks for `unread_thread_notifications`.
    #[serde(default)]
    pub unread_thread_notifications: BTreeMap<String, UnreadCounts>,
}

/// Notification counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct UnreadCounts {
    /// Unread messages that notify.
    #[serde(default)]
    pub notification_count: u64,
    /// Unread highlights (mentions).
    #[serde(default)]
    pub highlight_count: u64,
}

/// A slice of a room's timeline.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Timeline {
    /// Events, oldest first.
    #[serde(default, deserialize_with = "super::events::lenient_vec")]
    pub events: Vec<ClientEvent>,
    /// `true` when events between the previous sync and these were left out: paginate
    /// backwards from `prev_batch` to fill the gap.
    #[serde(default)]
    pub limited: bool,
    /// Token to paginate backwards from the start of this slice.
    pub prev_batch: Option<String>,
}

/// A room the user is invited to, with the stripped state the inviter shared.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvitedRoom {
    /// Stripped state events.
    #[serde(default)]
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
    #[serde(default)]
    pub timeline: Timeline,
    /// State.
    #[serde(default)]
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
    /// `POST /user/{userId}/filter`: stores a filter and returns its id.
    pub async fn create_filter(&self, filter: &Filter) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct Created {
            filter_id: String,
        }
        let path = format!(
            "/_matrix/client/v3/user/{}/filter",
            super::client::encode(self.user_id()?)
        );
        let created: Created = self.post(&path, filter).await?;
        Ok(created.filter_id)
    }

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
