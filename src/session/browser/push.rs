//! Web Push in this browser: the Push API subscription (made with the gateway's VAPID key) and
//! its pusher at the homeserver. The service worker (`public/sw.js`) shows what arrives.

use super::AppSession;
use crate::session::{PushGateway, WebPushSubscription};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{PushManager, PushSubscription, PushSubscriptionOptionsInit, ServiceWorkerRegistration};

const UNSUPPORTED: &str = "this browser has no Push API";

thread_local! {
    /// Whether this browser's subscription is registered with the homeserver (then the service
    /// worker notifies, not the page).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Whether the service worker is the one notifying.
pub fn notifying() -> bool {
    ACTIVE.get()
}

/// Subscribes this browser (or reuses its subscription) and registers it with the homeserver;
/// from then on the service worker notifies, and knows the person's category names.
pub async fn enable(session: &AppSession, gateway: &PushGateway, vapid_public_key: &str) -> Result<(), String> {
    let registration = ready_registration().await?;
    let manager = registration.push_manager().map_err(|_| UNSUPPORTED.to_owned())?;
    let subscription = subscribe(&manager, vapid_public_key).await?;
    let keys = keys_of(&subscription)?;
    session
        .push()
        .register(gateway, &keys, "Rounds web")
        .await
        .map_err(|e| format!("the homeserver did not take this browser's notifications: {e}"))?;
    ACTIVE.set(true);
    share_categories(session);
    Ok(())
}

/// Removes this browser's pusher (best effort: a session the server already ended cannot) and
/// ends its subscription, so the push service refuses further pushes and the gateway reports
/// the pusher dead even if the homeserver could not be told.
pub async fn disable(session: &AppSession) {
    ACTIVE.set(false);
    SHARED.with_borrow_mut(String::clear);
    let Some(subscription) = current().await else { return };
    if let Ok(keys) = keys_of(&subscription) {
        let _ = session.push().unregister(&keys.p256dh).await;
    }
    if let Ok(promise) = subscription.unsubscribe() {
        let _ = JsFuture::from(promise).await;
    }
}

thread_local! {
    /// The category names last given to the service worker.
    static SHARED: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Gives the service worker the person's category names by room (labels such as
/// "Scheduling", never patient details) for its notifications, when they changed.
pub fn share_categories(session: &AppSession) {
    if !notifying() {
        return;
    }
    let names: serde_json::Map<String, serde_json::Value> = session
        .staff()
        .me()
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

async fn ready_registration() -> Result<ServiceWorkerRegistration, String> {
    let navigator = web_sys::window().ok_or(UNSUPPORTED)?.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return Err(UNSUPPORTED.into());
    }
    let ready = navigator.service_worker().ready().map_err(|_| UNSUPPORTED.to_owned())?;
    Ok(JsFuture::from(ready).await.map_err(describe)?.unchecked_into())
}

/// The existing subscription, without waiting for a service worker that may never come.
async fn current() -> Option<PushSubscription> {
    let navigator = web_sys::window()?.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return None;
    }
    let registration = JsFuture::from(navigator.service_worker().get_registration())
        .await
        .ok()?;
    let registration: ServiceWorkerRegistration = registration.dyn_into().ok()?;
    let manager = registration.push_manager().ok()?;
    let found = JsFuture::from(manager.get_subscription().ok()?).await.ok()?;
    (!found.is_null() && !found.is_undefined()).then(|| found.unchecked_into())
}

async fn subscribe(manager: &PushManager, vapid_public_key: &str) -> Result<PushSubscription, String> {
    let options = PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    options.set_application_server_key(&JsValue::from_str(vapid_public_key));
    let attempt = || async { JsFuture::from(manager.subscribe_with_options(&options)?).await };
    let subscription = match attempt().await {
        Ok(subscription) => subscription,
        // Subscribed with another key (the gateway's key changed): start over with this one.
        Err(e) if error_name(&e).as_deref() == Some("InvalidStateError") => {
            if let Some(old) = current().await {
                JsFuture::from(old.unsubscribe().map_err(describe)?)
                    .await
                    .map_err(describe)?;
            }
            attempt().await.map_err(describe)?
        }
        Err(e) => return Err(describe(e)),
    };
    Ok(subscription.unchecked_into())
}

/// The endpoint and keys, as the subscription's JSON form gives them (base64url).
fn keys_of(subscription: &PushSubscription) -> Result<WebPushSubscription, String> {
    #[derive(Deserialize)]
    struct Json {
        endpoint: String,
        keys: Keys,
    }
    #[derive(Deserialize)]
    struct Keys {
        p256dh: String,
        auth: String,
    }
    let text: String = js_sys::JSON::stringify(subscription).map_err(describe)?.into();
    let json: Json =
        serde_json::from_str(&text).map_err(|e| format!("The browser's subscription is incomplete: {e}"))?;
    Ok(WebPushSubscription {
        endpoint: json.endpoint,
        p256dh: json.keys.p256dh,
        auth: json.keys.auth,
    })
}

fn error_name(error: &JsValue) -> Option<String> {
    js_sys::Reflect::get(error, &"name".into()).ok()?.as_string()
}

fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser refused".into())
}
