//! Writing in a thread: the composer (with its draft, mentions, templates and staged files) and
//! who else is typing.

use super::attach::{self, AttachButtons, StagedFiles, Staging};
use super::debounce::Debounced;
use super::mentions::{MentionList, Mentions};
use super::parts::{failed, Alert};
use super::state::{AppState, ThreadRef};
use super::tasks::{action, resource};
use super::templates::{tab_to_placeholder, TemplatePicker};
use super::time;
use crate::domain::ThreadKey;
use leptos::html;
use leptos::prelude::*;
use std::time::Duration;

/// Quiet time after the last keystroke before the draft is written.
const DRAFT_QUIET: Duration = Duration::from_millis(250);
/// How long after a send the typing notice stops: stopped first, the notice would wake the
/// others' long-poll one sync before the message.
const STOP_TYPING_AFTER: Duration = Duration::from_millis(1500);

/// `Jordan is typing…` (re-read only when typing changes).
#[component]
pub fn Typing(key: ThreadKey) -> impl IntoView {
    let state = AppState::get();
    let text = move || {
        let names = state.typing(&key);
        match names.len() {
            0 => String::new(),
            1 => format!("{} is typing…", names[0]),
            _ => format!("{} are typing…", time::list(&names)),
        }
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}

/// The composer: textbox `Message`, button `Send`; Enter sends, Shift+Enter is a new line.
#[component]
pub fn Composer(thread: ThreadRef) -> impl IntoView {
    let state = AppState::get();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let dropping = RwSignal::new(false);
    let field = NodeRef::<html::Textarea>::new();
    let key = thread.with_value(|t| t.key().clone());

    // The draft: read once, and written as typing pauses.
    let kept = {
        let key = key.clone();
        resource(move || {
            let (session, key) = (state.session(), key.clone());
            async move { session?.drafts().reply(&key).await.ok().flatten() }
        })
    };
    Effect::new(move |_| {
        if let Some(Some(saved)) = kept.get() {
            if text.with_untracked(String::is_empty) {
                text.set(saved);
            }
        }
    });
    let save_draft = action({
        let key = key.clone();
        move |value: &String| {
            let (session, key, value) = (state.session(), key.clone(), value.clone());
            async move {
                if let Some(session) = session {
                    if let Err(e) = session.drafts().save_reply(&key, &value).await {
                        state
                            .store_problem
                            .set(Some(format!("Your draft could not be kept on this device: {e}.")));
                    }
                }
            }
        }
    });
    let keep = Debounced::new(DRAFT_QUIET, move |value: String| {
        save_draft.dispatch_local(value);
    });
    let typing = action(move |on: &bool| {
        let (thread, on) = (thread.get_value(), *on);
        async move { thread.typing(on).await }
    });
    let stop_typing = Debounced::new(STOP_TYPING_AFTER, move |()| {
        typing.dispatch_local(false);
    });

    let staging = Staging::new(thread, error);
    let send = action({
        move |body: &String| {
            let (thread, body) = (thread.get_value(), body.clone());
            async move {
                // The text first, then the staged files (they follow what they illustrate).
                let sent = if body.trim().is_empty() {
                    Ok(())
                } else {
                    thread.reply(&body).await
                };
                match sent {
                    Ok(()) => {
                        error.set(None);
                        keep.cancel();
                        save_draft.dispatch_local(String::new());
                        stop_typing.call(());
                        if let Err(e) = thread.send_staged().await {
                            error.set(Some(failed("A file was not sent (it is still attached)", &e)));
                        }
                        staging.sent();
                    }
                    Err(e) => {
                        error.set(Some(failed("This message was not sent", &e)));
                        // Put back if nothing new was typed meanwhile.
                        if text.try_get_untracked().is_some_and(|t| t.is_empty()) {
                            text.set(body);
                        }
                    }
                }
            }
        }
    });
    // Cleared at once (the message shows as Sending…); put back if it could not be queued.
    let send_now = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() && !staging.any() {
            return;
        }
        text.set(String::new());
        send.dispatch_local(body);
    };
    let mentions = Mentions::new(thread, field);
    let attach = staging.add;
    let edited = move |value: String| {
        keep.call(value.clone());
        text.set(value);
    };
    let on_change = Callback::new(edited);

    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send_now(); }
            class:dropping=move || dropping.get()
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dropping.set(true); }
            on:dragleave=move |_| dropping.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                dropping.set(false);
                let files = attach::files_of(ev.data_transfer().and_then(|d| d.files()));
                // Dropped text goes into the box as usual; dropped files are attached.
                if !files.is_empty() {
                    ev.prevent_default();
                    attach.dispatch_local(files);
                }
            }>
            {move || error.get().map(|e| view! { <Alert text=e/> })}
            <MentionList mentions=mentions text=text on_change=on_change/>
            <StagedFiles staging=staging/>
            <div class="composer-row">
                <TemplatePicker thread=thread text=text field=field on_change=on_change/>
                <textarea aria-label="Message" placeholder="Write a reply…" title="Type @ to address a role or person" rows="1" node_ref=field
                    aria-autocomplete="list" aria-controls="mention-suggestions"
                    prop:value=move || text.get()
                    on:paste=move |ev: leptos::ev::ClipboardEvent| {
                        let data = ev.clipboard_data();
                        // Cells copied from a spreadsheet carry a picture of themselves too: with
                        // text on the clipboard, the text is what is pasted.
                        let has_text = data.as_ref().and_then(|d| d.get_data("text/plain").ok()).is_some_and(|t| !t.is_empty());
                        let files = attach::files_of(data.and_then(|d| d.files()));
                        if !has_text && !files.is_empty() {
                            ev.prevent_default();
                            attach.dispatch_local(files);
                        }
                    }
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        mentions.look(&value);
                        // An emptied box is no longer someone typing.
                        typing.dispatch_local(!value.trim().is_empty());
                        edited(value);
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if mentions.key(&ev, text, on_change) || tab_to_placeholder(&ev, field) {
                            return;
                        }
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            send_now();
                        }
                    }></textarea>
                <AttachButtons attach=attach/>
                <button type="submit" class="primary">"Send"</button>
            </div>
        </form>
    }
}
