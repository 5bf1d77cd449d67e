//! The `New thread` dialog: its fields are one draft, kept on the device as they are typed.

use super::debounce::Debounced;
use super::parts::{failed, Alert};
use super::patient_picker::PatientPicker;
use super::routes::thread_path;
use super::send_to::SendTo;
use super::state::AppState;
use super::tasks::{action, resource};
use crate::domain::ThreadDraft;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::time::Duration;

/// Quiet time after the last keystroke before the draft is written.
const DRAFT_QUIET: Duration = Duration::from_millis(250);

/// The dialog's fields: one draft, kept as typing pauses.
#[derive(Clone, Copy)]
pub struct DraftFields {
    /// The fields as they are now.
    pub draft: RwSignal<ThreadDraft>,
    keep: Debounced<ThreadDraft>,
}

impl DraftFields {
    /// Changes the fields (and keeps them once typing pauses).
    pub fn edit(&self, change: impl FnOnce(&mut ThreadDraft)) {
        self.draft.update(change);
        self.keep.call(self.draft.get_untracked());
    }
}

/// A modal dialog creating a thread; closes itself on success and opens the new thread.
#[component]
pub fn NewThreadDialog(open: RwSignal<bool>) -> impl IntoView {
    let state = AppState::get();
    let navigate = use_navigate();
    let categories = move || state.staff().map(|s| s.categories).unwrap_or_default();
    let draft = RwSignal::new(ThreadDraft::default());
    let error = RwSignal::new(None::<String>);

    // Restored after a reload; written as typing pauses.
    let kept = resource(move || {
        let session = state.session();
        async move { session?.drafts().new_thread().await.ok().flatten() }
    });
    Effect::new(move |_| {
        if let Some(Some(saved)) = kept.get() {
            if draft.with_untracked(ThreadDraft::is_blank) {
                draft.set(saved);
            }
        }
    });
    let save = action(move |fields: &ThreadDraft| {
        let (session, fields) = (state.session(), fields.clone());
        async move {
            let Some(session) = session else { return };
            if let Err(e) = session.drafts().save_new_thread(&fields).await {
                state
                    .store_problem
                    .set(Some(format!("The new thread's draft could not be kept: {e}.")));
            }
        }
    });
    let keep = Debounced::new(DRAFT_QUIET, move |fields: ThreadDraft| {
        save.dispatch_local(fields);
    });
    let fields = DraftFields { draft, keep };

    // Queued (and kept on the device) first: a thread written offline goes out later, exactly
    // once; it opens at once, and stays the same thread when the homeserver names it.
    let create = action(move |fields: &ThreadDraft| {
        let (session, fields, navigate) = (state.session(), fields.clone(), navigate.clone());
        async move {
            let Some(session) = session else { return };
            match session.create_thread(&fields).await {
                Ok(key) => {
                    keep.cancel();
                    draft.set(ThreadDraft::default());
                    let _ = session.drafts().save_new_thread(&ThreadDraft::default()).await;
                    open.set(false);
                    navigate(&thread_path(&key), Default::default());
                }
                Err(e) => error.set(Some(failed("The thread was not created", &e))),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !create.pending().get_untracked() {
            error.set(None);
            create.dispatch_local(draft.get_untracked());
        }
    };
    let text = move |read: fn(&ThreadDraft) -> &String| move || draft.with(|d| read(d).clone());

    view! {
        {move || open.get().then(|| view! {
            <div class="backdrop" on:click=move |_| open.set(false)></div>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="new-thread-title"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
                <form on:submit=submit>
                    <h2 id="new-thread-title">"New thread"</h2>
                    <label for="nt-category">"Category"</label>
                    <select id="nt-category" on:change=move |ev| {
                        let room = event_target_value(&ev);
                        // What the last Create said about the old category no longer holds.
                        error.set(None);
                        fields.edit(|d| d.room_id = room);
                    }>
                        {move || categories().into_iter().map(|c| {
                            let room = c.room.clone().unwrap_or_default();
                            let selected = draft.with_untracked(|d| d.room_id == room);
                            view! { <option value=room selected=selected>{c.label}</option> }
                        }).collect_view()}
                    </select>
                    <PatientPicker fields=fields/>
                    <label for="nt-topic">"Topic"</label>
                    <input id="nt-topic" type="text" autocomplete="off" prop:value=text(|d| &d.topic)
                        on:input=move |ev| { let v = event_target_value(&ev); fields.edit(|d| d.topic = v); }/>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || draft.with(|d| d.urgent)
                            on:change=move |ev| { let on = event_target_checked(&ev); fields.edit(|d| d.urgent = on); }/>
                        "Urgent"
                    </label>
                    <SendTo fields=fields/>
                    <label for="nt-message">"Message"</label>
                    <textarea id="nt-message" rows="5" prop:value=text(|d| &d.message)
                        on:input=move |ev| { let v = event_target_value(&ev); fields.edit(|d| d.message = v); }></textarea>
                    {move || error.get().map(|e| view! { <Alert text=e/> })}
                    <div class="dialog-actions">
                        <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="primary" disabled=move || create.pending().get()>"Create thread"</button>
                    </div>
                </form>
            </div>
        })}
    }
}
