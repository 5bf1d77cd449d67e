//! Sending from this device through the persistent outbox.
//!
//! Every message is written to the encrypted store with its txn id *before* the first attempt,
//! then sent by one worker in queue order. Retries (after reconnecting, a reload or a crash)
//! reuse the txn id, so the server stores each message once. Offline, timeouts, 5xx and 429
//! wait and retry (429 as long as the server asks); 403, 413 and other refusals mark the
//! message Failed, keeping it for Retry or Delete.

use super::state::AppState;
use super::wait::wait;
use crate::api::events::MESSAGE;
use crate::api::rounds::{
    thread_reply_content, AppointmentChange, ThreadStatus, ThreadUpdate, APPOINTMENT, THREAD_UPDATE,
};
use crate::domain::{Delivery, Message, Status};
use crate::store::{OutboxItem, OutboxState};
use crate::sync::Backoff;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;

/// A unique transaction id (random UUID from the browser's CSPRNG).
pub fn new_txn_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("rounds-{}-{}", js_sys::Date::now(), js_sys::Math::random()))
}

thread_local! {
    /// Whether the worker is running (one per page).
    static WORKING: Cell<bool> = const { Cell::new(false) };
    /// Last queue number handed out (queue numbers grow even within one millisecond).
    static LAST_SEQ: Cell<u64> = const { Cell::new(0) };
}

fn next_seq() -> u64 {
    let now = (js_sys::Date::now() as u64) * 1000;
    LAST_SEQ.with(|last| {
        let seq = now.max(last.get() + 1);
        last.set(seq);
        seq
    })
}

/// Posts a text reply in a thread.
pub fn send_reply(state: AppState, room_id: &str, root_id: &str, text: &str) {
    let latest = latest_event(state, room_id, root_id);
    let content = thread_reply_content(root_id, &latest, text);
    queue(state, room_id, root_id, MESSAGE, content);
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
    queue(state, room_id, root_id, THREAD_UPDATE, update.content(root_id, &latest));
}

/// Announces an appointment change the FHIR server accepted.
pub fn send_appointment(state: AppState, room_id: &str, root_id: &str, change: &AppointmentChange, summary: &str) {
    let latest = latest_event(state, room_id, root_id);
    queue(
        state,
        room_id,
        root_id,
        APPOINTMENT,
        change.content(root_id, &latest, summary),
    );
}

fn latest_event(state: AppState, room_id: &str, root_id: &str) -> String {
    state.inbox.with_untracked(|i| {
        i.thread(room_id, root_id)
            .and_then(|t| t.latest_sent().map(|m| m.id.clone()))
            .unwrap_or_else(|| root_id.to_owned())
    })
}

/// What the thread shows for a queued item.
fn local_echo(state: AppState, item: &OutboxItem) -> Option<Message> {
    let me = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.me()))
        .unwrap_or_default();
    crate::sync::local_echo(item, &me)
}

fn queue(state: AppState, room_id: &str, root_id: &str, event_type: &str, content: serde_json::Value) {
    let item = OutboxItem {
        seq: next_seq(),
        txn_id: new_txn_id(),
        room_id: room_id.to_owned(),
        root_id: root_id.to_owned(),
        event_type: event_type.to_owned(),
        content,
        queued_at: js_sys::Date::now() as u64,
        state: OutboxState::Pending,
    };
    if let Some(echo) = local_echo(state, &item) {
        state.inbox.update(|inbox| inbox.add_local(room_id, root_id, echo));
    }
    state.outbox.update(|q| q.push(item.clone()));
    spawn_local(async move {
        // Persisted before the first attempt: a crash from here on loses nothing.
        persist(state, &item).await;
        work(state).await;
    });
}

async fn persist(state: AppState, item: &OutboxItem) {
    if let Some(store) = state.local() {
        if let Err(e) = store.put_outbox(item).await {
            state.store_problem.set(Some(e.to_string()));
        }
    }
}

async fn forget(state: AppState, seq: u64) {
    state.outbox.update(|q| q.retain(|i| i.seq != seq));
    if let Some(store) = state.local() {
        if let Err(e) = store.remove_outbox(seq).await {
            state.store_problem.set(Some(e.to_string()));
        }
    }
}

