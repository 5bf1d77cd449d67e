//! Running a session in this tab: its changes become the page's triggers, its loops run on the
//! browser's event loop, this person's other tabs are heard, and it ends in one place.

use super::state::{AppState, Phase};
use super::{blobs, drafts, idle, notify, push, routes};
use crate::session::browser::{self, Bound, Ending, Problem, TabMessage, Tabs};
use crate::session::Change;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// How often the inbox is kept on the device while it changes.
const KEEP_EVERY: Duration = Duration::from_secs(3);

/// Makes `bound` this tab's session and starts it: the kept inbox and queue paint at once, then
/// syncing and sending begin.
pub fn begin(state: AppState, bound: Bound, problem: Problem) {
    let generation = state.generation.get_untracked() + 1;
    state.generation.set(generation);
    let session = bound.session.clone();
    state.bind(bound);
    state.store_problem.set(problem);
    state.notice.set(None);
    state.status.set(session.status());
    state.drafts.set(Default::default());

    // Another tab changed the queue since this one last read it.
    let foreign_outbox = Rc::new(Cell::new(false));
    let idle_clock: Rc<std::cell::RefCell<Option<idle::Idle>>> = Rc::default();
    let tabs = {
        let (foreign, idle_clock) = (foreign_outbox.clone(), idle_clock.clone());
        Rc::new(Tabs::join(move |message| match message {
            TabMessage::Outbox => {
                foreign.set(true);
                if let Some(session) = state.session() {
                    spawn_local(async move { session.reload_outbox().await });
                }
            }
            TabMessage::SignedOut => spawn_local(end(
                state,
                Ending::Elsewhere,
                Some("You signed out in another tab.".into()),
            )),
            TabMessage::LoggedOff => spawn_local(end(
                state,
                Ending::Elsewhere,
                Some("You were signed out after a while without activity. Your drafts are saved.".into()),
            )),
            TabMessage::Activity => {
                if let Some(idle) = idle_clock.borrow().as_ref() {
                    idle.heard();
                }
            }
        }))
    };
    let send = {
        let foreign = foreign_outbox.clone();
        move || send_queued(state, foreign.clone())
    };
    {
        let (tabs, send) = (tabs.clone(), send.clone());
        session.listen(move |change| {
            // A session that was ended may still be finishing a request: not the page's business.
            if state.generation.get_untracked() == generation {
                on_change(state, change, &tabs, &send);
            }
        });
    }

    let window_events = vec![
        window_event_listener(leptos::ev::online, {
            let send = send.clone();
            move |_| {
                if let Some(session) = state.session() {
                    session.wake();
                }
                send();
            }
        }),
        window_event_listener(leptos::ev::offline, move |_| {
            if let Some(session) = state.session() {
                session.went_offline();
            }
        }),
        // Closing or hiding the page keeps the newest inbox for the next start.
        window_event_listener(leptos::ev::pagehide, move |_| persist(state)),
        window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !state.active.get_untracked() {
                persist(state);
            }
        }),
    ];

    state.phase.set(Phase::SignedIn);
    // The inbox is kept on the device every few seconds while it changes (a save is skipped when
    // nothing changed), so a crash or a dead battery loses at most that much of what was read.
    spawn_local(async move {
        while state.generation.get_untracked() == generation {
            gloo_timers::future::sleep(KEEP_EVERY).await;
            if let Some(session) = state
                .session()
                .filter(|_| state.generation.get_untracked() == generation)
            {
                session.persist().await;
            }
        }
    });
    {
        let tabs = tabs.clone();
        // Activity here keeps every tab's session alive, and the kept one reopenable.
        let idle = idle::watch(state, generation, move || {
            tabs.tell(TabMessage::Activity);
            if let Some(bound) = state.bound() {
                spawn_local(async move { browser::touch(&bound, js_sys::Date::now() as u64).await });
            }
        });
        *idle_clock.borrow_mut() = Some(idle);
    }
    // A kept EHR authorization is renewed on the first request that needs it.
    if let (Some(ehr), Some(bound)) = (state.ehr(), state.bound()) {
        spawn_local(async move {
            browser::ehr_restore(&ehr, &bound).await;
            state.ehr_changed();
        });
    }
    // Notifications while Rounds is closed (when allowed and the portal has a push gateway).
    push::start(state);
    spawn_local(async move {
        session.start().await;
        send();
        drafts::load_markers(state).await;
        session.run().await;
        // The loop ended: drop what belongs to this session.
        drop(tabs);
        drop(idle_clock);
        window_events.into_iter().for_each(|h| h.remove());
    });
}

/// Sends the browser to connect Rounds to the EHR, coming back to `return_to`. `silent` right
/// after single sign-on (no second password); otherwise the person asked for it.
pub fn connect_ehr(state: AppState, return_to: String, silent: bool) {
    let (Some(link), Some(bound)) = (state.ehr_link(), state.bound()) else {
        return;
    };
    spawn_local(async move {
        match browser::ehr_connect(&link, &bound, &return_to, silent).await {
            Ok(url) => {
                // The inbox is kept first: the page is left for a moment.
                bound.session.persist().await;
                if let Some(window) = web_sys::window() {
                    let _ = window.location().assign(&url);
                }
            }
            Err(e) => state.ehr_problem.set(Some(e.to_string())),
        }
    });
}

