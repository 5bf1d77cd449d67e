//! Attaching files from the composer: the file picker, the camera on tablets, dropping files on
//! the composer and pasting them into it.

use super::state::AppState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

/// What the pickers offer (the clinic's rules are checked on the bytes after picking).
const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif,application/pdf";

/// The files of a picker, a drop or a paste.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Checks each file's size, reads it and queues it in the thread `root` of `room`; what is
/// refused (too large, of a type the clinic does not accept, disguised) is said in `error`.
pub fn attach(room: &str, root: &str, files: Vec<web_sys::File>, error: RwSignal<Option<String>>) {
    let Some(session) = AppState::get().session() else {
        return;
    };
    let (room, root) = (room.to_owned(), root.to_owned());
    spawn_local(async move {
        let mut problems = Vec::new();
        for file in files {
            let name = file.name();
            // Refused before a byte is read or sent.
            if let Err(refusal) = session.check_file_size(&name, file.size() as u64) {
                problems.push(refusal);
                continue;
            }
            let bytes = match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                Err(_) => {
                    problems.push(format!("{name} could not be read from this device."));
                    continue;
                }
            };
            if let Err(refusal) = session.attach(&room, &root, &name, &file.type_(), &bytes).await {
                problems.push(refusal);
            }
        }
        let _ = error.try_set((!problems.is_empty()).then(|| problems.join(" ")));
    });
}

/// `Attach file` (any allowed file) and, on touch screens, `Take photo` (the camera).
#[component]
pub fn AttachButtons(room: String, root: String, error: RwSignal<Option<String>>) -> impl IntoView {
    let picked = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        attach(&room, &root, files_of(input.files()), error);
        // The same file may be picked again later.
        input.set_value("");
    };
    let camera_picked = picked.clone();
    view! {
        <label class="attach-button button small quiet">
            <input type="file" class="visually-hidden" aria-label="Attach file" accept=ACCEPT multiple on:change=picked/>
            <span aria-hidden="true">"Attach"</span>
        </label>
        <label class="attach-button button small quiet camera">
            <input type="file" class="visually-hidden" aria-label="Take photo" accept="image/*" capture="environment"
                on:change=camera_picked/>
            <span aria-hidden="true">"Photo"</span>
        </label>
    }
}
