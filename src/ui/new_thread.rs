//! The `New thread` dialog.

use super::drafts::Draft;
use super::parts::Alert;
use super::routes::thread_path;
use super::state::AppState;
use crate::domain::{Patient, Priority, ThreadInfo};
use crate::session::PatientMatch;
use crate::store::{DraftKey, NewThreadDraft};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// A modal dialog creating a thread; closes itself on success and opens the new thread.
#[component]
pub fn NewThreadDialog(open: RwSignal<bool>) -> impl IntoView {
    let state = AppState::get();
    let navigate = use_navigate();
    let categories = move || state.staff().map(|s| s.categories).unwrap_or_default();
    let category = RwSignal::new(String::new());
    let patient = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let urgent = RwSignal::new(false);
    let to_roles = RwSignal::new(Vec::<String>::new());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // With an EHR, the Patient field offers matching patients (debounced search).
    let patient_ref = RwSignal::new(None::<String>);
    let matches = RwSignal::new(Vec::<PatientMatch>::new());
    let searches = StoredValue::new(0u64);
    let lookup = move |text: String| {
        let Some(ehr) = state.ehr() else { return };
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
            let found = ehr.find_patients(text.trim()).await;
            if searches.try_get_value() == Some(this) {
                matches.set(found);
            }
        });
    };

    // The dialog's fields are one draft, saved as you type and restored after a reload.
    let draft = Draft::new(state, DraftKey::NewThread);
    draft.load_fields(move |saved| {
        category.set(saved.room_id);
        patient.set(saved.patient);
        topic.set(saved.topic);
        urgent.set(saved.urgent);
        message.set(saved.message);
        to_roles.set(saved.to_roles);
    });
    // The roles that can see the chosen category: the ones a thread there can be addressed to.
    let addressable = move || {
        let chosen = category.get();
        let categories = categories();
        let Some(shown) = categories
            .iter()
            .find(|c| c.room.as_deref() == Some(chosen.as_str()))
            .or_else(|| categories.first())
        else {
            return Vec::new();
        };
        let policy = state.session().map(|s| s.policy());
        let label = |id: &str| {
            policy
                .as_ref()
                .and_then(|p| p.role(id))
                .map_or(id.to_owned(), |r| r.label.clone())
        };
        shown.roles.iter().map(|id| (id.clone(), label(id))).collect::<Vec<_>>()
    };
    let save_draft = {
        let draft = draft.clone();
        move || {
            let fields = NewThreadDraft {
                room_id: category.get_untracked(),
                patient: patient.get_untracked(),
                topic: topic.get_untracked(),
                urgent: urgent.get_untracked(),
                message: message.get_untracked(),
                to_roles: to_roles.get_untracked(),
            };
            draft.fields_changed(&fields);
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
        let info = ThreadInfo {
            topic: topic_text,
            patient: Some(patient.get_untracked().trim().to_owned())
                .filter(|p| !p.is_empty())
                .map(|display| Patient {
                    display,
                    id: patient_ref.get_untracked(),
                }),
            priority: if urgent.get_untracked() {
                Priority::Urgent
            } else {
                Priority::Routine
            },
            // Only roles that can see the category chosen last.
            to_roles: {
                let offered: Vec<String> = addressable().into_iter().map(|(id, _)| id).collect();
                to_roles
                    .get_untracked()
                    .into_iter()
                    .filter(|r| offered.contains(r))
                    .collect()
            },
        };
        let (Some(session), Some(room)) = (state.session(), room) else {
            return;
        };
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        let draft = draft.clone();
        spawn_local(async move {
            // Queued (and kept on the device) first: a thread written offline goes out later,
            // exactly once; it opens at once under its transaction id.
            match session.create_thread(&room, info, body.trim_end()).await {
                Ok(txn_id) => {
                    draft.clear();
                    for field in [patient, topic, message] {
                        field.set(String::new());
                    }
                    urgent.set(false);
                    to_roles.set(Vec::new());
                    open.set(false);
                    navigate(&thread_path(&room, &txn_id), Default::default());
                }
                Err(e) => error.set(Some(format!("The thread could not be created: {e}"))),
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
                        {move || matches.get().into_iter().map(|found| view! {
                            <li role="option" aria-selected="false" tabindex="0"
                                on:click=move |_| { patient.set(found.short.clone()); patient_ref.set(Some(found.reference.clone())); matches.set(Vec::new()); }>
                                {found.full.clone()}
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
                    <fieldset class="address-to">
                        <legend>"Address to"</legend>
                        {let save_roles = save_draft.clone(); move || addressable().into_iter().map(|(id, label)| {
                            let checked = { let id = id.clone(); move || to_roles.with(|r| r.contains(&id)) };
                            let save = save_roles.clone();
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=checked
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            to_roles.update(|r| {
                                                r.retain(|x| *x != id);
                                                if on { r.push(id.clone()); }
                                            });
                                            save();
                                        }/>
                                    {label}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label for="nt-message">"Message"</label>
                    <textarea id="nt-message" rows="5"
                        prop:value=move || message.get() on:input={
                            let save = save_draft.clone();
                            move |ev| { message.set(event_target_value(&ev)); save(); }
                        }></textarea>
                    {move || error.get().map(|e| view! { <Alert text=e/> })}
                    <div class="dialog-actions">
                        <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="primary" disabled=move || busy.get()>"Create thread"</button>
                    </div>
                </form>
            </div>
        })}
    }
}
