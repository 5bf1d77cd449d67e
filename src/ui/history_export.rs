//! `Export history` (admins): the thread's full history from the homeserver, saved as a text
//! file the clinic can keep with its records.

use super::parts::Alert;
use super::state::AppState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

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
                    if let Err(e) = save_text(&file.text, &file.name) {
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

/// Hands `text` to the browser as a download; the blob URL lives only for the click.
fn save_text(text: &str, name: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "no file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "no address for the file")?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no page")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| "no link")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // Some browsers read the file after the click returns: its address stays a minute.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
