//! Sending from this device: local echo at once, delivery in the background with the same txn
//! id on every retry (the server then never stores a duplicate), `Failed` with Retry on a
//! permanent refusal.

use super::state::AppState;
use crate::api::events::MESSAGE;
use crate::api::rounds::{thread_reply_content, ThreadStatus, ThreadUpdate, THREAD_UPDATE};
use crate::domain::{Body, Delivery, Message, Status};
use crate::sync::Backoff;
use gloo_timers::future::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// A unique transaction id (random UUID from the browser's CSPRNG).
pub fn new_txn_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("rounds-{}-{}", js_sys::Date::now(), js_sys::Math::random()))
}

/// Something queued for a thread.
#[derive(Clone)]
struct Outgoing {
    room_id: String,
    root_id: String,
    txn_id: String,
    event_type: &'static str,
    content: serde_json::Value,
}

/// Posts a text reply in a thread.
pub fn send_reply(state: AppState, room_id: &str, root_id: &str, text: &str) {
    let latest = latest_event(state, room_id, root_id);
    let content = thread_reply_content(root_id, &latest, text);
    queue(state, room_id, root_id, MESSAGE, content, Body::Text(text.to_owned()));
}

/// Posts a status change (`Mark resolved` / `Reopen`) in a thread.
pub fn send_status(state: AppState, room_id: &str, root_id: &str, status: Status) {
    let latest = latest_event(state, room_id, root_id);
    let wire = match status {
        Status::Open => ThreadStatus::Open,
        Status::Resolved => ThreadStatus::Resolved,
    };
    let update = ThreadUpdate {
        status: Some(wire),
        priority: None,
    };
    let content = update.content(root_id, &latest);
    let body = Body::Update {
        status: Some(status),
        priority: None,
    };
    queue(state, room_id, root_id, THREAD_UPDATE, content, body);
}

fn latest_event(state: AppState, room_id: &str, root_id: &str) -> String {
    state.inbox.with_untracked(|i| {
        i.thread(room_id, root_id)
            .and_then(|t| t.latest_sent().map(|m| m.id.clone()))
            .unwrap_or_else(|| root_id.to_owned())
    })
}

fn queue(
    state: AppState,
    room_id: &str,
    root_id: &str,
    event_type: &'static str,
    content: serde_json::Value,
    body: Body,
) {
    let me = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.me()))
        .unwrap_or_default();
    let txn_id = new_txn_id();
    state.inbox.update(|inbox| {
        inbox.add_local(
            room_id,
            root_id,
            Message {
                id: txn_id.clone(),
                sender: me,
                ts: js_sys::Date::now() as u64,
                body,
                delivery: Delivery::Sending,
                txn_id: Some(txn_id.clone()),
            },
        )
    });
    let outgoing = Outgoing {
        room_id: room_id.to_owned(),
        root_id: root_id.to_owned(),
        txn_id,
        event_type,
        content,
    };
    PENDING.with(|p| p.borrow_mut().push(outgoing.clone()));
    spawn_local(deliver(state, outgoing));
}

thread_local! {
    /// Messages not yet on the server, kept so that `Retry` can resend them unchanged.
    static PENDING: std::cell::RefCell<Vec<Outgoing>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Sends a failed message again with its original txn id.
pub fn retry(state: AppState, txn_id: &str) {
    let found = PENDING.with(|p| p.borrow().iter().find(|o| o.txn_id == txn_id).cloned());
    if let Some(outgoing) = found {
        state
            .inbox
            .update(|i| i.set_delivery(&outgoing.room_id, &outgoing.root_id, txn_id, Delivery::Sending));
        spawn_local(deliver(state, outgoing));
    }
}

async fn deliver(state: AppState, outgoing: Outgoing) {
    let generation = state.generation.get_untracked();
    let mut backoff = Backoff::default();
    loop {
        let Some(client) = state.client() else { return };
        let result = client
            .send_event(
                &outgoing.room_id,
                outgoing.event_type,
                &outgoing.txn_id,
                &outgoing.content,
            )
            .await;
        if state.generation.get_untracked() != generation {
            return;
        }
        let (room, root, txn) = (&outgoing.room_id, &outgoing.root_id, &outgoing.txn_id);
        match result {
            Ok(event_id) => {
                state.inbox.update(|i| i.confirm_sent(room, root, txn, &event_id));
                PENDING.with(|p| p.borrow_mut().retain(|o| o.txn_id != *txn));
                return;
            }
            // Offline, timeouts, 5xx and 429: wait (as long as the server asks) and try again.
            Err(e) if e.is_retryable() => {
                let delay = backoff.delay_for(e.retry_after_ms(), js_sys::Math::random());
                sleep(Duration::from_millis(delay)).await;
            }
            Err(e) => {
                let reason = match e.status() {
                    Some(403) => "You can no longer post in this thread.".to_owned(),
                    Some(413) => "This message is too long to send.".to_owned(),
                    _ => e.to_string(),
                };
                state
                    .inbox
                    .update(|i| i.set_delivery(room, root, txn, Delivery::Failed(reason)));
                return;
            }
        }
    }
}
