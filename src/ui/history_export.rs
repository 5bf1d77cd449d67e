//! `Export history` (admins): the thread's full history from the homeserver, saved as a text
//! file the clinic can keep with its records.

use super::blobs;
use super::parts::Alert;
use super::state::AppState;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The button, for admins only (the history holds nothing a member could not read, but the
/// export is a records task).
#[component]
pub fn ExportHistory(room: String, root: String) -> impl IntoView {
    let state = AppState::get();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let is_admin = move || state.staff().is_some_and(|s| s.is_admin());
    let export = move |_| {
        let Some(session) = state.session() else { return };
        let (room, root) = (room.clone(), root.clone());
        busy.set(true);
        problem.set(None);
        spawn_local(async move {
            match session.export_history(&room, &root).await {
                Ok(file) => {
                    if let Err(e) = blobs::save(file.text.as_bytes(), "text/plain;charset=utf-8", &file.name) {
                        problem.set(Some(format!("The history could not be saved: {e}")));
                    }
                }
                Err(e) => problem.set(Some(format!("The history could not be read from the homeserver: {e}"))),
            }
            busy.set(false);
        });
    };
    view! {
        {move || is_admin().then(|| view! {
            <button type="button" class="export-history" disabled=move || busy.get() on:click=export.clone()>
                {move || if busy.get() { "Exporting…" } else { "Export history" }}
            </button>
        })}
        {move || problem.get().map(|p| view! { <Alert text=p/> })}
    }
}
