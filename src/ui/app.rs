//! The root: load the configuration, then the routed app.

use super::config::{self, AppConfig};
use super::schedule::SchedulePage;
use super::shell::{NoThread, Shell};
use super::staff::StaffPage;
use super::state::{AppState, Phase};
use super::tasks::{action, resource};
use super::thread_view::ThreadView;
use super::{live, routes};
use crate::domain::ThreadKey;
use crate::session::browser::StoreNotice;
use crate::session::browser::{self, Startup};
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;

/// Loads `config.json` and shows the app, or a clear error page if it is missing or broken.
#[component]
pub fn Root() -> impl IntoView {
    let config = resource(config::load);
    move || match config.get() {
        None => view! { <p class="boot" role="status">"Loading…"</p> }.into_any(),
        Some(Ok(config)) => view! { <App config=config/> }.into_any(),
        Some(Err(problem)) => {
            // The early sign-in form cannot work with a broken config either.
            drop(super::early::take());
            view! { <ConfigError problem=problem/> }.into_any()
        }
    }
}

#[component]
fn ConfigError(problem: String) -> impl IntoView {
    view! {
        <main class="fatal">
            <h1>"This portal is not set up correctly"</h1>
            <p role="alert">{problem}</p>
            <p>"Please tell your clinic's IT contact. Nothing you typed has been lost."</p>
        </main>
    }
}

#[component]
fn App(config: AppConfig) -> impl IntoView {
    config.apply();
    AppState::provide(config);
    let state = AppState::get();
    // Continues the session this device kept (painting its kept inbox before any network
    // answer), completes a return from single sign-on or the EHR, or shows sign-in.
    let startup = action(move |(): &()| {
        let portal = state.config.with_value(AppConfig::portal);
        let location = web_sys::window().map(|w| w.location());
        let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
        let query = location.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
        async move {
            // The code or token in the address bar is used once and dropped from the history.
            if path.starts_with("/auth/") {
                routes::go("/", true);
            }
            let started = browser::start(&portal, &path, &query, move |n| store_notice(state, n)).await;
            started_as(state, started);
        }
    });
    startup.dispatch_local(());
    // boot.js announces a waiting new version of the app (and marks the page, in case it did so
    // before this listener existed).
    let update = window_event_listener_untyped("rounds-update-available", move |_| state.update_available.set(true));
    let marked = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .is_some_and(|root| root.has_attribute("data-update-available"));
    if marked {
        state.update_available.set(true);
    }
    on_cleanup(move || update.remove());
    super::shell::track_unread(state);
    super::availability::follow_schedule(state);
    super::push::follow_worker();
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="boot">"Page not found." " " <a href="/">"Back to the inbox"</a></p> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=NoThread/>
                    <Route path=path!("t/:room/:root") view=ThreadRoute/>
                    <Route path=path!("e/:room/:event") view=EventRoute/>
                    <Route path=path!("staff") view=StaffPage/>
                    <Route path=path!("schedule") view=SchedulePage/>
                    // Where single sign-on and the EHR authorization come back (handled at start).
                    <Route path=path!("auth/:step") view=NoThread/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Shows what the start-up came to.
fn started_as(state: AppState, started: Startup) {
    match started {
        Startup::SignedOut { notice, problem } => {
            state.notice.set(notice);
            state.sign_in_problem.set(problem);
            state.phase.set(Phase::SignedOut);
        }
        Startup::Running { tab, problem, ehr } => {
            live::begin(state, tab, problem);
            match ehr {
                Some(Ok(back)) => routes::go(&back, true),
                Some(Err(problem)) => state.ehr_problem.set(Some(problem.to_string())),
                None => {}
            }
        }
        Startup::Leaving => return,
    }
    // Signed in without it, the early sign-in form (hidden) goes; the sign-in page takes it over.
    if state.phase.get_untracked() != Phase::SignedOut {
        drop(super::early::take());
    }
}

/// What another tab did to this tab's database, in words.
pub fn store_notice(state: AppState, notice: StoreNotice) {
    state.store_problem.set(Some(
        match notice {
            StoreNotice::Blocked => {
                "Another Rounds tab is still open with an older version: close it (or reload it) to continue."
            }
            StoreNotice::ClosedForOtherTab => {
                "Rounds was updated or signed out in another tab: reload this tab to continue saving your work."
            }
        }
        .to_owned(),
    ));
}

/// The `(room, id)` route parameters, decoded.
fn route_ids(first: &'static str, second: &'static str) -> Memo<Option<(String, String)>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params.with(|p| {
            let decode = |s: String| routes::decode(&s).unwrap_or(s);
            Some((decode(p.get(first)?), decode(p.get(second)?)))
        })
    })
}

/// `/e/<room>/<event>` (where a push notification leads): the thread of that message.
#[component]
fn EventRoute() -> impl IntoView {
    let state = AppState::get();
    let ids = route_ids("room", "event");
    let found = resource(move || {
        let (ids, session) = (ids.get(), state.session());
        async move {
            let (room, event) = ids?;
            Some(session?.push().thread_of(&room, &event).await)
        }
    });
    Effect::new(move |_| {
        if let Some(Some(Ok(key))) = found.get() {
            routes::go(&routes::thread_path(&key), true);
        }
    });
    move || match found.get().flatten() {
        Some(Err(e)) => view! {
            <div class="no-thread">
                <p role="alert">{format!("This message could not be opened: {e}.")}</p>
                <a href="/">"Back to the inbox"</a>
            </div>
        }
        .into_any(),
        _ => view! { <div class="no-thread"><p>"Opening the thread…"</p></div> }.into_any(),
    }
}

/// `/t/<room>/<thread>`: the thread's view, made once per thread. The key is resolved, so a
/// thread started here is the same thread (and the same view, composer and draft) whether the
/// address names its transaction id or, once the homeserver has it, its event id.
#[component]
fn ThreadRoute() -> impl IntoView {
    let state = AppState::get();
    let ids = route_ids("room", "root");
    let key = Memo::new(move |_| ids.get().map(|(room, id)| state.resolve(ThreadKey::new(room, id))));
    move || key.get().map(|key| view! { <ThreadView key=key/> })
}
