//! The `New thread` dialog.

use super::drafts::Draft;
use super::inbox::urlencode;
use super::outbox::new_txn_id;
use super::patient::fhir_client;
use super::state::AppState;
use crate::api::events::MESSAGE;
use crate::api::rounds::{PatientRef, Priority, ThreadMeta};
use crate::fhir::schedule::find_patients;
use crate::store::{DraftKey, NewThreadDraft};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// The homeserver refuses events over 64 KiB; leave room for the envelope.
const MAX_EVENT_BYTES: usize = 60 * 1024;

/// A modal dialog creating a thread; closes itself on success and opens the new thread.
#[component]
pub fn NewThreadDialog(open: RwSignal<bool>) -> impl IntoView {
    let state = AppState::get();
    let navigate = use_navigate();
    let categories = move || state.staff.get().map(|s| s.categories).unwrap_or_default();
    let category = RwSignal::new(String::new());
    let patient = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let urgent = RwSignal::new(false);
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // With a FHIR server, the Patient field offers matching patients (debounced search).
    let patient_ref = RwSignal::new(None::<String>);
    let matches = RwSignal::new(Vec::<(String, String, String)>::new());
    let searches = StoredValue::new(0u64);
    let lookup = move |text: String| {
        let Some(client) = fhir_client(state) else { return };
        searches.update_value(|n| *n += 1);
        let this = searches.get_value();
        if text.trim().chars().count() < 2 {
            matches.set(Vec::new());
            return;
        }
        spawn_local(async move {
            gloo_timers::future::sleep(std::time::Duration::from_millis(250)).await;
            if searches.try_get_value() != Some(this) {
                return;
            }
            // A failed lookup only means no suggestions: free text still works.
            let found = find_patients(&client, text.trim()).await.unwrap_or_default();
            if searches.try_get_value() == Some(this) {
                matches.set(
                    found
                        .into_iter()
                        .filter_map(|p| {
                            let name = p.name.first()?;
                            Some((format!("Patient/{}", p.id?), name.short(), name.full()))
                        })
                        .collect(),
                );
            }
        });
    };

    // The dialog's fields are one draft, saved as you type and restored after a reload.
    let draft = Draft::new(state, DraftKey::NewThread);
    draft.load(move |saved| {
        if let Ok(saved) = serde_json::from_str::<NewThreadDraft>(&saved) {
            category.set(saved.room_id);
            patient.set(saved.patient);
            topic.set(saved.topic);
            urgent.set(saved.urgent);
            message.set(saved.message);
        }
    });
    let save_draft = {
        let draft = draft.clone();
        move || {
            let fields = NewThreadDraft {
                room_id: category.get_untracked(),
                patient: patient.get_untracked(),
                topic: topic.get_untracked(),
                urgent: urgent.get_untracked(),
                message: message.get_untracked(),
            };
            let empty = fields.patient.is_empty() && fields.topic.is_empty() && fields.message.is_empty();
            draft.changed(if empty {
                String::new()
            } else {
                serde_json::to_string(&fields).unwrap_or_default()
            });
        }
    };

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let room = Some(category.get_untracked())
            .filter(|c| !c.is_empty())
            .or_else(|| categories().first().and_then(|c| c.room.clone()));
        let (topic_text, body) = (topic.get_untracked().trim().to_owned(), message.get_untracked());
        let problem = if room.is_none() {
            Some("Choose a category.".to_owned())
        } else if topic_text.is_empty() {
            Some("Give the thread a topic.".to_owned())
        } else if body.trim().is_empty() {
            Some("Write the first message.".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            error.set(Some(problem));
            return;
        }
        let meta = ThreadMeta {
            topic: topic_text,
            patient: Some(patient.get_untracked().trim().to_owned())
                .filter(|p| !p.is_empty())
                .map(|display| PatientRef {
                    display,
                    id: patient_ref.get_untracked(),
                }),
            priority: if urgent.get_untracked() {
                Priority::Urgent
            } else {
                Priority::Routine
            },
        };
        let content = meta.root_content(body.trim_end());
        let size = serde_json::to_vec(&content).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > MAX_EVENT_BYTES {
            error.set(Some(format!(
                "This thread is too long to send ({} KB; the limit is {} KB). Shorten the message.",
                size / 1024,
                MAX_EVENT_BYTES / 1024
            )));
            return;
        }
        let (Some(client), Some(room)) = (state.client(), room) else {
            return;
        };
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        let draft = draft.clone();
        spawn_local(async move {
            match client.send_event(&room, MESSAGE, &new_txn_id(), &content).await {
                Ok(event_id) => {
                    draft.clear();
                    for field in [patient, topic, message] {
                        field.set(String::new());
                    }
                    urgent.set(false);
                    open.set(false);
                    navigate(
                        &format!("/t/{}/{}", urlencode(&room), urlencode(&event_id)),
                        Default::default(),
                    );
                }
                Err(e) => error.set(Some(format!(
                    "The thread could not be created: {e}. Nothing was lost; try again."
                ))),
            }
            busy.set(false);
        });
    };

    view! {
        {move || open.get().then(|| view! {
            <div class="backdrop" on:click=move |_| open.set(false)></div>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="new-thread-title"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
                <form on:submit=create.clone()>
                    <h2 id="new-thread-title">"New thread"</h2>
                    <label for="nt-category">"Category"</label>
                    <select id="nt-category" on:change={
                        let save = save_draft.clone();
                        move |ev| { category.set(event_target_value(&ev)); save(); }
                    }>
                        {move || categories().into_iter().map(|c| {
                            let room = c.room.clone().unwrap_or_default();
                            let selected = category.get_untracked() == room;
                            view! { <option value=room selected=selected>{c.label}</option> }
                        }).collect_view()}
                    </select>
                    <label for="nt-patient">"Patient"</label>
                    <input id="nt-patient" type="text" autocomplete="off" placeholder="Optional, e.g. Sara M."
                        aria-controls="nt-patient-options"
                        prop:value=move || patient.get() on:input={
                            let save = save_draft.clone();
                            move |ev| {
                                let text = event_target_value(&ev);
                                patient.set(text.clone());
                                patient_ref.set(None);
                                lookup(text);
                                save();
                            }
                        }/>
                    <ul id="nt-patient-options" role="listbox" aria-label="Matching patients" class="options"
                        class:empty=move || matches.with(Vec::is_empty)>
                        {move || matches.get().into_iter().map(|(reference, short, full)| view! {
                            <li role="option" aria-selected="false" tabindex="0"
                                on:click=move |_| { patient.set(short.clone()); patient_ref.set(Some(reference.clone())); matches.set(Vec::new()); }>
                                {full}
                            </li>
                        }).collect_view()}
                    </ul>
                    <label for="nt-topic">"Topic"</label>
                    <input id="nt-topic" type="text" autocomplete="off"
                        prop:value=move || topic.get() on:input={
                            let save = save_draft.clone();
                            move |ev| { topic.set(event_target_value(&ev)); save(); }
                        }/>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || urgent.get()
                            on:change={
                                let save = save_draft.clone();
                                move |ev| { urgent.set(event_target_checked(&ev)); save(); }
                            }/>
                        "Urgent"
                    </label>
                    <label for="nt-message">"Message"</label>
                    <textarea id="nt-message" rows="5"
                        prop:value=move || message.get() on:input={
                            let save = save_draft.clone();
                            move |ev| { message.set(event_target_value(&ev)); save(); }
                        }></textarea>
                    {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
                    <div class="dialog-actions">
                        <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="primary" disabled=move || busy.get()>"Create thread"</button>
                    </div>
                </form>
            </div>
        })}
    }
}
