//! The root: load the configuration, then the routed app.

use super::config::{self, AppConfig};
use super::schedule::SchedulePage;
use super::shell::{NoThread, Shell};
use super::staff::StaffPage;
use super::state::{AppState, Phase};
use super::thread_view::ThreadView;
use super::{live, routes};
use crate::session::browser;
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
        Some(Err(problem)) => view! { <ConfigError problem=problem/> }.into_any(),
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
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="boot">"Page not found."</p> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=NoThread/>
                    <Route path=path!("t/:room/:root") view=ThreadRoute/>
                    <Route path=path!("staff") view=StaffPage/>
                    <Route path=path!("schedule") view=SchedulePage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// At start-up: continues the session this device kept (painting its kept inbox before any
/// network answer), or shows sign-in. Another tab holding the database is explained, not waited
/// for in silence.
async fn restore(state: AppState) {
    let labels = state.config.with_value(|c| c.labels());
    match browser::restore(labels, move |notice| store_notice(state, notice)).await {
        Ok(Some((bound, problem))) => live::begin(state, bound, problem),
        Ok(None) => state.phase.set(Phase::SignedOut),
        Err(e) => {
            state.store_problem.set(Some(e.to_string()));
            state.phase.set(Phase::SignedOut);
        }
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
