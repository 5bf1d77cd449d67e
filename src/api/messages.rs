//! Sending events, reading history, threads, receipts and typing.

use super::client::{encode, query, Client, Empty};
use super::error::Error;
use super::events::{ClientEvent, MAIN_THREAD};
use super::transport::Transport;
use serde::{Deserialize, Serialize};

/// Answer of endpoints that create an event.
#[derive(Debug, Clone, Deserialize)]
pub struct EventId {
    /// The new event's id.
    pub event_id: String,
}

/// Direction of a pagination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards older events.
    Backward,
    /// Towards newer events.
    Forward,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Backward => "b",
            Direction::Forward => "f",
        }
    }
}

/// `GET /rooms/{roomId}/messages`.
#[derive(Debug, Clone, Deserialize)]
pub struct MessagesPage {
    /// Events in the direction of pagination.
    #[serde(default, deserialize_with = "super::events::lenient_vec")]
    pub chunk: Vec<ClientEvent>,
    /// Token the page started at.
    pub start: String,
    /// Token to continue from; `None` at the end of the history.
    pub end: Option<String>,
}

/// A page of `/relations` or `/threads`.
#[derive(Debug, Clone, Deserialize)]
pub struct RelationsPage {
    /// The events.
    #[serde(default, deserialize_with = "super::events::lenient_vec")]
    pub chunk: Vec<ClientEvent>,
    /// Token for the next page; `None` when there is no more.
    pub next_batch: Option<String>,
}

/// Which threads `/threads` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadsInclude {
    /// Every thread in the room.
    All,
    /// Only threads the user took part in.
    Participated,
}

#[derive(Serialize)]
struct ReceiptBody<'a> {
    thread_id: &'a str,
}

#[derive(Serialize)]
struct TypingBody {
    typing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<u64>,
}

impl<T: Transport> Client<T> {
    /// `PUT /rooms/{roomId}/send/{eventType}/{txnId}`. The caller generates `txn_id` once and
    /// reuses it on every retry: the server then returns the same event instead of a duplicate.
    pub async fn send_event(
        &self,
        room_id: &str,
        event_type: &str,
        txn_id: &str,
        content: &impl Serialize,
    ) -> Result<String, Error> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/{}/{}",
            encode(room_id),
            encode(event_type),
            encode(txn_id)
        );
        let created: EventId = self.put(&path, content).await?;
        Ok(created.event_id)
    }

    /// `PUT /rooms/{roomId}/redact/{eventId}/{txnId}`: removes the content of `event_id`; the
    /// redaction's own `content` (its `reason`, and what else the client adds) stays for everyone
    /// to read. `txn_id` makes retries idempotent, as for [`Client::send_event`].
    pub async fn redact(
        &self,
        room_id: &str,
        event_id: &str,
        txn_id: &str,
        content: &serde_json::Value,
    ) -> Result<String, Error> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/redact/{}/{}",
            encode(room_id),
            encode(event_id),
            encode(txn_id)
        );
        let created: EventId = self.put(&path, content).await?;
        Ok(created.event_id)
    }

    /// `GET /rooms/{roomId}/messages` from `from` (or the live end when `None`).
    pub async fn messages(
        &self,
        room_id: &str,
        from: Option<&str>,
        dir: Direction,
        limit: u32,
    ) -> Result<MessagesPage, Error> {
        self.messages_filtered(room_id, from, dir, limit, None).await
    }

    /// `GET /rooms/{roomId}/messages` with only events of the given `types` (such as
    /// `m.room.member`: a room's membership history), from `from` or the live end.
    pub async fn messages_of_types(
        &self,
        room_id: &str,
        types: &[&str],
        from: Option<&str>,
        dir: Direction,
        limit: u32,
    ) -> Result<MessagesPage, Error> {
        let filter = serde_json::json!({ "types": types }).to_string();
        self.messages_filtered(room_id, from, dir, limit, Some(filter)).await
    }

    async fn messages_filtered(
        &self,
        room_id: &str,
        from: Option<&str>,
        dir: Direction,
        limit: u32,
        filter: Option<String>,
    ) -> Result<MessagesPage, Error> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/messages{}",
            encode(room_id),
            query(&[
                ("from", from.map(str::to_owned)),
                ("dir", Some(dir.as_str().into())),
                ("limit", Some(limit.to_string())),
                ("filter", filter),
            ])
        );
        self.get(&path).await
    }

    /// `GET /rooms/{roomId}/relations/{eventId}/{relType}`: for `m.thread`, the thread's replies,
    /// newest first.
    pub async fn relations(
        &self,
        room_id: &str,
        event_id: &str,
        rel_type: &str,
        from: Option<&str>,
        limit: u32,
    ) -> Result<RelationsPage, Error> {
        let path = format!(
            "/_matrix/client/v1/rooms/{}/relations/{}/{}{}",
            encode(room_id),
            encode(event_id),
            encode(rel_type),
            query(&[("from", from.map(str::to_owned)), ("limit", Some(limit.to_string()))])
        );
        self.get(&path).await
    }

    /// `GET /rooms/{roomId}/threads`: thread roots, most recently active first.
    pub async fn threads(
        &self,
        room_id: &str,
        include: ThreadsInclude,
        from: Option<&str>,
        limit: u32,
    ) -> Result<RelationsPage, Error> {
        let include = match include {
            ThreadsInclude::All => "all",
            ThreadsInclude::Participated => "participated",
        };
        let path = format!(
            "/_matrix/client/v1/rooms/{}/threads{}",
            encode(room_id),
            query(&[
                ("include", Some(include.into())),
                ("from", from.map(str::to_owned)),
                ("limit", Some(limit.to_string())),
            ])
        );
        self.get(&path).await
    }

    /// `GET /rooms/{roomId}/event/{eventId}`.
    pub async fn event(&self, room_id: &str, event_id: &str) -> Result<ClientEvent, Error> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/event/{}",
            encode(room_id),
            encode(event_id)
        );
        self.get(&path).await
    }

    /// `POST /rooms/{roomId}/receipt/m.read/{eventId}` scoped to a thread (`None` = main timeline).
    pub async fn send_read_receipt(
        &self,
        room_id: &str,
        event_id: &str,
        thread_root: Option<&str>,
    ) -> Result<(), Error> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/receipt/m.read/{}",
            encode(room_id),
            encode(event_id)
        );
        let body = ReceiptBody {
            thread_id: thread_root.unwrap_or(MAIN_THREAD),
        };
        let _: Empty = self.post(&path, &body).await?;
        Ok(())
    }

    /// `PUT /rooms/{roomId}/typing/{userId}`: typing for `timeout_ms`, or stopped.
    pub async fn set_typing(&self, room_id: &str, typing: bool, timeout_ms: u64) -> Result<(), Error> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/typing/{}",
            encode(room_id),
            encode(self.user_id()?)
        );
        let body = TypingBody {
            typing,
            timeout: typing.then_some(timeout_ms),
        };
        let _: Empty = self.put(&path, &body).await?;
        Ok(())
    }
}
