//! Running a session in this tab: its changes become the page's triggers, its loops run on the
//! browser's event loop, this person's other tabs are heard, and it ends in one place.

use super::state::{AppState, Phase};
use super::{drafts, idle, notify, routes};
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
    let tabs = {
        let foreign = foreign_outbox.clone();
        Rc::new(Tabs::join(move |message| match message {
            TabMessage::Outbox => {
                foreign.set(true);
                if let Some(session) = state.session() {
                    spawn_local(async move { session.reload_outbox().await });
                }
            }
            TabMessage::SignedOut => spawn_local(end(
                state,
                Ending::ElsewhereSignedOut,
                Some("You signed out in another tab.".into()),
            )),
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
    spawn_local(async move {
        session.start().await;
        send();
        drafts::load_markers(state).await;
        session.run().await;
        // The loop ended: drop what belongs to this session.
        drop(tabs);
        window_events.into_iter().for_each(|h| h.remove());
    });
    idle::watch(state, generation);
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
        Change::Inbox => state.inbox_changed(),
        Change::Typing => state.typing_changed(),
        Change::Status => {
            if let Some(session) = state.session() {
                state.status.set(session.status());
            }
        }
        Change::Membership => state.membership_changed(),
        Change::Outbox { here } => {
            state.outbox_changed();
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
    }
}

/// Ends the session as `ending` says and shows sign-in with `notice`.
pub async fn end(state: AppState, ending: Ending, notice: Option<String>) {
    state.generation.update(|g| *g += 1);
    let Some(bound) = state.unbind() else { return };
    notify::forget_person();
    if ending == Ending::SignOut {
        // The other tabs stop (and close their connection to the database being deleted).
        Tabs::join(|_| {}).tell(TabMessage::SignedOut);
    }
    if let Err(e) = browser::end(&bound, ending).await {
        state.store_problem.set(Some(e.to_string()));
    }
    state.drafts.set(Default::default());
    state.inbox_changed();
    state.notice.set(notice);
    state.phase.set(Phase::SignedOut);
}
