//! The app's routes: where a thread lives, read and written in one place.

use crate::domain::{EventId, ThreadKey};
use wasm_bindgen::JsValue;

/// `/t/<room>/<thread>`, ids percent-encoded.
pub fn thread_path(key: &ThreadKey) -> String {
    format!("/t/{}/{}", encode(key.room_str()), encode(key.id_str()))
}

/// The thread a `/t/<room>/<thread>` path names.
pub fn thread_in_path(path: &str) -> Option<ThreadKey> {
    let rest = path.strip_prefix("/t/")?;
    let (room, id) = rest.split_once('/')?;
    Some(ThreadKey::new(decode(room)?, decode(id.trim_end_matches('/'))?))
}

/// What a route segment keeps as it is: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A route segment for an id.
fn encode(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, UNRESERVED).to_string()
}

/// A percent-decoded route segment.
pub fn decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Goes to `path` inside the app (the router follows; nothing reloads). `replace` keeps the
/// current entry out of the history.
pub fn go(path: &str, replace: bool) {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = if replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(path))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(path))
        };
        if let Ok(event) = web_sys::PopStateEvent::new("popstate") {
            let _ = window.dispatch_event(&event);
        }
    }
}

/// A thread started here is on the server: an address naming it by its transaction id names it
/// by its event id from now on (the thread and its view stay the same: see `ThreadRoute`).
pub fn follow_confirmation(key: &ThreadKey, event: &EventId) {
    let here = web_sys::window().and_then(|w| w.location().pathname().ok());
    if here.and_then(|p| thread_in_path(&p)).as_ref() == Some(key) {
        go(&thread_path(&ThreadKey::new(key.room.clone(), event.as_str())), true);
    }
}
