//! Whether the person is looking at the page: visible and not blurred.

use leptos::prelude::*;

/// A signal that is `true` while the page is visible and focused. Read receipts and
/// notifications depend on it.
pub fn page_active() -> ReadSignal<bool> {
    let visible = || {
        web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
    };
    // Blur/focus events refine it; a page that never got a blur event counts as focused.
    let (active, set_active) = signal(visible());
    let listeners = [
        window_event_listener(leptos::ev::blur, move |_| set_active.set(false)),
        window_event_listener(leptos::ev::focus, move |_| set_active.set(visible())),
        window_event_listener(leptos::ev::visibilitychange, move |_| set_active.set(visible())),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|l| l.remove()));
    active
}
