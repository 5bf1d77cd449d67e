//! The New thread dialog's `Patient` field: free text, and with an EHR, matching patients
//! offered as it is typed (choosing one links the thread to the EHR's record).

use super::debounce::Debounced;
use super::new_thread::DraftFields;
use super::state::AppState;
use super::tasks::resource;
use leptos::prelude::*;
use std::time::Duration;

/// Quiet time after the last keystroke before the EHR is searched.
const SEARCH_QUIET: Duration = Duration::from_millis(250);

/// The field and its suggestions, in the draft `fields`.
#[component]
pub fn PatientPicker(fields: DraftFields) -> impl IntoView {
    let state = AppState::get();
    let query = RwSignal::new(String::new());
    let search = Debounced::new(SEARCH_QUIET, move |text: String| query.set(text));
    // The newest search wins: an earlier, slower answer never replaces it.
    let matches = resource(move || {
        let (text, ehr) = (query.get(), state.ehr());
        async move {
            let text = text.trim().to_owned();
            match ehr {
                // A failed search just means no suggestions.
                Some(ehr) if text.chars().count() >= 2 => ehr.find_patients(&text).await.unwrap_or_default(),
                _ => Vec::new(),
            }
        }
    });
    let shown = move || matches.get().unwrap_or_default();
    view! {
        <label for="nt-patient">"Patient"</label>
        <input id="nt-patient" type="text" autocomplete="off" placeholder="Optional, e.g. Sara M."
            aria-controls="nt-patient-options"
            prop:value=move || fields.draft.with(|d| d.patient.clone())
            on:input=move |ev| {
                let text = event_target_value(&ev);
                fields.edit(|d| {
                    d.patient = text.clone();
                    d.patient_ref = None;
                });
                search.call(text);
            }/>
        <ul id="nt-patient-options" role="listbox" aria-label="Matching patients" class="options"
            class:empty=move || shown().is_empty()>
            {move || shown().into_iter().map(|found| view! {
                <li role="option" aria-selected="false" tabindex="0"
                    on:click=move |_| {
                        fields.edit(|d| {
                            d.patient = found.short.clone();
                            d.patient_ref = Some(found.reference.clone());
                        });
                        search.cancel();
                        query.set(String::new());
                    }>
                    {found.full.clone()}
                </li>
            }).collect_view()}
        </ul>
    }
}
