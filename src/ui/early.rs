//! The hand-over from the sign-in form that works before the app has loaded (`public/signin.js`,
//! markup in `index.html`): the config it already fetched, what was typed, and the homeserver's
//! answer to a sign-in sent in the meantime, which the app reads like its own.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What the early form hands over.
pub struct Handover {
    /// Whether the person saw the early form (it stays hidden for kept sessions and returns).
    pub shown: bool,
    /// The homeserver field.
    pub homeserver: String,
    /// The username field.
    pub username: String,
    /// The password field (cleared once used).
    pub password: String,
    /// The id of the field that had the focus (empty if none did).
    pub focused: String,
    /// The homeserver's answer to a password sign-in sent before the app loaded.
    pub login: Option<Promise>,
}

fn early() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let early = Reflect::get(&window, &"roundsEarly".into()).ok()?;
    early.is_object().then_some(early)
}

fn text(value: &JsValue, key: &str) -> String {
    Reflect::get(value, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// `{ status, <key> }` answers of the early script: status 0 means the request failed, the text
/// says why.
async fn answer(promise: Promise, key: &str) -> (u16, String) {
    match JsFuture::from(promise).await {
        Ok(answer) => {
            let status = Reflect::get(&answer, &"status".into())
                .ok()
                .and_then(|s| s.as_f64())
                .unwrap_or(0.0);
            (status as u16, text(&answer, key))
        }
        Err(e) => (0, format!("{e:?}")),
    }
}

/// `config.json` as the early script fetched it (status, text); `None` without the script.
pub async fn config() -> Option<(u16, String)> {
    let promise = Reflect::get(&early()?, &"config".into())
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    Some(answer(promise, "text").await)
}

/// Takes over from the early form (removing it from the page). `None` the second time, or
/// without the script.
pub fn take() -> Option<Handover> {
    let early = early()?;
    let take = Reflect::get(&early, &"take".into()).ok()?.dyn_into::<Function>().ok()?;
    let handover = take.call0(&early).ok()?;
    // Once only: a later sign-in page (after signing out) is the app's own.
    let _ = Reflect::delete_property(early.unchecked_ref::<js_sys::Object>(), &"take".into());
    Some(Handover {
        shown: Reflect::get(&handover, &"shown".into())
            .ok()
            .is_some_and(|s| s.is_truthy()),
        homeserver: text(&handover, "homeserver"),
        username: text(&handover, "username"),
        password: text(&handover, "password"),
        focused: text(&handover, "focused"),
        login: Reflect::get(&handover, &"login".into())
            .ok()
            .and_then(|l| l.dyn_into::<Promise>().ok()),
    })
}

/// The homeserver's answer to the early sign-in: (status, body), status 0 if it did not arrive.
pub async fn login_answer(login: Promise) -> (u16, String) {
    answer(login, "body").await
}
