//! `ui`: the Leptos app (browser only). Pages bind to the session's state through [`state`] and
//! call its commands; they never hold the Matrix client or build protocol or FHIR content
//! (`scripts/check-layers.sh` keeps it so).

mod acknowledge;
mod app;
mod appointments;
mod attach;
mod attachment;
mod availability;
mod blobs;
mod chart;
mod composer;
mod config;
mod corrections;
mod delivery;
mod drafts;
mod early;
mod escalation_settings;
mod history_export;
mod idle;
mod inbox;
mod live;
mod messages;
mod new_thread;
mod notify;
mod parts;
mod patient;
mod push;
mod routes;
mod schedule;
mod shell;
mod signin;
mod slot_picker;
mod staff;
mod state;
mod thread_list;
mod thread_view;
mod time;
mod visibility;

/// Mounts the app on `<body>` (`public/boot.js` loads it and registers the service worker).
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::Root);
}
