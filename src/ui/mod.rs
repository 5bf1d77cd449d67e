//! `ui`: the Leptos app (browser only). It knows domain types, not Matrix JSON.

mod app;
mod config;
mod drafts;
mod errors;
mod idle;
mod inbox;
mod new_thread;
mod notify;
mod outbox;
mod patient;
mod schedule;
mod session;
mod shell;
mod signin;
mod slot_picker;
mod staff;
mod state;
mod thread_view;
mod time;
mod visibility;
mod wait;

/// Mounts the app on `<body>` (`public/boot.js` loads it and registers the service worker).
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::Root);
}
