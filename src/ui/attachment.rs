//! Attachments in a thread: photos as thumbnails that open full size, other files as a named
//! download, and an attachment on its way with its progress and Cancel.

use super::blobs;
use super::parts::Alert;
use super::state::AppState;
use crate::domain::attachment::{human_size, sniff};
use crate::domain::{Attachment, Delivery};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// An attached file as its message shows it.
#[component]
pub fn AttachmentView(file: Attachment, delivery: Delivery, txn_id: Option<String>) -> impl IntoView {
    if file.url.is_empty() {
        return match delivery {
            Delivery::Sent => {
                view! { <p class="text file-missing">{format!("{} (the file is not available)", file.name)}</p> }
                    .into_any()
            }
            _ => view! { <Uploading file=file txn_id=txn_id.unwrap_or_default()/> }.into_any(),
        };
    }
    if file.is_image() {
        view! { <Photo file=file/> }.into_any()
    } else {
        view! { <FileDownload file=file/> }.into_any()
    }
}

/// The type a file is handed to the browser as: what its bytes are (the sender's message could
/// claim anything), or an opaque download.
fn blob_type(bytes: &[u8]) -> &'static str {
    sniff(bytes).unwrap_or("application/octet-stream")
}

/// A `blob:` address for an attached file, fetched when shown and revoked when it goes.
fn fetched(uri: String, thumbnail: bool) -> (RwSignal<Option<String>>, RwSignal<Option<String>>) {
    let state = AppState::get();
    let url = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    if let Some(session) = state.session() {
        spawn_local(async move {
            let made = session
                .media(&uri, thumbnail)
                .await
                .and_then(|bytes| blobs::create(&bytes, blob_type(&bytes)));
            match made {
                // Gone already (the thread was left): nothing shows it, so free it now.
                Ok(address) => {
                    if let Some(address) = url.try_set(Some(address)).flatten() {
                        blobs::revoke(&address);
                    }
                }
                Err(e) => {
                    let _ = problem.try_set(Some(e));
                }
            }
        });
    }
    on_cleanup(move || {
        if let Some(address) = url.try_get_untracked().flatten() {
            blobs::revoke(&address);
        }
    });
    (url, problem)
}

/// A photo's thumbnail; it opens full size over the thread.
#[component]
fn Photo(file: Attachment) -> impl IntoView {
    let (thumb, problem) = fetched(file.url.clone(), true);
    let open = RwSignal::new(false);
    let name = file.name.clone();
    view! {
        <div class="attachment photo">
            <button type="button" class="photo-open" aria-label=format!("Open photo {}", file.name)
                on:click=move |_| open.set(true)>
                {move || match thumb.get() {
                    Some(src) => view! { <img src=src alt=name.clone()/> }.into_any(),
                    None => view! { <span class="photo-loading">"Loading photo…"</span> }.into_any(),
                }}
            </button>
            <span class="file-meta">{format!("{} · {}", file.name, human_size(file.size))}</span>
            {move || problem.get().map(|p| view! { <Alert text=p/> })}
            {move || open.get().then(|| view! { <PhotoViewer file=file.clone() open=open/> })}
        </div>
    }
}

/// The photo full size, with Download and Close; its address is revoked when it closes.
#[component]
fn PhotoViewer(file: Attachment, open: RwSignal<bool>) -> impl IntoView {
    let (full, problem) = fetched(file.url.clone(), false);
    let close = move || open.set(false);
    let name = file.name.clone();
    view! {
        <div class="photo-viewer" role="dialog" aria-modal="true" aria-label=format!("Photo {}", file.name)
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { close() }>
            <div class="photo-viewer-bar">
                <span class="file-meta">{file.name.clone()}</span>
                <DownloadButton file=file.clone() label="Download"/>
                <button type="button" class="small" autofocus on:click=move |_| close()>"Close"</button>
            </div>
            {move || match full.get() {
                Some(src) => view! { <img class="photo-full" src=src alt=name.clone()/> }.into_any(),
                None => view! { <p class="photo-loading">"Loading photo…"</p> }.into_any(),
            }}
            {move || problem.get().map(|p| view! { <Alert text=p/> })}
        </div>
    }
}

/// A file other than a photo: its name, type and size, and Download.
#[component]
fn FileDownload(file: Attachment) -> impl IntoView {
    let label = format!("Download {}", file.name);
    let icon = if file.content_type == "application/pdf" {
        "PDF"
    } else {
        "FILE"
    };
    view! {
        <div class="attachment file">
            <span class="file-icon" aria-hidden="true">{icon}</span>
            <span class="file-meta">
                <span class="file-name">{file.name.clone()}</span>
                <span class="file-size">{human_size(file.size)}</span>
            </span>
            <DownloadButton file=file label=label/>
        </div>
    }
}

/// Reads the file with the person's token and hands it to the browser as a download.
#[component]
fn DownloadButton(file: Attachment, #[prop(into)] label: String) -> impl IntoView {
    let state = AppState::get();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let download = move |_| {
        let Some(session) = state.session() else { return };
        let file = file.clone();
        busy.set(true);
        problem.set(None);
        spawn_local(async move {
            let saved = session
                .media(&file.url, false)
                .await
                .and_then(|bytes| blobs::save(&bytes, blob_type(&bytes), &file.name));
            let _ = problem.try_set(saved.err());
            let _ = busy.try_set(false);
        });
    };
    let aria = label.clone();
    view! {
        <button type="button" class="small" aria-label=aria disabled=move || busy.get() on:click=download>
            {move || if busy.get() { "Downloading…".to_owned() } else { "Download".to_owned() }}
        </button>
        {move || problem.get().map(|p| view! { <Alert text=p/> })}
    }
}

/// An attachment not on the homeserver yet: how much has gone, and Cancel.
#[component]
fn Uploading(file: Attachment, txn_id: String) -> impl IntoView {
    let state = AppState::get();
    let progress = Signal::derive({
        let txn = txn_id.clone();
        move || state.uploads.with(|u| u.get(&txn).copied())
    });
    let cancel = move |_| {
        let (Some(session), txn) = (state.session(), txn_id.clone()) else {
            return;
        };
        spawn_local(async move { session.delete(&txn).await });
    };
    let name = file.name.clone();
    view! {
        <div class="attachment uploading">
            <span class="file-meta">{format!("{} · {}", file.name, human_size(file.size))}</span>
            <progress aria-label=format!("Uploading {name}") max=move || progress.get().map_or(1, |(_, total)| total.max(1))
                value=move || progress.get().map_or(0, |(sent, _)| sent)></progress>
            <button type="button" class="small quiet" on:click=cancel>"Cancel upload"</button>
        </div>
    }
}
