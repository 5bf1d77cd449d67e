//! Starting and ending a session, and the sync loop that keeps the inbox live.

use super::state::{AppState, MatrixClient, Session};
use super::{idle, notify, outbox, wait::wait};
use crate::api::BrowserTransport;
use crate::domain::{Inbox, Incoming};
use crate::provision::{self, Clinic, Membership};
use crate::store::{SavedSession, Store};
use crate::sync::{Backoff, Batch, RootFetcher, SyncEngine, SyncStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use std::time::Duration;

/// How long the server may hold a sync open.
const LONG_POLL: Duration = Duration::from_secs(30);

/// After a password sign-in: opens the user's encrypted store, keeps the session there for
/// reloads, and starts. A store that cannot be opened is reported, not fatal.
pub async fn signed_in(state: AppState, client: MatrixClient, membership: Membership) {
    let store = match Store::open(&client.session().map(|s| s.user_id.clone()).unwrap_or_default()).await {
        Ok(store) => {
            if let Some(saved) = saved_session(&client, &membership) {
                if let Err(e) = store.save_session(&saved).await {
                    state.store_problem.set(Some(e.to_string()));
                }
            }
            Some(Rc::new(store))
        }
        Err(e) => {
            state.store_problem.set(Some(e.to_string()));
            None
        }
    };
    begin(state, client, membership, store);
}

fn saved_session(client: &MatrixClient, membership: &Membership) -> Option<SavedSession> {
    let session = client.session()?;
    Some(SavedSession {
        homeserver: client.homeserver().to_owned(),
        user_id: session.user_id.clone(),
        access_token: session.access_token.clone(),
        device_id: session.device_id.clone(),
        clinic_space: membership.clinic.space.clone(),
        policy: membership.clinic.policy.clone(),
        joined: membership.joined.iter().cloned().collect(),
        display_name: membership.display_name.clone(),
    })
}

/// At start-up: continues the session kept in the encrypted store, even offline. Returns
/// whether there was one.
pub async fn restore(state: AppState) -> bool {
    match Store::restore().await {
        Ok(Some((store, saved))) => {
            let client =
                MatrixClient::new(BrowserTransport::default(), &saved.homeserver).with_session(crate::api::Session {
                    user_id: saved.user_id,
                    access_token: saved.access_token,
                    device_id: saved.device_id,
                });
            let membership = Membership {
                clinic: Clinic {
                    space: saved.clinic_space,
                    policy: saved.policy,
                },
                joined: saved.joined.into_iter().collect(),
                display_name: saved.display_name,
            };
            begin(state, client, membership, Some(Rc::new(store)));
            true
        }
        Ok(None) => false,
        Err(e) => {
            state.store_problem.set(Some(e.to_string()));
            false
        }
    }
}

/// Makes a signed-in client the session and starts syncing, sending and the idle watch.
fn begin(state: AppState, client: MatrixClient, mut membership: Membership, store: Option<Rc<Store>>) {
    state.config.with_value(|c| c.relabel(&mut membership.clinic.policy));
    let me = client.session().map(|s| s.user_id.clone()).unwrap_or_default();
    state.inbox.set(Inbox::new(&me));
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
    state.store.set_value(store);
    state.session.set(Some(Session {
        client,
        clinic: membership.clinic,
        display_name: membership.display_name,
    }));
    spawn_local(run(state, engine, generation));
    spawn_local(outbox::resume(state));
    spawn_local(super::drafts::load_markers(state));
    idle::watch(state, generation);
}

/// How a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `Sign out`: every local database, key and cache of the app is deleted.
    SignOut,
    /// Idle logoff or an expired token: the saved session is forgotten, drafts and unsent
    /// messages stay encrypted for the same person's next sign-in.
    KeepDrafts,
}

