//! `ui`: the Leptos app (browser only). It knows domain types, not Matrix JSON.

mod app;
mod config;
mod drafts;
mod errors;
mod idle;
mod inbox;
mod new_thread;
mod outbox;
mod session;
mod shell;
mod signin;
mod staff;
mod state;
mod thread_view;
mod time;
mod visibility;
mod wait;

/// Mounts the app on `<body>` and registers the service worker (offline start).
pub fn start() {
    console_error_panic_hook::set_once();
    if let Some(window) = web_sys::window() {
        // Without a service worker the app still works online; nothing to report.
        let _ = window.navigator().service_worker().register("/sw.js");
    }
    leptos::mount::mount_to_body(app::Root);
}
