//! Attachments in a thread: photos as thumbnails that open full size, other files as a named
//! download, and an attachment on its way with its progress and Cancel.

use super::parts::Alert;
use super::state::AppState;
use super::tasks::{action, resource};
use crate::domain::attachment::{human_size, sniff};
use crate::domain::{Attachment, Delivery};
use crate::session::browser::blobs;
use leptos::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
fn fetched(uri: String, thumbnail: bool) -> LocalResource<Result<String, String>> {
    let state = AppState::get();
    shown_blob(move || {
        let (session, uri) = (state.session(), uri.clone());
        async move {
            let session = session.ok_or("you are signed out")?;
            session
                .media(&uri, thumbnail)
                .await
                .map_err(|e| format!("The file could not be loaded: {e}."))
        }
    })
}

/// A `blob:` address for the bytes `load` reads, made when shown and revoked when what shows
/// it goes.
pub fn shown_blob<Fu>(load: impl Fn() -> Fu + 'static) -> LocalResource<Result<String, String>>
where
    Fu: std::future::Future<Output = Result<Vec<u8>, String>> + 'static,
{
    let shown = Arc::new(AtomicBool::new(true));
    let address = {
        let shown = shown.clone();
        resource(move || {
            let (bytes, shown) = (load(), shown.clone());
            async move {
                let bytes = bytes.await?;
                let address = blobs::create(&bytes, blob_type(&bytes))?;
                // Gone already (the thread was left): nothing shows it, so free it now.
                if !shown.load(Ordering::Relaxed) {
                    blobs::revoke(&address);
                }
                Ok(address)
            }
        })
    };
    on_cleanup(move || {
        shown.store(false, Ordering::Relaxed);
        if let Some(Ok(address)) = address.try_get_untracked().flatten() {
            blobs::revoke(&address);
        }
    });
    address
}

/// A photo's thumbnail; it opens full size over the thread.
#[component]
fn Photo(file: Attachment) -> impl IntoView {
    let thumb = fetched(file.url.clone(), true);
    let open = RwSignal::new(false);
    let name = file.name.clone();
    view! {
        <div class="attachment photo">
            <button type="button" class="photo-open" aria-label=format!("Open photo {}", file.name)
                on:click=move |_| open.set(true)>
                {move || match thumb.get() {
                    Some(Ok(src)) => view! { <img src=src alt=name.clone()/> }.into_any(),
                    _ => view! { <span class="photo-loading">"Loading photo…"</span> }.into_any(),
                }}
            </button>
            <span class="file-meta">{format!("{} · {}", file.name, human_size(file.size))}</span>
            {move || thumb.get().and_then(Result::err).map(|p| view! { <Alert text=p/> })}
            {move || open.get().then(|| view! { <PhotoViewer file=file.clone() open=open/> })}
        </div>
    }
}

/// The photo full size, with Download and Close; its address is revoked when it closes.
#[component]
fn PhotoViewer(file: Attachment, open: RwSignal<bool>) -> impl IntoView {
    let full = fetched(file.url.clone(), false);
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
                Some(Ok(src)) => view! { <img class="photo-full" src=src alt=name.clone()/> }.into_any(),
                _ => view! { <p class="photo-loading">"Loading photo…"</p> }.into_any(),
            }}
            {move || full.get().and_then(Result::err).map(|p| view! { <Alert text=p/> })}
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
    let download = action(move |(): &()| {
        let (session, file) = (state.session(), file.clone());
        async move {
            let session = session.ok_or("you are signed out")?;
            let bytes = session
                .media(&file.url, false)
                .await
                .map_err(|e| format!("The file could not be loaded: {e}."))?;
            blobs::save(&bytes, blob_type(&bytes), &file.name)
        }
    });
    let busy = download.pending();
    let aria = label.clone();
    view! {
        <button type="button" class="small" aria-label=aria disabled=move || busy.get()
            on:click=move |_| { download.dispatch_local(()); }>
            {move || if busy.get() { "Downloading…".to_owned() } else { "Download".to_owned() }}
        </button>
        {move || download.value().get().and_then(Result::err).map(|p| view! { <Alert text=p/> })}
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
    let cancel = action(move |(): &()| {
        let (session, txn) = (state.session(), txn_id.clone());
        async move {
            if let Some(session) = session {
                // A cancel that cannot be kept says so where the queue's problems show.
                if let Err(e) = session.sending().delete(&txn).await {
                    state
                        .store_problem
                        .set(Some(format!("The upload could not be cancelled: {e}.")));
                }
            }
        }
    });
    let name = file.name.clone();
    view! {
        <div class="attachment uploading">
            <span class="file-meta">{format!("{} · {}", file.name, human_size(file.size))}</span>
            <progress aria-label=format!("Uploading {name}") max=move || progress.get().map_or(1, |(_, total)| total.max(1))
                value=move || progress.get().map_or(0, |(sent, _)| sent)></progress>
            <button type="button" class="small quiet" on:click=move |_| { cancel.dispatch_local(()); }>"Cancel upload"</button>
        </div>
    }
}
