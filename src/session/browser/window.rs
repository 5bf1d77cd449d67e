//! Listening to the page for as long as a session runs in it; the listeners go with it.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// One listener on the window, removed when dropped.
pub(super) struct WindowListener {
    event: &'static str,
    callback: Closure<dyn Fn(web_sys::Event)>,
}

impl WindowListener {
    /// Calls `then` for each `event` on the window.
    pub fn new(event: &'static str, then: impl Fn(&web_sys::Event) + 'static) -> Option<Self> {
        let window = web_sys::window()?;
        let callback = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| then(&e));
        window
            .add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
            .ok()?;
        Some(WindowListener { event, callback })
    }
}

impl Drop for WindowListener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(self.event, self.callback.as_ref().unchecked_ref());
        }
    }
}

/// Whether the page is visible (not another tab, not minimised, not being left).
pub(super) fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}
