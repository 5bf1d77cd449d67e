//! Notifications while Rounds is closed: turned on with the person's permission when the portal
//! has a push gateway; then the service worker notifies (the page no longer does, so nothing
//! shows twice) and a click on its notification opens the thread here.

use super::state::AppState;
use super::{notify, routes};
use crate::session::browser::push;
use crate::session::PushGateway;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// Whether this browser's subscription is registered with the homeserver.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// The category names last given to the service worker.
    static SHARED: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Whether the service worker is the one notifying.
pub fn active() -> bool {
    ACTIVE.get()
}

/// Registers this browser for notifications while Rounds is closed, when the portal has a push
/// gateway and the person allows notifications. Safe to call at every start.
pub fn start(state: AppState) {
    let Some(config) = state.config.with_value(|c| c.push.clone()) else {
        return;
    };
    let Some(session) = state.session().filter(|_| notify::allowed()) else {
        return;
    };
    let gateway = PushGateway {
        notify_url: config.gateway,
        app_id: config.app_id,
    };
    spawn_local(async move {
        match push::enable(&session, &gateway, &config.vapid_public_key).await {
            Ok(()) => {
                ACTIVE.set(true);
                state.push_problem.set(None);
                share_categories(state);
            }
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

/// At sign-out: the page notifies again for whoever signs in next, until they register.
pub fn stopped() {
    ACTIVE.set(false);
    SHARED.with_borrow_mut(String::clear);
}

/// Gives the service worker the category names by room, so its notifications can say
/// "New message in Scheduling" (labels only, never patient details). Sent when they change.
pub fn share_categories(state: AppState) {
    if !active() {
        return;
    }
    let Some(session) = state.session() else { return };
    let names: serde_json::Map<String, serde_json::Value> = session
        .staff()
        .categories
        .into_iter()
        .filter_map(|c| Some((c.room?, c.label.into())))
        .collect();
    let text = serde_json::Value::Object(names).to_string();
    if SHARED.with_borrow(|shared| *shared == text) {
        return;
    }
    let Some(worker) = web_sys::window().and_then(|w| w.navigator().service_worker().controller()) else {
        return;
    };
    let message = js_sys::Object::new();
    let names = js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL);
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"categories".into());
    let _ = js_sys::Reflect::set(&message, &"names".into(), &names);
    if worker.post_message(&message).is_ok() {
        SHARED.set(text);
    }
}

/// Follows the service worker's "open this" (a notification clicked while Rounds is open).
pub fn follow_worker() {
    let Some(container) = web_sys::window().map(|w| w.navigator().service_worker()) else {
        return;
    };
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
