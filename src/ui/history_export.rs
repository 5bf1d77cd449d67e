//! `Export history` (admins): the thread's full history from the homeserver, saved as a text
//! file the clinic can keep with its records.

use super::parts::Alert;
use super::state::{AppState, ThreadRef};
use super::tasks::action;
use crate::session::browser::blobs;
use leptos::prelude::*;

/// The button, for admins only (the history holds nothing a member could not read, but the
/// export is a records task).
#[component]
pub fn ExportHistory(thread: ThreadRef) -> impl IntoView {
    let state = AppState::get();
    let is_admin = move || state.staff().is_some_and(|s| s.is_admin());
    let export = action(move |(): &()| {
        let thread = thread.get_value();
        async move {
            let file = thread
                .export_history()
                .await
                .map_err(|e| format!("The history could not be read from the homeserver: {e}."))?;
            blobs::save(file.text.as_bytes(), "text/plain;charset=utf-8", &file.name)
                .map_err(|e| format!("The history could not be saved: {e}."))
        }
    });
    let busy = export.pending();
    view! {
        {move || is_admin().then(|| view! {
            <button type="button" class="export-history" disabled=move || busy.get()
                on:click=move |_| { export.dispatch_local(()); }>
                {move || if busy.get() { "Exporting…" } else { "Export history" }}
            </button>
        })}
        {move || export.value().get().and_then(Result::err).map(|p| view! { <Alert text=p/> })}
    }
}
