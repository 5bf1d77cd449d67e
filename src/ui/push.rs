//! Notifications while Rounds is closed: turned on with the person's permission when the portal
//! has a push gateway; then the service worker notifies (the page no longer does, so nothing
//! shows twice) and a click on its notification opens the thread here.

use super::routes;
use super::state::AppState;
use crate::session::browser::{notify, push};
use crate::session::PushGateway;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Registers this browser for notifications while Rounds is closed, when the portal has a push
/// gateway and the person allows notifications. Safe to call at every start.
pub fn start(state: AppState) {
    let Some(config) = state.config.with_value(|c| c.push.clone()) else {
        return;
    };
    let Some(tab) = state.tab().filter(|_| notify::allowed()) else {
        return;
    };
    let gateway = PushGateway {
        notify_url: config.gateway,
        app_id: config.app_id,
    };
    leptos::task::spawn_local(async move {
        let outcome = push::enable(tab.session(), &gateway, &config.vapid_public_key).await;
        // Signed out meanwhile: undo, so nothing of this person's stays registered here.
        if !state.tab().is_some_and(|t| std::rc::Rc::ptr_eq(&t, &tab)) {
            push::disable(tab.session()).await;
            return;
        }
        match outcome {
            Ok(()) => state.push_problem.set(None),
            // Said once per browser: a browser without push stays without it at every start.
            Err(_) if dismissed() => {}
            Err(problem) => state.push_problem.set(Some(format!(
                "Notifications while Rounds is closed are not available here ({problem}). Rounds still notifies you while it is open."
            ))),
        }
    });
}

/// Where this browser remembers that the person dismissed the "not available" notice.
const DISMISSED: &str = "rounds-push-notice-dismissed";

fn dismissed() -> bool {
    local_storage().is_some_and(|s| s.get_item(DISMISSED).ok().flatten().is_some())
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The person dismissed the notice: it is not shown again in this browser.
pub fn dismiss_problem(state: AppState) {
    state.push_problem.set(None);
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(DISMISSED, "1");
    }
}

/// Follows the service worker's "open this" (a notification clicked while Rounds is open).
pub fn follow_worker() {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    // Absent on plain-http pages and where policy turns service workers off.
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
        let data = event.data();
        let kind = js_sys::Reflect::get(&data, &"type".into())
            .ok()
            .and_then(|v| v.as_string());
        let path = js_sys::Reflect::get(&data, &"path".into())
            .ok()
            .and_then(|v| v.as_string());
        if let (Some("open"), Some(path)) = (kind.as_deref(), path) {
            // Only the app's own paths.
            if path.starts_with('/') && !path.starts_with("//") {
                routes::go(&path, false);
            }
        }
    });
    container.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Listens for as long as the page lives.
    on_message.forget();
}
