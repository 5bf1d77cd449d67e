//! The root: load the configuration, then sign-in or the signed-in shell.

use super::config::{self, AppConfig};
use super::shell::Shell;
use super::signin::SignIn;
use super::state::AppState;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
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
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&config.clinic_name);
    }
    AppState::provide(config);
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="boot">"Page not found."</p> }>
                <Route path=path!("/") view=move || view! { <Gate/> }/>
            </Routes>
        </Router>
    }
}

/// Sign-in until there is a session, then the shell.
#[component]
fn Gate() -> impl IntoView {
    let state = AppState::get();
    move || {
        if state.staff.with(Option::is_some) {
            view! { <Shell/> }.into_any()
        } else {
            view! { <SignIn/> }.into_any()
        }
    }
}
