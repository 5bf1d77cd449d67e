//! Browser notifications, the tab title and the app badge.
//!
//! A notification never carries patient details or message text: only the category and
//! whether it is urgent ("New urgent message in Scheduling"), since it may show on a lock screen.

use super::routes;
use super::state::AppState;
use crate::domain::{Availability, Priority, Thread};
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Notification, NotificationOptions, NotificationPermission};

thread_local! {
    /// Notifications this page showed and that may still be on screen.
    static SHOWN: RefCell<Vec<Notification>> = const { RefCell::new(Vec::new()) };
    /// Ordinary threads with news held back while the person was not available.
    static HELD: RefCell<usize> = const { RefCell::new(0) };
}

/// Whether this browser has notifications at all (calling the API where it is missing throws).
fn supported() -> bool {
    web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

/// Whether notifications may be shown.
pub fn allowed() -> bool {
    supported() && Notification::permission() == NotificationPermission::Granted
}

/// Whether the person has not decided yet (then the app offers to turn them on).
pub fn undecided() -> bool {
    supported() && Notification::permission() == NotificationPermission::Default
}

/// Asks the browser for permission (must follow a click).
pub fn ask(on_answer: impl Fn() + 'static) {
    if let Ok(promise) = Notification::request_permission() {
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            on_answer();
        });
    }
}

/// Whether a new message in `thread` deserves a notification for `me`.
pub fn worth_notifying(thread: &Thread, me: &str) -> bool {
    thread.priority == Priority::Urgent || thread.participants.contains(me) || thread.mentions_me
}

/// One notification per thread with news worth it (urgent, or one the person takes part in),
/// while the page is not looked at.
pub fn announce(state: AppState, threads: &[(String, String)]) {
    if state.active.get_untracked() || !allowed() || super::push::active() {
        return;
    }
    let mut threads = threads.to_vec();
    threads.dedup();
    for (room, root) in threads {
        let category = state.category_of(&room).1;
        let category = if category.is_empty() {
            "Rounds".to_owned()
        } else {
            category
        };
        let busy = state.my_availability() != Availability::Available;
        state.inbox(|inbox| {
            let me = inbox.me().to_owned();
            if let Some(thread) = inbox.thread(&room, &root).filter(|t| worth_notifying(t, &me)) {
                // With a patient or off duty, only urgent threads come through at once.
                if busy && thread.priority != Priority::Urgent {
                    HELD.with(|held| *held.borrow_mut() += 1);
                } else {
                    show(thread, &category);
                }
            }
        });
    }
}

/// Back to Available: one notification for what was held back (without patient details).
pub fn availability_changed(state: AppState) {
    if state.my_availability() != Availability::Available || !allowed() {
        return;
    }
    let held = HELD.with(|held| std::mem::take(&mut *held.borrow_mut()));
    if held == 0 {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body("Open Rounds to read them.");
    options.set_tag("held");
    options.set_icon("/icons/icon-192.png");
    let title = match held {
        1 => "A thread has news from while you were busy".to_owned(),
        n => format!("{n} threads have news from while you were busy"),
    };
    if let Ok(notification) = Notification::new_with_options(&title, &options) {
        SHOWN.with(|shown| shown.borrow_mut().push(notification));
    }
}

/// Shows one notification for a new message in `thread`; clicking it opens the thread.
pub fn show(thread: &Thread, category: &str) {
    let urgent = thread.priority == Priority::Urgent;
    let title = if urgent {
        format!("New urgent message in {category}")
    } else {
        format!("New message in {category}")
    };
    let options = NotificationOptions::new();
    options.set_body("Open Rounds to read it.");
    options.set_tag(&format!("{}|{}", thread.room_id, thread.root_id));
    options.set_icon("/icons/icon-192.png");
    let Ok(notification) = Notification::new_with_options(&title, &options) else {
        return;
    };
    let path = routes::thread_path(&thread.room_id, &thread.root_id);
    let onclick = Closure::<dyn Fn()>::new(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        routes::go(&path, false);
    });
    notification.set_onclick(Some(onclick.as_ref().unchecked_ref()));
    // The notification owns its handler for as long as the page lives.
    onclick.forget();
    SHOWN.with(|shown| shown.borrow_mut().push(notification));
}

/// At sign-out and logoff: nothing of the person stays on screen or in the browser's caches.
/// Closes the notifications this page showed and asks the service worker to close its own and
/// to delete every cache but the app's static files.
pub fn forget_person() {
    SHOWN.with(|shown| shown.borrow_mut().drain(..).for_each(|n| n.close()));
    if let Some(worker) = web_sys::window().and_then(|w| w.navigator().service_worker().controller()) {
        let _ = worker.post_message(&JsValue::from_str("forget-person"));
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