/// Right after single sign-on: sends the browser for the person's EHR authorization before the
/// inbox shows (silently: the provider has just signed them in). The error says why it could not.
pub async fn connect_ehr_first(state: AppState, bound: Bound) -> Result<(), String> {
    let link = state.ehr_link().ok_or("this portal has no EHR")?;
    let url = browser::ehr_connect(&link, &bound, "/", true)
        .await
        .map_err(|e| e.to_string())?;
    // The session is kept already; the page comes back to /auth/ehr and continues it.
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(&url);
    }
    Ok(())
}

/// Completes the EHR authorization the browser came back with (`/auth/ehr?…`).
pub fn complete_ehr(state: AppState, query: String) {
    let (Some(link), Some(bound), Some(ehr)) = (state.ehr_link(), state.bound(), state.ehr()) else {
        routes::go("/", true);
        return;
    };
    spawn_local(async move {
        // The code in the address bar is used once and dropped from the history.
        routes::go("/", true);
        match browser::ehr_complete(&link, &bound, &ehr, &query).await {
            Ok(back) => {
                state.ehr_problem.set(None);
                routes::go(&back, true);
            }
            Err(e) => state.ehr_problem.set(Some(e.to_string())),
        }
        state.ehr_changed();
    });
}

/// Idle logoff here: every tab of the person signs out, drafts kept.
pub async fn log_off(state: AppState, notice: String) {
    Tabs::join(|_| {}).tell(TabMessage::LoggedOff);
    end(state, Ending::KeepDrafts, Some(notice)).await;
}

fn persist(state: AppState) {
    if let Some(session) = state.session() {
        spawn_local(async move { session.persist().await });
    }
}

/// Sends the queue from this tab once it holds the outbox lock (one tab at a time).
fn send_queued(state: AppState, foreign: Rc<Cell<bool>>) {
    let Some(session) = state.session() else { return };
    let lock = format!("rounds-outbox {}", session.me());
    spawn_local(browser::with_lock(lock, async move {
        // What another tab sent or queued meanwhile is read first, so nothing goes twice.
        if foreign.replace(false) {
            session.reload_outbox().await;
        }
        session.send_queued().await;
    }));
}

fn on_change(state: AppState, change: &Change, tabs: &Tabs, send: &impl Fn()) {
    match change {
        Change::Inbox => {
            state.inbox_changed();
            measure_to_paint();
        }
        Change::Typing => state.typing_changed(),
        Change::Availability => {
            state.availability_changed();
            notify::availability_changed(state);
        }
        Change::Status => {
            if let Some(session) = state.session() {
                state.status.set(session.status());
            }
        }
        Change::Membership => {
            state.membership_changed();
            push::share_categories(state);
        }
        Change::Outbox { here } => {
            state.outbox_changed();
            forget_finished_uploads(state);
            if *here {
                tabs.tell(TabMessage::Outbox);
                send();
            }
        }
        Change::Arrived(threads) => notify::announce(state, threads),
        Change::Rekeyed { room, from, to } => routes::follow_rekey(room, from, to),
        Change::Ended => spawn_local(end(
            state,
            Ending::KeepDrafts,
            Some("Your session has ended. Please sign in again; your drafts are kept.".into()),
        )),
        Change::Problem(problem) => state.store_problem.set(Some(problem.clone())),
        Change::Upload { txn_id, sent, total } => state.uploads.update(|u| {
            u.insert(txn_id.clone(), (*sent, *total));
        }),
    }
}

/// Drops the progress of uploads whose items left the outbox (sent, cancelled, deleted).
fn forget_finished_uploads(state: AppState) {
    let Some(session) = state.session() else { return };
    let queued: std::collections::BTreeSet<String> = session.outbox().into_iter().map(|i| i.txn_id).collect();
    if state
        .uploads
        .with_untracked(|u| u.keys().any(|txn| !queued.contains(txn)))
    {
        state.uploads.update(|u| u.retain(|txn, _| queued.contains(txn)));
    }
}

/// Ends the session as `ending` says and shows sign-in with `notice`.
pub async fn end(state: AppState, ending: Ending, notice: Option<String>) {
    state.generation.update(|g| *g += 1);
    let Some(bound) = state.unbind() else { return };
    notify::forget_person();
    push::stopped();
    if ending == Ending::SignOut {
        // The other tabs stop (and close their connection to the database being deleted).
        Tabs::join(|_| {}).tell(TabMessage::SignedOut);
    }
    if let Err(e) = browser::end(&bound, ending).await {
        state.store_problem.set(Some(e.to_string()));
    }
    state.drafts.set(Default::default());
    state.uploads.set(Default::default());
    // Files shown in the session are freed with it.
    blobs::revoke_all();
    state.inbox_changed();
    state.notice.set(notice);
    state.phase.set(Phase::SignedOut);
}

/// The client's own share of the latency: the sync batch in hand (the session's mark) → the next
/// frame painted, as the User Timing measure `rounds:sync-to-paint` (read by `bench/`).
fn measure_to_paint() {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    if performance.get_entries_by_name(crate::session::SYNC_RECEIVED).length() == 0 {
        return;
    }
    request_animation_frame(move || {
        let _ = performance.mark("rounds:painted");
        let _ = performance.measure_with_start_mark_and_end_mark(
            "rounds:sync-to-paint",
            crate::session::SYNC_RECEIVED,
            "rounds:painted",
        );
        // Entries would pile up for the whole session; a PerformanceObserver (the benchmark's)
        // has already seen the measure.
        performance.clear_marks();
        performance.clear_measures();
    });
}
