//! The root: load the configuration, then the routed app.

use super::config::{self, AppConfig};
use super::schedule::SchedulePage;
use super::shell::{NoThread, Shell};
use super::staff::StaffPage;
use super::state::{AppState, Phase};
use super::thread_view::ThreadView;
use super::{live, routes};
use crate::session::browser::{self, Restored};
use crate::store::StoreNotice;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;

/// Loads `config.json` and shows the app, or a clear error page if it is missing or broken.
#[component]
pub fn Root() -> impl IntoView {
    let config = LocalResource::new(config::load);
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
    leptos::task::spawn_local(restore(state));
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
    super::notify::track_unread(state);
    super::availability::follow_schedule(state);
    super::push::follow_worker();
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="boot">"Page not found."</p> }>
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

/// At start-up: continues the session this device kept (painting its kept inbox before any
/// network answer), or shows sign-in. Another tab holding the database is explained, not waited
/// for in silence.
async fn restore(state: AppState) {
    resume(state).await;
    // Signed in without it, the early sign-in form (hidden) goes; the sign-in page takes it over.
    if state.phase.get_untracked() != Phase::SignedOut {
        drop(super::early::take());
    }
}

/// Completes a return from single sign-on or the EHR, or continues the kept session.
async fn resume(state: AppState) {
    let (labels, prefix, idle) = state.config.with_value(|c| (c.labels(), c.clinic.clone(), c.idle_ms()));
    let location = web_sys::window().map(|w| w.location());
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let query = location.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let notice = move |n| store_notice(state, n);
    // Back from single sign-on: the login token is used once and dropped from the address bar.
    if path == routes::SSO_RETURN {
        routes::go("/", true);
        match browser::sso_complete(&query, &prefix, labels, notice).await {
            // Right after signing in, the EHR authorization needs no second password: it is
            // asked for before the inbox shows (the page leaves for a moment and comes back).
            Ok((bound, problem)) if state.ehr_link().is_some() => {
                if let Err(e) = live::connect_ehr_first(state, bound.clone()).await {
                    state.ehr_problem.set(Some(e));
                    live::begin(state, bound, problem);
                }
            }
            Ok((bound, problem)) => live::begin(state, bound, problem),
            Err(e) => {
                state.sign_in_problem.set(Some(e.to_string()));
                state.phase.set(Phase::SignedOut);
            }
        }
        return;
    }
    match browser::restore(labels, idle, notice).await {
        Ok(Restored::Session(bound, problem)) => {
            live::begin(state, bound, problem);
            if path == routes::EHR_RETURN {
                live::complete_ehr(state, query);
            }
        }
        Ok(Restored::IdleTooLong) => {
            state.notice.set(Some(
                "You were signed out because Rounds was not used for a while. Your drafts are saved.".into(),
            ));
            state.phase.set(Phase::SignedOut);
        }
        Ok(Restored::Nobody) => state.phase.set(Phase::SignedOut),
        Err(e) => {
            state.store_problem.set(Some(e.to_string()));
            state.phase.set(Phase::SignedOut);
        }
    }
    if path.starts_with("/auth/") && state.phase.get_untracked() == Phase::SignedOut {
        routes::go("/", true);
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

/// `/e/<room>/<event>` (where a push notification leads): the thread of that message.
#[component]
fn EventRoute() -> impl IntoView {
    let params = use_params_map();
    let state = AppState::get();
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let decode = |s: String| routes::decode(&s).unwrap_or(s);
        let (room, event) = params.with(|p| (p.get("room").unwrap_or_default(), p.get("event").unwrap_or_default()));
        let (room, event) = (decode(room), decode(event));
        let Some(session) = state.session() else { return };
        leptos::task::spawn_local(async move {
            match session.thread_of(&room, &event).await {
                Ok(root) => routes::go(&routes::thread_path(&room, &root), true),
                Err(e) => problem.set(Some(format!("This message could not be opened ({e})."))),
            }
        });
    });
    move || match problem.get() {
        Some(p) => view! { <div class="no-thread"><p role="alert">{p}</p></div> }.into_any(),
        None => view! { <div class="no-thread"><p>"Opening the thread…"</p></div> }.into_any(),
    }
}

/// `/t/<room>/<root>`: a fresh thread view for every thread opened.
#[component]
fn ThreadRoute() -> impl IntoView {
    let params = use_params_map();
    let decode = |s: String| routes::decode(&s).unwrap_or(s);
    move || {
        let (room, root) = params.with(|p| (p.get("room").unwrap_or_default(), p.get("root").unwrap_or_default()));
        view! { <ThreadView room=decode(room) root=decode(root)/> }
    }
}
