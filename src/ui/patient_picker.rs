//! Finding a patient's record: the New thread dialog's `Patient` field (free text, and with an
//! EHR, matching patients offered as it is typed; choosing one links the thread to the EHR's
//! record) and the finder that links a thread later. Matches are told apart by birth date and
//! record number; not signed in to the EHR, or refused by it, the place says so.

use super::debounce::Debounced;
use super::new_thread::DraftFields;
use super::parts::failed;
use super::patient::ConnectEhr;
use super::state::AppState;
use super::tasks::resource;
use super::time;
use crate::session::{Capability, PatientMatch, SessionError};
use leptos::prelude::*;
use std::time::Duration;

/// Quiet time after the last keystroke before the EHR is searched.
const SEARCH_QUIET: Duration = Duration::from_millis(250);

/// The field and its suggestions, in the draft `fields`.
#[component]
pub fn PatientPicker(fields: DraftFields) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let search = Debounced::new(SEARCH_QUIET, move |text: String| query.set(text));
    let pick = Callback::new(move |found: PatientMatch| {
        fields.edit(|d| {
            d.patient = found.short.clone();
            d.patient_ref = Some(found.reference.clone());
        });
        search.cancel();
        query.set(String::new());
    });
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
        <PatientMatches id="nt-patient-options" query=query pick=pick/>
    }
}

/// A field finding a patient's record (`Find patient`), for `pick`.
#[component]
pub fn PatientFinder(pick: Callback<PatientMatch>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let search = Debounced::new(SEARCH_QUIET, move |text: String| query.set(text));
    view! {
        <input type="search" autocomplete="off" aria-label="Find patient" placeholder="Name, e.g. Sara"
            aria-controls="link-patient-options" autofocus
            on:input=move |ev| search.call(event_target_value(&ev))/>
        <PatientMatches id="link-patient-options" query=query pick=pick/>
    }
}

/// The EHR's patients matching `query` (list `Matching patients`), each told apart by birth
/// date and record number; or why there are none to offer.
#[component]
fn PatientMatches(id: &'static str, query: RwSignal<String>, pick: Callback<PatientMatch>) -> impl IntoView {
    let state = AppState::get();
    // The newest search wins: an earlier, slower answer never replaces it.
    let matches = resource(move || {
        let (text, ehr) = (query.get(), state.ehr());
        async move {
            let text = text.trim().to_owned();
            match ehr {
                Some(ehr) if text.chars().count() >= 2 => ehr.find_patients(&text).await,
                _ => Ok(Vec::new()),
            }
        }
    });
    let shown = move || matches.get().and_then(Result::ok).unwrap_or_default();
    // With an EHR the person has not signed in to, the field says how to find patients.
    let signed_out = move || state.ehr().is_some() && state.can(Capability::SeePatients).is_none();
    let problem = move || {
        if signed_out() {
            return None;
        }
        matches.get().and_then(Result::err).map(|e| match e {
            SessionError::NotAllowed => {
                "The EHR does not let your role search patients; the name is kept as typed.".to_owned()
            }
            other => failed("Patients could not be searched in the EHR", &other),
        })
    };
    view! {
        <ul id=id role="listbox" aria-label="Matching patients" class="options"
            class:empty=move || shown().is_empty()>
            {move || shown().into_iter().map(|found| {
                let chosen = found.clone();
                view! {
                    <li role="option" aria-selected="false" tabindex="0"
                        on:click=move |_| pick.run(chosen.clone())
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                pick.run(found.clone());
                            }
                        }>
                        {described(&found)}
                    </li>
                }
            }).collect_view()}
        </ul>
        {move || signed_out().then(|| view! { <ConnectEhr to="to find the patient's record"/> })}
        {move || problem().map(|p| view! { <p class="muted" role="status">{p}</p> })}
    }
}

/// `Sara Martinez · born 2016-04-12 · MRN RT-1001`: two patients of one name told apart.
fn described(found: &PatientMatch) -> String {
    let mut text = found.full.clone();
    if let Some(born) = &found.birth_date {
        text.push_str(&format!(" · born {}", time::calendar_date(born)));
    }
    if let Some(mrn) = &found.mrn {
        text.push_str(&format!(" · MRN {mrn}"));
    }
    text
}
