//! Attaching files from the composer: the file picker, the camera on tablets, dropping files on
//! the composer and pasting them into it. Files are staged in the composer (kept sealed on the
//! device, shown only here, removable) and go out with the text when Send is pressed.

use super::attachment::shown_blob;
use super::state::ThreadRef;
use super::tasks::{action, resource};
use crate::domain::attachment::human_size;
use crate::domain::StagedFile;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// What the pickers offer (the clinic's rules are checked on the bytes after picking).
const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif,application/pdf";

/// The files of a picker, a drop or a paste.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The files staged in a composer, and how they are added and removed. The list shown is the
/// session's, read again after every change (it is never kept twice).
#[derive(Clone, Copy)]
pub struct Staging {
    /// The staged files, in the order they go out (empty while first read).
    files: LocalResource<Vec<StagedFile>>,
    /// Bumped after each change: the list is read again.
    changed: RwSignal<u32>,
    /// Checks, reads and stages picked, dropped or pasted files.
    pub add: Action<Vec<web_sys::File>, ()>,
    remove: Action<String, ()>,
    thread: ThreadRef,
}

impl Staging {
    /// Staging for `thread`'s composer: what was staged before (a reload) is shown again; what
    /// is refused (too large, of a type the clinic does not accept, disguised) is said in
    /// `error`.
    pub fn new(thread: ThreadRef, error: RwSignal<Option<String>>) -> Staging {
        let changed = RwSignal::new(0_u32);
        let files = resource(move || {
            changed.track();
            let thread = thread.get_value();
            async move {
                thread.staged().await.unwrap_or_else(|e| {
                    error.set(Some(format!(
                        "Files attached earlier could not be read on this device: {e}."
                    )));
                    Vec::new()
                })
            }
        });
        let add = action(move |picked: &Vec<web_sys::File>| {
            let (thread, picked) = (thread.get_value(), picked.clone());
            async move {
                let mut problems = Vec::new();
                for file in picked {
                    let name = file.name();
                    // Refused before a byte is read.
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
                    match thread.stage(&name, &file.type_(), &bytes).await {
                        Ok(_) => changed.update(|c| *c += 1),
                        Err(refusal) => problems.push(sentence(refusal.to_string())),
                    }
                }
                error.set((!problems.is_empty()).then(|| problems.join(" ")));
            }
        });
        let remove = action(move |id: &String| {
            let (thread, id) = (thread.get_value(), id.clone());
            async move {
                if let Err(e) = thread.unstage(&id).await {
                    error.set(Some(format!("The file could not be removed: {e}.")));
                }
                changed.update(|c| *c += 1);
            }
        });
        Staging {
            files,
            changed,
            add,
            remove,
            thread,
        }
    }

    fn shown(&self) -> Vec<StagedFile> {
        self.files.get().unwrap_or_default()
    }

    /// Whether anything is staged.
    pub fn any(&self) -> bool {
        self.files.get_untracked().is_some_and(|f| !f.is_empty())
    }

    /// After Send: the list is read again (a file that could not be queued stays).
    pub fn sent(&self) {
        self.changed.update(|c| *c += 1);
    }
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

/// The staged files (list `Files to send`): a thumbnail or the file's name and size, and Remove.
#[component]
pub fn StagedFiles(staging: Staging) -> impl IntoView {
    view! {
        <Show when=move || !staging.shown().is_empty()>
            <ul class="staged" aria-label="Files to send">
                <For each=move || staging.shown() key=|f| f.id.clone() let:file>
                    <StagedItem file=file staging=staging/>
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn StagedItem(file: StagedFile, staging: Staging) -> impl IntoView {
    let preview = file.is_image().then(|| {
        let (thread, id) = (staging.thread, file.id.clone());
        let address = shown_blob(move || {
            let (thread, id) = (thread.get_value(), id.clone());
            async move { thread.staged_bytes(&id).await.map_err(|e| e.to_string()) }
        });
        let name = file.name.clone();
        move || {
            address
                .get()
                .and_then(Result::ok)
                .map(|src| view! { <img src=src alt=name.clone()/> })
        }
    });
    let icon = (!file.is_image()).then(|| {
        let kind = if file.content_type == "application/pdf" {
            "PDF"
        } else {
            "FILE"
        };
        view! { <span class="file-icon" aria-hidden="true">{kind}</span> }
    });
    let id = file.id.clone();
    view! {
        <li class="staged-file">
            {preview}
            {icon}
            <span class="file-meta">
                <span class="file-name">{file.name.clone()}</span>
                <span class="file-size">{human_size(file.size)}</span>
            </span>
            <button type="button" class="small quiet" aria-label=format!("Remove {}", file.name)
                on:click=move |_| { staging.remove.dispatch_local(id.clone()); }>"Remove"</button>
        </li>
    }
}