/// Ends the session: tells the server (best effort), clears the local data as `ending` says
/// and everything in memory, and shows sign-in with `notice`.
pub async fn end(state: AppState, ending: Ending, notice: Option<String>) {
    state.generation.update(|g| *g += 1);
    if let Some(mut client) = state.client() {
        // The local session ends even if the server cannot be told (offline, token gone).
        let _ = client.logout().await;
    }
    if let Some(store) = state.store.try_update_value(Option::take).flatten() {
        let result = match ending {
            Ending::SignOut => store.wipe().await,
            Ending::KeepDrafts => store.forget_session().await.map(|_| store.close()),
        };
        if let Err(e) = result {
            state.store_problem.set(Some(e.to_string()));
        }
    }
    notify::forget_person();
    state.session.set(None);
    state.inbox.set(Inbox::default());
    state.outbox.set(Vec::new());
    state.drafts.set(Default::default());
    state.notice.set(notice);
}

/// One notification per thread with news worth it (urgent, or one the person takes part in).
fn announce(state: AppState, me: &str, mut fresh: Vec<(String, String)>) {
    fresh.dedup();
    for (room, root) in fresh {
        let category = state
            .session
            .with_untracked(|s| {
                s.as_ref()
                    .and_then(|s| s.clinic.policy.category_by_room(&room).map(|c| c.label.clone()))
            })
            .unwrap_or_else(|| "Rounds".into());
        state.inbox.with_untracked(|inbox| {
            if let Some(thread) = inbox.thread(&room, &root).filter(|t| notify::worth_notifying(t, me)) {
                notify::show(thread, &category);
            }
        });
    }
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
    let mut roots = RootFetcher::default();
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
                apply(state, &engine, &mut roots, batch).await;
                state.status.set(SyncStatus::Live);
            }
            Err(e) if e.is_unknown_token() => {
                let notice = "Your session has ended. Please sign in again; your drafts are kept.";
                end(state, Ending::KeepDrafts, Some(notice.into())).await;
                break;
            }
            Err(e) => {
                let delay = backoff.delay_for(e.retry_after_ms(), js_sys::Math::random());
                state.status.set(if e.status() == Some(429) {
                    SyncStatus::Throttled { retry_in_ms: delay }
                } else {
                    SyncStatus::Offline { retry_in_ms: delay }
                });
                wait(state, delay).await;
            }
        }
    }
}

async fn apply(
    state: AppState,
    engine: &SyncEngine<crate::api::BrowserTransport>,
    roots: &mut RootFetcher,
    batch: Batch,
) {
    let Batch {
        incoming,
        joined,
        left,
        invited,
        policy,
    } = batch;
    if let Some(mut policy) = policy {
        state.config.with_value(|c| c.relabel(&mut policy));
        state.set_policy(policy);
    }
    let has_news = !incoming.is_empty();
    // New messages from others, for notifications (none for the first sync's history).
    let me = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.me()))
        .unwrap_or_default();
    let fresh: Vec<(String, String)> = if engine.has_synced() && !state.active.get_untracked() && notify::allowed() {
        state.inbox.with_untracked(|inbox| {
            incoming
                .iter()
                .filter_map(|item| match item {
                    Incoming::Root { room_id, message, .. } => {
                        Some((room_id, &message.id, &message.id, &message.sender))
                    }
                    Incoming::InThread {
                        room_id,
                        root_id,
                        message,
                    } => Some((room_id, root_id, &message.id, &message.sender)),
                    _ => None,
                })
                .filter(|(_, _, id, sender)| **sender != me && !inbox.knows(id))
                .map(|(room, root, _, _)| (room.clone(), root.clone()))
                .collect()
        })
    } else {
        Vec::new()
    };
    if has_news {
        mark("rounds:sync-received");
    }
    state.inbox.update(|inbox| inbox.apply(incoming));
    if has_news {
        outbox::echo_queued(state);
    }
    announce(state, &me, fresh);
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
        let found = roots.fetch(client, &missing, js_sys::Date::now() as u64).await;
        if !found.is_empty() {
            state.inbox.update(|inbox| inbox.apply(found));
        }
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
