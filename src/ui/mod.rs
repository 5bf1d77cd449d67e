//! `ui`: the Leptos app (browser only). Pages bind to the session's state through [`state`] and
//! call its commands; they never hold the Matrix client or build protocol or FHIR content
//! (`scripts/check-layers.sh` keeps it so).

mod acknowledge;
mod address_to;
mod app;
mod appointments;
mod attach;
mod attachment;
mod availability;
mod banners;
mod cancel_confirm;
mod chart;
mod composer;
mod config;
mod corrections;
mod debounce;
mod delivery;
mod early;
mod escalation_settings;
mod history_export;
mod inbox;
mod inbox_choices;
mod link_patient;
mod live;
mod mentions;
mod message_item;
mod messages;
mod new_thread;
mod parts;
mod patient;
mod patient_picker;
mod push;
mod record_check;
mod role_history;
mod role_removal;
mod routes;
mod schedule;
mod send_to;
mod shell;
mod signin;
mod slot_picker;
mod staff;
mod state;
mod tasks;
mod templates;
mod thread_list;
mod thread_row;
mod thread_view;
mod time;
mod topbar;
mod urgent_elsewhere;
mod visibility;
mod watch_settings;

/// Mounts the app on `<body>` (`public/boot.js` loads it and registers the service worker).
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::Root);
}
