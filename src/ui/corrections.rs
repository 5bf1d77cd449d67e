//! Correcting a message in place: `Edit` and `Retract` for who may, the `edited` mark that
//! opens earlier versions, and how a retracted message reads.

use super::attachment::AttachmentView;
use super::delivery::{DeliveryLine, EDIT};
use super::parts::Alert;
use super::state::AppState;
use super::time;
use crate::domain::{Attachment, Message, PendingEdit, Versions};
use leptos::prelude::*;
use leptos::task::spawn_local;

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
    room: String,
    root: String,
    message: Message,
    text: String,
    /// The attached file, for a message that is one (shown instead of the text).
    #[prop(optional_no_strip)]
    file: Option<Attachment>,
) -> impl IntoView {
    let state = AppState::get();
    let mode = RwSignal::new(Mode::Reading);
    let session = state.session();
    let may_edit = session.as_ref().is_some_and(|s| s.may_edit(&message));
    let may_retract = session.as_ref().is_some_and(|s| s.may_retract(&message));
    let edited = message.edited_at.is_some();
    let id = message.id.clone();
    let (root_retract, message_retract, message_shown) = (root.clone(), message.clone(), message.clone());
    let (room_edit, root_edit, id_edit, text_edit) = (room.clone(), root, id.clone(), text.clone());
    let (room_versions, id_versions) = (room.clone(), id.clone());
    // The person's own edit on its way shows at once, with its state.
    let pending = {
        let id = id.clone();
        move || state.inbox(|i| i.pending_edit(&id).cloned()).flatten()
    };
    view! {
        {move || match (mode.get(), pending()) {
            (Mode::Editing, _) => view! {
                <EditForm room=room_edit.clone() root=root_edit.clone() id=id_edit.clone() text=text_edit.clone() mode=mode/>
            }.into_any(),
            (_, Some(edit)) => view! { <PendingEditText edit=edit/> }.into_any(),
            _ => match file.clone() {
                Some(file) => view! {
                    <AttachmentView file=file delivery=message_shown.delivery.clone() txn_id=message_shown.txn_id.clone()/>
                }.into_any(),
                None => view! { <p class="text">{text.clone()}</p> }.into_any(),
            },
        }}
        {edited.then(|| view! { <EarlierVersions room=room_versions id=id_versions/> })}
        {move || (mode.get() == Mode::Retracting).then(|| view! {
            <RetractForm room=room.clone() root=root_retract.clone() message=message_retract.clone() mode=mode/>
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
fn EditForm(room: String, root: String, id: String, text: String, mode: RwSignal<Mode>) -> impl IntoView {
    let state = AppState::get();
    let draft = RwSignal::new(text);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(session) = state.session() else { return };
        if busy.get_untracked() {
            return;
        }
        let (room, root, id) = (room.clone(), root.clone(), id.clone());
        let text = draft.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match session.edit(&room, &root, &id, text.trim_end()).await {
                Ok(()) => mode.set(Mode::Reading),
                Err(e) => error.set(Some(format!("The edit could not be saved: {e}"))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="edit-form" on:submit=save
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { mode.set(Mode::Reading) }>
            <textarea aria-label="Edited message" rows="3" prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            {move || error.get().map(|e| view! { <Alert text=e/> })}
            <div class="form-actions">
                <button type="button" class="small" on:click=move |_| mode.set(Mode::Reading)>"Cancel"</button>
                <button type="submit" class="small primary" disabled=move || busy.get()>"Save edit"</button>
            </div>
        </form>
    }
}

/// Asks for the reason everyone will see, then retracts at once (or says why not).
#[component]
fn RetractForm(room: String, root: String, message: Message, mode: RwSignal<Mode>) -> impl IntoView {
    let state = AppState::get();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let field = format!("retract-{}", message.id);
    let retract = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(session) = state.session() else { return };
        let given = reason.get_untracked().trim().to_owned();
        if given.is_empty() {
            error.set(Some("Give a reason: everyone who sees the thread will read it.".into()));
            return;
        }
        // The window may have passed since the button was shown.
        if !session.may_retract(&message) {
            let window = session.policy().retraction_window_minutes;
            error.set(Some(format!(
                "The {window} minutes to retract this message have passed. An admin can retract it."
            )));
            return;
        }
        let (room, root, id) = (room.clone(), root.clone(), message.id.clone());
        busy.set(true);
        spawn_local(async move {
            match session.retract(&room, &root, &id, &given).await {
                Ok(()) => mode.set(Mode::Reading),
                Err(e) if e.status() == Some(403) => error.set(Some(
                    "The homeserver refused: the time to retract this message has passed, or it is not yours. An admin can retract it.".into(),
                )),
                Err(e) => error.set(Some(format!("The message was not retracted: {e}"))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="retract-form" on:submit=retract>
            <p class="confirm-question">"Retract this message? Its text is removed for everyone; the thread shows who removed it and why."</p>
            <label for=field.clone()>"Reason"</label>
            <input id=field type="text" autocomplete="off" placeholder="e.g. Posted in the wrong thread"
                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            {move || error.get().map(|e| view! { <Alert text=e/> })}
            <div class="form-actions">
                <button type="button" class="small" on:click=move |_| mode.set(Mode::Reading)>"Keep message"</button>
                <button type="submit" class="small primary danger" disabled=move || busy.get()>"Retract message"</button>
            </div>
        </form>
    }
}

/// `edited`, which opens the message's versions as the homeserver has them.
#[component]
fn EarlierVersions(room: String, id: String) -> impl IntoView {
    let state = AppState::get();
    let versions = RwSignal::new(None::<Result<Versions, String>>);
    let open = RwSignal::new(false);
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if !open.get_untracked() || versions.with_untracked(|v| matches!(v, Some(Ok(_)))) {
            return;
        }
        let Some(session) = state.session() else { return };
        let (room, id) = (room.clone(), id.clone());
        spawn_local(async move {
            let found = session.versions(&room, &id).await.map_err(|e| e.to_string());
            versions.set(Some(found));
        });
    };
    view! {
        <button type="button" class="edited-mark" aria-expanded=move || open.get().to_string() on:click=toggle>"edited"</button>
        {move || open.get().then(|| match versions.get() {
            None => view! { <p class="versions-loading">"Loading earlier versions…"</p> }.into_any(),
            Some(Err(e)) => view! { <Alert text=format!("The earlier versions could not be loaded: {e}")/> }.into_any(),
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
