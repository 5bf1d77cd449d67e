//! The signed-in frame: the top bar, the banners, and the workspace (inbox and thread panes, or
//! a page such as Staff).

use super::banners::Banners;
use super::inbox::InboxPane;
use super::new_thread::NewThreadDialog;
use super::routes::thread_in_path;
use super::signin::SignIn;
use super::state::{AppState, Phase};
use super::topbar::TopBar;
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;
use wasm_bindgen::{JsCast, JsValue};

/// Sign-in until there is a session, then the frame around the routed page.
#[component]
pub fn Shell() -> impl IntoView {
    let state = AppState::get();
    move || match state.phase.get() {
        Phase::Restoring => view! { <p class="boot" role="status">"Loading…"</p> }.into_any(),
        Phase::SigningOut => view! { <p class="boot" role="status">"Signing out…"</p> }.into_any(),
        Phase::SignedIn => view! { <Frame/> }.into_any(),
        Phase::SignedOut => view! { <SignIn/> }.into_any(),
    }
}

#[component]
fn Frame() -> impl IntoView {
    let state = AppState::get();
    let location = use_location();
    // The thread open, as the inbox keeps it.
    let selected = Memo::new(move |_| {
        location
            .pathname
            .with(|p| thread_in_path(p))
            .map(|key| state.resolve(key))
    });
    let selected = Signal::from(selected);
    // A memo, so that moving between threads does not rebuild the inbox pane.
    let on_page = Memo::new(move |_| {
        location
            .pathname
            .with(|p| p.starts_with("/staff") || p.starts_with("/schedule"))
    });
    let new_thread = RwSignal::new(false);
    view! {
        <div class="app">
            <TopBar new_thread=new_thread/>
            <Banners/>
            {move || if on_page.get() {
                view! { <main class="page"><Outlet/></main> }.into_any()
            } else {
                view! {
                    <main class="workspace" class:has-thread=move || selected.with(Option::is_some)>
                        <InboxPane selected=selected/>
                        <section class="thread-pane" aria-label="Thread"><Outlet/></section>
                    </main>
                }.into_any()
            }}
            <NewThreadDialog open=new_thread/>
        </div>
    }
}

/// The thread pane when no thread is open.
#[component]
pub fn NoThread() -> impl IntoView {
    view! {
        <div class="no-thread">
            <p>"Choose a thread, or start a new one."</p>
        </div>
    }
}

/// Keeps the tab title and the app badge in step with the unread count.
pub fn track_unread(state: AppState) {
    let total = Memo::new(move |_| state.inbox(|i| i.total_unread()).unwrap_or(0));
    Effect::new(move |_| {
        let n = total.get();
        let name = state.config.with_value(|c| c.clinic_name.clone());
        let Some(window) = web_sys::window() else { return };
        if let Some(document) = window.document() {
            document.set_title(&if n > 0 { format!("({n}) {name}") } else { name });
        }
        // The Badging API is not everywhere (and not in web-sys): call it when present.
        let navigator = window.navigator();
        let method = if n > 0 { "setAppBadge" } else { "clearAppBadge" };
        if let Ok(f) = js_sys::Reflect::get(&navigator, &method.into()) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call1(&navigator, &JsValue::from(n as f64));
            }
        }
    });
}
