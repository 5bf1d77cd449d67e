//! What a queued outgoing message looks like in its thread before the server has it.

use super::convert;
use crate::api::events::ClientEvent;
use crate::domain::{Delivery, Incoming, Message};
use crate::store::{OutboxItem, OutboxState};

/// The local echo of a queued item: the same translation as a synced event (so a reply, a status
/// change and an appointment card look as they will once sent), marked Sending or Failed.
/// `None` for content Rounds would not show.
pub fn local_echo(item: &OutboxItem, me: &str) -> Option<Message> {
    let event = ClientEvent {
        event_id: item.txn_id.clone(),
        kind: item.event_type.clone(),
        sender: me.to_owned(),
        origin_server_ts: item.queued_at,
        state_key: None,
        content: item.content.clone(),
        unsigned: None,
    };
    let Incoming::InThread { mut message, .. } = convert::timeline_event(&item.room_id, &event)? else {
        return None;
    };
    message.delivery = match &item.state {
        OutboxState::Pending => Delivery::Sending,
        OutboxState::Failed(reason) => Delivery::Failed(reason.clone()),
    };
    message.txn_id = Some(item.txn_id.clone());
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::rounds::{thread_reply_content, ThreadStatus, ThreadUpdate};
    use crate::domain::{Body, Status};

    fn item(event_type: &str, content: serde_json::Value, state: OutboxState) -> OutboxItem {
        OutboxItem {
            seq: 1,
            txn_id: "t1".into(),
            room_id: "!r".into(),
            root_id: "$root".into(),
            event_type: event_type.into(),
            content,
            queued_at: 7,
            state,
        }
    }

    #[test]
    fn replies_and_updates_echo_as_they_will_show() {
        let reply = item(
            "m.room.message",
            thread_reply_content("$root", "$root", "On my way"),
            OutboxState::Pending,
        );
        let echo = local_echo(&reply, "@me:x").unwrap();
        assert_eq!(echo.body, Body::Text("On my way".into()));
        assert_eq!(echo.delivery, Delivery::Sending);
        assert_eq!(
            (echo.id.as_str(), echo.txn_id.as_deref(), echo.ts),
            ("t1", Some("t1"), 7)
        );

        let update = ThreadUpdate {
            status: Some(ThreadStatus::Resolved),
            priority: None,
        };
        let failed = item(
            "app.rounds.thread.update",
            update.content("$root", "$root"),
            OutboxState::Failed("refused".into()),
        );
        let echo = local_echo(&failed, "@me:x").unwrap();
        assert_eq!(
            echo.body,
            Body::Update {
                status: Some(Status::Resolved),
                priority: None
            }
        );
        assert_eq!(echo.delivery, Delivery::Failed("refused".into()));

        let outside = item(
            "m.room.message",
            serde_json::json!({"msgtype": "m.text", "body": "x"}),
            OutboxState::Pending,
        );
        assert_eq!(
            local_echo(&outside, "@me:x"),
            None,
            "only messages inside a thread are queued"
        );
    }
}
