//! A session running in this tab, as the page shows it: its changes become the page's triggers.

use super::routes;
use super::state::{AppState, Kind, Phase};
use crate::session::browser::AppTab;
use crate::session::Change;
use leptos::prelude::*;
use std::rc::Rc;

/// Shows `tab`'s session and runs it: the kept inbox and queue paint at once, then syncing and
/// sending begin. `problem` says what the device cannot keep, if anything.
pub fn begin(state: AppState, tab: Rc<AppTab>, problem: Option<String>) {
    state.set_tab(Some(tab.clone()));
    state.store_problem.set(problem);
    state.notice.set(None);
    state.status.set(tab.session().sync().status());
    tab.host().on_open(|key| routes::go(&routes::thread_path(key), false));
    let shown = Rc::downgrade(&tab);
    tab.session().listen(move |change| {
        // A session that was ended and replaced may still be finishing a request.
        let current = state.tab().is_some_and(|t| Rc::downgrade(&t).ptr_eq(&shown));
        if current {
            show(state, change);
        }
    });
    state.phase.set(Phase::SignedIn);
    // Notifications while Rounds is closed (when allowed and the portal has a push gateway).
    super::push::start(state);
    leptos::task::spawn_local(tab.run());
}

fn show(state: AppState, change: &Change) {
    match change {
        Change::Started => {}
        Change::Threads(touched) => {
            state.threads_changed(touched);
            measure_to_paint();
        }
        Change::Typing => state.changed(Kind::Typing),
        Change::Availability => state.changed(Kind::Availability),
        Change::Status => {
            if let Some(session) = state.session() {
                state.status.set(session.sync().status());
            }
        }
        Change::Membership => {
            state.changed(Kind::Membership);
            if let Some(session) = state.session() {
                crate::session::browser::push::share_categories(&session);
            }
        }
        Change::Outbox { .. } => {
            state.changed(Kind::Outbox);
            forget_finished_uploads(state);
        }
        Change::Drafts => state.changed(Kind::Drafts),
        Change::Ehr => state.changed(Kind::Ehr),
        Change::Arrived(_) => {}
        Change::Confirmed { key, event } => routes::follow_confirmation(key, event),
        Change::Upload { txn_id, sent, total } => state.uploads.update(|u| {
            u.insert(txn_id.clone(), (*sent, *total));
        }),
        Change::Ended { notice, leaving } => {
            state.set_tab(None);
            state.uploads.set(Default::default());
            state.notice.set(notice.clone());
            // On the way to the clinic's sign-in service: no sign-in form until the page is back.
            state
                .phase
                .set(if *leaving { Phase::SigningOut } else { Phase::SignedOut });
        }
        Change::Problem(problem) => state.store_problem.set(Some(problem.clone())),
    }
}

/// Drops the progress of uploads whose items left the outbox (sent, cancelled, deleted).
fn forget_finished_uploads(state: AppState) {
    let Some(session) = state.session() else { return };
    let queued: std::collections::BTreeSet<String> = session.sending().queued().into_iter().collect();
    if state
        .uploads
        .with_untracked(|u| u.keys().any(|txn| !queued.contains(txn)))
    {
        state.uploads.update(|u| u.retain(|txn, _| queued.contains(txn)));
    }
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
