//! The app's routes: where a thread lives, read and written in one place.

use wasm_bindgen::JsValue;

/// Where single sign-on sends the browser back (with `?n=…&loginToken=…`).
pub const SSO_RETURN: &str = "/auth/matrix";
/// Where the EHR authorization sends the browser back (with `?code=…&state=…`).
pub const EHR_RETURN: &str = "/auth/ehr";

/// `/t/<room>/<root>`, ids percent-encoded.
pub fn thread_path(room: &str, root: &str) -> String {
    format!("/t/{}/{}", crate::session::encode(room), crate::session::encode(root))
}

/// `(room, root)` of a `/t/<room>/<root>` path.
pub fn thread_in_path(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/t/")?;
    let (room, root) = rest.split_once('/')?;
    Some((decode(room)?, decode(root.trim_end_matches('/'))?))
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

/// A thread started here got its event id: a page showing it by its transaction id follows.
pub fn follow_rekey(room: &str, from: &str, to: &str) {
    let here = web_sys::window().and_then(|w| w.location().pathname().ok());
    if here.and_then(|p| thread_in_path(&p)) == Some((room.to_owned(), from.to_owned())) {
        go(&thread_path(room, to), true);
    }
}
