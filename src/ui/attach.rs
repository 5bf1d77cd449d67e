//! Attaching files from the composer: the file picker, the camera on tablets, dropping files on
//! the composer and pasting them into it.

use super::state::ThreadRef;
use super::tasks::action;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// What the pickers offer (the clinic's rules are checked on the bytes after picking).
const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif,application/pdf";

/// The files of a picker, a drop or a paste.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Attaching files to `thread`: each is checked for size, read and queued; what is refused (too
/// large, of a type the clinic does not accept, disguised) is said in `error`.
pub fn attaching(thread: ThreadRef, error: RwSignal<Option<String>>) -> Action<Vec<web_sys::File>, ()> {
    action(move |files: &Vec<web_sys::File>| {
        let (thread, files) = (thread.get_value(), files.clone());
        async move {
            let mut problems = Vec::new();
            for file in files {
                let name = file.name();
                // Refused before a byte is read or sent.
                if let Err(refusal) = thread.check_file_size(&name, file.size() as u64) {
                    problems.push(sentence(refusal.to_string()));
                    continue;
                }
                let bytes = match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                    Err(_) => {
                        problems.push(format!("{name} could not be read from this device."));
                        continue;
                    }
                };
                if let Err(refusal) = thread.attach(&name, &file.type_(), &bytes).await {
                    problems.push(sentence(refusal.to_string()));
                }
            }
            error.set((!problems.is_empty()).then(|| problems.join(" ")));
        }
    })
}

/// A refusal as the sentence it is (the clinic's rules say whole sentences already).
fn sentence(text: String) -> String {
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

/// `Attach file` (any allowed file) and, on touch screens, `Take photo` (the camera).
#[component]
pub fn AttachButtons(attach: Action<Vec<web_sys::File>, ()>) -> impl IntoView {
    let picked = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        attach.dispatch_local(files_of(input.files()));
        // The same file may be picked again later.
        input.set_value("");
    };
    view! {
        <label class="attach-button button small quiet">
            <input type="file" class="visually-hidden" aria-label="Attach file" accept=ACCEPT multiple on:change=picked/>
            <span aria-hidden="true">"Attach"</span>
        </label>
        <label class="attach-button button small quiet camera">
            <input type="file" class="visually-hidden" aria-label="Take photo" accept="image/*" capture="environment"
                on:change=picked/>
            <span aria-hidden="true">"Photo"</span>
        </label>
    }
}
