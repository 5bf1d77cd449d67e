//! Correcting a message in place: `Edit` and `Retract` for who may, the `edited` mark that
//! opens earlier versions, and how a retracted message reads.

use super::attachment::AttachmentView;
use super::delivery::{DeliveryLine, EDIT};
use super::parts::Alert;
use super::state::{AppState, ThreadRef};
use super::tasks::{action, resource};
use super::time;
use crate::domain::{Attachment, Message, PendingEdit};
use crate::session::SessionError;
use leptos::prelude::*;

/// What the person is doing to one message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Reading,
    Editing,
    Retracting,
}

/// A message's text with its corrections: the `edited` mark, and `Edit` / `Retract` for the
/// people who may (the homeserver refuses anyone else).
#[component]
pub fn CorrectableText(
    thread: ThreadRef,
    message: Message,
    text: String,
    /// The attached file, for a message that is one (shown instead of the text).
    #[prop(optional_no_strip)]
    file: Option<Attachment>,
) -> impl IntoView {
    let state = AppState::get();
    let mode = RwSignal::new(Mode::Reading);
    let may_edit = thread.with_value(|t| t.may_edit(&message));
    let may_retract = thread.with_value(|t| t.may_retract(&message));
    let edited = message.edited_at.is_some();
    // The person's own edit on its way shows at once, with its state.
    let pending = {
        let id = message.id.clone();
        move || state.inbox(|i| i.pending_edit(&id).cloned()).flatten()
    };
    let (shown, retracted, id) = (message.clone(), message.clone(), message.id.clone());
    view! {
        {move || match (mode.get(), pending()) {
            (Mode::Editing, _) => view! {
                <EditForm thread=thread id=shown.id.clone() text=text.clone() mode=mode/>
            }.into_any(),
            (_, Some(edit)) => view! { <PendingEditText edit=edit/> }.into_any(),
            _ => match file.clone() {
                Some(file) => view! {
                    <AttachmentView file=file delivery=shown.delivery.clone() txn_id=shown.txn_id.clone()/>
                }.into_any(),
                None => view! { <p class="text">{text.clone()}</p> }.into_any(),
            },
        }}
        {edited.then(|| view! { <EarlierVersions thread=thread id=id/> })}
        {move || (mode.get() == Mode::Retracting).then(|| view! {
            <RetractForm thread=thread message=retracted.clone() mode=mode/>
        })}
        {(may_edit || may_retract).then(|| view! {
            <div class="message-actions" class:hidden=move || mode.get() != Mode::Reading>
                {may_edit.then(|| view! {
                    <button type="button" class="small quiet" on:click=move |_| mode.set(Mode::Editing)>"Edit"</button>
                })}
                {may_retract.then(|| view! {
                    <button type="button" class="small quiet" on:click=move |_| mode.set(Mode::Retracting)>"Retract"</button>
                })}
            </div>
        })}
    }
}

/// An edit not on the server yet: its text, and whether it waits or failed (Retry, Discard).
#[component]
fn PendingEditText(edit: PendingEdit) -> impl IntoView {
    view! {
        <p class="text">{edit.text}</p>
        <DeliveryLine txn_id=edit.txn_id delivery=edit.delivery words=EDIT/>
    }
}

/// The message's text in a box, saved as an edit (queued: an edit made offline goes out later).
#[component]
fn EditForm(thread: ThreadRef, id: String, text: String, mode: RwSignal<Mode>) -> impl IntoView {
    let draft = RwSignal::new(text);
    let save = action(move |text: &String| {
        let (thread, id, text) = (thread.get_value(), id.clone(), text.clone());
        async move {
            let saved = thread.edit(&id, &text).await;
            if saved.is_ok() {
                mode.set(Mode::Reading);
            }
            saved
        }
    });
    let error = move || save.value().get().and_then(Result::err);
    view! {
        <form class="edit-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch_local(draft.get_untracked()); }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { mode.set(Mode::Reading) }>
            <textarea aria-label="Edited message" rows="3" prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            {move || error().map(|e| view! { <Alert text=format!("The edit could not be saved: {e}.")/> })}
            <div class="form-actions">
                <button type="button" class="small" on:click=move |_| mode.set(Mode::Reading)>"Cancel"</button>
                <button type="submit" class="small primary" disabled=move || save.pending().get()>"Save edit"</button>
            </div>
        </form>
    }
}

