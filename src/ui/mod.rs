//! `ui`: the Leptos app (browser only). It knows domain types, not Matrix JSON.

mod app;
mod config;
mod errors;
mod shell;
mod signin;
mod state;

/// Mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::Root);
}
