//! Starting and ending a session, and the sync loop that keeps the inbox live.

use super::state::{AppState, MatrixClient, Session};
use crate::domain::Inbox;
use crate::provision::{self, Membership};
use crate::sync::{self, Backoff, Batch, SyncEngine, SyncStatus};
use gloo_timers::future::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How long the server may hold a sync open.
const LONG_POLL: Duration = Duration::from_secs(30);

/// Makes a freshly signed-in client the session and starts syncing.
pub fn begin(state: AppState, client: MatrixClient, membership: Membership) {
    let me = client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    // The same person signing in again (after their session ended) keeps what was loaded.
    if state.inbox.with_untracked(|i| i.me() != me) {
        state.inbox.set(Inbox::new(&me));
    }
    let generation = state.generation.get_untracked() + 1;
    state.generation.set(generation);
    state.joined.set(membership.joined.clone());
    state.status.set(SyncStatus::Initial);
    state.notice.set(None);
    let engine = SyncEngine::new(
        client.clone(),
        membership.clinic.space.clone(),
        membership.clinic.policy.clone(),
    );
    state.session.set(Some(Session {
        client,
        clinic: membership.clinic,
        display_name: membership.display_name,
    }));
    spawn_local(run(state, engine, generation));
}

/// Ends the session locally (after the server was told, or could not be).
pub fn end(state: AppState, notice: Option<String>) {
    state.generation.update(|g| *g += 1);
    state.session.set(None);
    state.notice.set(notice);
}

/// A performance mark for the benchmarks (`bench/`); harmless when nobody reads it.
fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

fn current(state: AppState, generation: u64) -> bool {
    state.generation.get_untracked() == generation
}

async fn run(state: AppState, mut engine: SyncEngine<crate::api::BrowserTransport>, generation: u64) {
    let mut backoff = Backoff::default();
    while current(state, generation) {
        state.status.update(|s| *s = s.before_attempt());
        let knows = |id: &str| state.inbox.with_untracked(|i| i.knows(id));
        let result = engine.poll(LONG_POLL, knows).await;
        if !current(state, generation) {
            break;
        }
        match result {
            Ok(batch) => {
                backoff.reset();
                apply(state, &engine, batch).await;
                state.status.set(SyncStatus::Live);
            }
            Err(e) if e.is_unknown_token() => {
                end(state, Some("Your session has ended. Please sign in again.".into()));
                break;
            }
            Err(e) => {
                let delay = backoff.delay_for(e.retry_after_ms(), js_sys::Math::random());
                state.status.set(SyncStatus::Offline { retry_in_ms: delay });
                sleep(Duration::from_millis(delay)).await;
            }
        }
    }
}

async fn apply(state: AppState, engine: &SyncEngine<crate::api::BrowserTransport>, batch: Batch) {
    let Batch {
        incoming,
        joined,
        left,
        invited,
        policy,
    } = batch;
    if let Some(policy) = policy {
        state.set_policy(policy);
    }
    let has_news = !incoming.is_empty();
    if has_news {
        mark("rounds:sync-received");
    }
    state.inbox.update(|inbox| inbox.apply(incoming));
    if has_news {
        // The client's own share of the latency: sync answer in hand → next frame painted.
        request_animation_frame(|| {
            mark("rounds:painted");
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                let _ = performance.measure_with_start_mark_and_end_mark(
                    "rounds:sync-to-paint",
                    "rounds:sync-received",
                    "rounds:painted",
                );
                // Entries would pile up for the whole session; a PerformanceObserver (the
                // benchmark's) has already seen the measure.
                performance.clear_marks();
                performance.clear_measures();
            }
        });
    }
    let mut rooms = state.joined.get_untracked();
    rooms.extend(joined);
    left.iter().for_each(|room| {
        rooms.remove(room);
    });
    // Most batches change no membership: only notify when one did.
    if state.joined.with_untracked(|current| *current != rooms) {
        state.joined.set(rooms);
    }
    let client = engine.client();
    let missing = state.inbox.with_untracked(|i| i.missing_roots());
    if !missing.is_empty() {
        let roots = sync::fetch_roots(client, &missing).await;
        state.inbox.update(|inbox| inbox.apply(roots));
    }
    // A role given by an admin arrives as an invite: take it and join what it allows.
    if !invited.is_empty() {
        let clinic = state.session.with_untracked(|s| s.as_ref().map(|s| s.clinic.clone()));
        if let Some(clinic) = clinic {
            if let Ok((rooms, _)) = provision::accept_roles(client, &clinic, &invited).await {
                state.joined.set(rooms);
            }
        }
    }
}