/// Asks for the reason everyone will see, then retracts at once (or says why not).
#[component]
fn RetractForm(thread: ThreadRef, message: Message, mode: RwSignal<Mode>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field = format!("retract-{}", message.id);
    let retract = {
        let id = message.id.clone();
        action(move |reason: &String| {
            let (thread, id, reason) = (thread.get_value(), id.clone(), reason.clone());
            async move {
                match thread.retract(&id, &reason).await {
                    Ok(()) => mode.set(Mode::Reading),
                    Err(SessionError::NotAllowed) => error.set(Some(
                        "The homeserver refused: the time to retract this message has passed, or it is not yours. An admin can retract it.".into(),
                    )),
                    Err(e) => error.set(Some(format!("The message was not retracted: {e}."))),
                }
            }
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let given = reason.get_untracked().trim().to_owned();
        if given.is_empty() {
            error.set(Some("Give a reason: everyone who sees the thread will read it.".into()));
        } else if !thread.with_value(|t| t.may_retract(&message)) {
            // The window may have passed since the button was shown.
            let window = thread.with_value(|t| t.retraction_window_minutes());
            error.set(Some(format!(
                "The {window} minutes to retract this message have passed. An admin can retract it."
            )));
        } else {
            retract.dispatch_local(given);
        }
    };
    view! {
        <form class="retract-form" on:submit=submit>
            <p class="confirm-question">"Retract this message? Its text is removed for everyone; the thread shows who removed it and why."</p>
            <label for=field.clone()>"Reason"</label>
            <input id=field type="text" autocomplete="off" placeholder="e.g. Posted in the wrong thread"
                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            {move || error.get().map(|e| view! { <Alert text=e/> })}
            <div class="form-actions">
                <button type="button" class="small" on:click=move |_| mode.set(Mode::Reading)>"Keep message"</button>
                <button type="submit" class="small primary danger" disabled=move || retract.pending().get()>"Retract message"</button>
            </div>
        </form>
    }
}

/// `edited`, which opens the message's versions as the homeserver has them.
#[component]
fn EarlierVersions(thread: ThreadRef, id: String) -> impl IntoView {
    let open = RwSignal::new(false);
    // Read once, the first time it is opened.
    let versions = resource(move || {
        let (thread, id, wanted) = (thread.get_value(), id.clone(), open.get());
        async move {
            match wanted {
                true => Some(thread.versions(&id).await),
                false => None,
            }
        }
    });
    view! {
        <button type="button" class="edited-mark" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>"edited"</button>
        {move || open.get().then(|| match versions.get().flatten() {
            None => view! { <p class="versions-loading">"Loading earlier versions…"</p> }.into_any(),
            Some(Err(e)) => view! { <Alert text=format!("The earlier versions could not be loaded: {e}.")/> }.into_any(),
            Some(Ok(list)) => view! {
                <ol class="versions" aria-label="Earlier versions">
                    {list.into_iter().enumerate().map(|(i, v)| view! {
                        <li>
                            <span class="version-when">{if i == 0 { format!("Sent {}", time::clock(v.ts)) } else { format!("Edited {}", time::clock(v.ts)) }}</span>
                            <p class="text">{v.text}</p>
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any(),
        })}
    }
}

/// How a retracted message reads: who removed it and why, never what it said.
pub fn removal_notice(by: &str, reason: &str) -> String {
    match reason.trim() {
        "" => format!("Message removed by {by}"),
        reason => format!("Message removed by {by}: {reason}"),
    }
}
