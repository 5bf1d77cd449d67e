//! What a queued item looks like before the server has it.

use crate::api::events::ClientEvent;
use crate::domain::{Delivery, Incoming, PendingEdit};
use crate::store::{OutboxItem, OutboxState};
use crate::sync::convert;

/// The local echo of a queued item: the same translation as a synced event (so a reply, a status
/// change, an appointment card or a new thread looks as it will once sent), marked Sending or
/// Failed, with its transaction id as its event id until the server gives it one. `None` for
/// content Rounds would not show.
pub fn local_echo(item: &OutboxItem, me: &str) -> Option<Incoming> {
    let mut incoming = convert::timeline_event(&item.room_id, &as_event(item, me))?;
    let message = match &mut incoming {
        Incoming::Root { message, .. } if item.is_thread_root() => message,
        Incoming::InThread { message, .. } if !item.is_thread_root() => message,
        _ => return None,
    };
    message.delivery = delivery(item);
    message.txn_id = Some(item.txn_id.clone());
    Some(incoming)
}

/// A queued edit's target and how it shows on the message until the server has it (`None` for
/// other items).
pub fn pending_edit(item: &OutboxItem, me: &str) -> Option<(String, PendingEdit)> {
    let Some(Incoming::Edit { target, text, .. }) = convert::timeline_event(&item.room_id, &as_event(item, me)) else {
        return None;
    };
    let edit = PendingEdit {
        txn_id: item.txn_id.clone(),
        text,
        delivery: delivery(item),
    };
    Some((target, edit))
}

/// The item as the event the server will hold, with its transaction id for an event id.
fn as_event(item: &OutboxItem, me: &str) -> ClientEvent {
    ClientEvent {
        event_id: item.txn_id.clone(),
        kind: item.event_type.clone(),
        sender: me.to_owned(),
        origin_server_ts: item.queued_at,
        state_key: None,
        content: item.content.clone(),
        unsigned: None,
        redacts: None,
    }
}

fn delivery(item: &OutboxItem) -> Delivery {
    match &item.state {
        OutboxState::Pending => Delivery::Sending,
        OutboxState::Failed(reason) => Delivery::Failed(reason.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::rounds::{thread_reply_content, ThreadMeta, ThreadStatus, ThreadUpdate};
    use crate::domain::{Body, Message, Status};

    fn message(incoming: Incoming) -> Message {
        match incoming {
            Incoming::Root { message, .. } | Incoming::InThread { message, .. } => message,
            other => panic!("not a message: {other:?}"),
        }
    }

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
            queued_on: None,
        }
    }

    #[test]
    fn replies_and_updates_echo_as_they_will_show() {
        let reply = item(
            "m.room.message",
            thread_reply_content("$root", "$root", "On my way"),
            OutboxState::Pending,
        );
        let echo = message(local_echo(&reply, "@me:x").unwrap());
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
        let echo = message(local_echo(&failed, "@me:x").unwrap());
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
            "a plain message outside a thread is not a Rounds send"
        );

        // A new thread written offline echoes as a thread of its own, keyed by its txn id.
        let meta = ThreadMeta {
            topic: "Coverage".into(),
            patient: None,
            priority: Default::default(),
            to_roles: Vec::new(),
            category: None,
        };
        let mut root = item(
            "m.room.message",
            meta.root_content("Who can cover?"),
            OutboxState::Pending,
        );
        root.root_id = root.txn_id.clone();
        let Some(Incoming::Root { message, info, .. }) = local_echo(&root, "@me:x") else {
            panic!("a root echo");
        };
        assert_eq!((message.id.as_str(), info.topic.as_str()), ("t1", "Coverage"));
        assert_eq!(message.delivery, Delivery::Sending);
    }
}