/// After sign-in or a reload: picks up what the stored outbox still holds.
pub async fn resume(state: AppState) {
    let Some(store) = state.local() else { return };
    match store.outbox().await {
        Ok(items) => {
            state.outbox.set(items);
            work(state).await;
        }
        Err(e) => state.store_problem.set(Some(e.to_string())),
    }
}

/// Shows local echoes for queued messages in threads the inbox knows (after a sync brought them).
pub fn echo_queued(state: AppState) {
    let items = state.outbox.get_untracked();
    state.inbox.update(|inbox| {
        for item in &items {
            let known = inbox
                .thread(&item.room_id, &item.root_id)
                .is_some_and(|t| !t.contains(&item.txn_id));
            if known && !inbox.knows(&item.txn_id) {
                if let Some(echo) = local_echo(state, item) {
                    inbox.add_local(&item.room_id, &item.root_id, echo);
                }
            }
        }
    });
}

/// Sends a failed message again with its original txn id.
pub fn retry(state: AppState, txn_id: &str) {
    let Some(mut item) = state
        .outbox
        .with_untracked(|q| q.iter().find(|i| i.txn_id == txn_id).cloned())
    else {
        return;
    };
    item.state = OutboxState::Pending;
    state.outbox.update(|q| {
        q.iter_mut()
            .filter(|i| i.seq == item.seq)
            .for_each(|i| i.state = OutboxState::Pending)
    });
    state
        .inbox
        .update(|i| i.set_delivery(&item.room_id, &item.root_id, txn_id, Delivery::Sending));
    spawn_local(async move {
        persist(state, &item).await;
        work(state).await;
    });
}

/// Deletes a failed message for good.
pub fn delete(state: AppState, txn_id: &str) {
    let Some(item) = state
        .outbox
        .with_untracked(|q| q.iter().find(|i| i.txn_id == txn_id).cloned())
    else {
        return;
    };
    state
        .inbox
        .update(|i| i.remove_local(&item.room_id, &item.root_id, txn_id));
    spawn_local(forget(state, item.seq));
}

/// Sends pending messages one by one, in order, until none is left.
async fn work(state: AppState) {
    if WORKING.with(|w| w.replace(true)) {
        return;
    }
    let generation = state.generation.get_untracked();
    let mut backoff = Backoff::default();
    loop {
        let next = state
            .outbox
            .with_untracked(|q| q.iter().find(|i| i.state == OutboxState::Pending).cloned());
        let (Some(item), Some(client)) = (next, state.client()) else {
            break;
        };
        if state.generation.get_untracked() != generation {
            break;
        }
        let result = client
            .send_event(&item.room_id, &item.event_type, &item.txn_id, &item.content)
            .await;
        if state.generation.get_untracked() != generation {
            break;
        }
        let (room, root, txn) = (&item.room_id, &item.root_id, &item.txn_id);
        match result {
            Ok(event_id) => {
                backoff.reset();
                state.inbox.update(|i| i.confirm_sent(room, root, txn, &event_id));
                forget(state, item.seq).await;
            }
            // The session is over; the message stays stored for the next sign-in.
            Err(e) if e.is_unknown_token() => break,
            // Offline, timeouts, 5xx, 429: wait (as long as the server asks), same order.
            Err(e) if e.is_retryable() => {
                let delay = backoff.delay_for(e.retry_after_ms(), js_sys::Math::random());
                wait(state, delay).await;
            }
            Err(e) => {
                let reason = match e.status() {
                    Some(403) => "You can no longer post in this thread.".to_owned(),
                    Some(413) => "This message is too long to send.".to_owned(),
                    _ => e.to_string(),
                };
                let mut failed = item.clone();
                failed.state = OutboxState::Failed(reason.clone());
                state.outbox.update(|q| {
                    q.iter_mut()
                        .filter(|i| i.seq == item.seq)
                        .for_each(|i| i.state = failed.state.clone())
                });
                state
                    .inbox
                    .update(|i| i.set_delivery(room, root, txn, Delivery::Failed(reason)));
                persist(state, &failed).await;
            }
        }
    }
    WORKING.with(|w| w.set(false));
}
