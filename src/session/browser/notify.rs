//! Browser notifications while Rounds is open. A notification never carries patient details or
//! message text (it may show on a lock screen): only the category and whether it is urgent.

use crate::domain::ThreadKey;
use crate::session::Notification;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{NotificationOptions, NotificationPermission};

thread_local! {
    /// Notifications this page showed and that may still be on screen.
    static SHOWN: RefCell<Vec<web_sys::Notification>> = const { RefCell::new(Vec::new()) };
}

/// Whether this browser has notifications at all (calling the API where it is missing throws).
fn supported() -> bool {
    web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

/// Whether notifications may be shown.
pub fn allowed() -> bool {
    supported() && web_sys::Notification::permission() == NotificationPermission::Granted
}

/// Where this browser keeps when the offer was last declined ("Not now"): a choice of the
/// browser, like its notification permission, and no data of anyone's.
const DECLINED_AT: &str = "rounds-notify-offer-declined";
/// How long "Not now" holds before the offer is made again.
const DECLINED_FOR_MS: f64 = 7.0 * 86_400_000.0;

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Whether the person has not decided yet and did not say "Not now" this week (then the app
/// offers to turn them on).
pub fn undecided() -> bool {
    let declined_at = local_storage()
        .and_then(|s| s.get_item(DECLINED_AT).ok().flatten())
        .and_then(|at| at.parse::<f64>().ok());
    let declined = declined_at.is_some_and(|at| js_sys::Date::now() - at < DECLINED_FOR_MS);
    supported() && web_sys::Notification::permission() == NotificationPermission::Default && !declined
}

/// The person said "Not now": the offer waits a week.
pub fn decline() {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(DECLINED_AT, &js_sys::Date::now().to_string());
    }
}

/// Asks the browser for permission (must follow a click); done once the person answered.
pub async fn ask() {
    if let Ok(promise) = web_sys::Notification::request_permission() {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// Shows `notification`; a click brings the page forward and `open`s its thread.
pub fn show(notification: &Notification, open: Rc<dyn Fn(&ThreadKey)>) {
    let options = NotificationOptions::new();
    options.set_body(notification.body);
    options.set_tag(&notification.tag);
    options.set_icon("/icons/icon-192.png");
    let Ok(shown) = web_sys::Notification::new_with_options(&notification.title, &options) else {
        return;
    };
    if let Some(key) = notification.thread.clone() {
        let onclick = Closure::<dyn Fn()>::new(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.focus();
            }
            open(&key);
        });
        shown.set_onclick(Some(onclick.as_ref().unchecked_ref()));
        // The notification owns its handler for as long as the page lives.
        onclick.forget();
    }
    SHOWN.with(|list| list.borrow_mut().push(shown));
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
