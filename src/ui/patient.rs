//! The `Patient` region of a thread about a patient. The patient shown is the EHR's record for
//! the thread's stored id — never the thread's free-text label — and a label that does not match
//! the record is said plainly, so a thread cannot point staff at another person's appointments.

use super::appointments::Appointments;
use super::chart::SaveToChart;
use super::link_patient::{LinkPatientButton, LinkPatientPanel};
use super::parts::Alert;
use super::state::{AppState, ThreadRef};
use super::tasks::{action, resource};
use super::time;
use crate::domain::Patient;
use crate::session::browser;
use crate::session::{Capability, PatientRecord, SessionError};
use leptos::prelude::*;

/// The region of `thread`, about `patient`.
#[component]
pub fn PatientRegion(thread: ThreadRef, patient: Patient) -> impl IntoView {
    let state = AppState::get();
    let has_ehr = state.ehr().is_some();
    let label = patient.display.clone();
    let connected = move || state.can(Capability::SeePatients).is_some();
    let record = {
        let id = patient.id.clone();
        // Read again when the connection comes back, if it failed without one.
        let online = Memo::new(move |_| !state.offline());
        resource(move || {
            online.track();
            let (reads, ehr, id) = (state.can(Capability::SeePatients), state.ehr(), id.clone());
            async move {
                match (ehr, id, reads) {
                    (Some(ehr), Some(id), Some(_)) => Some(ehr.patient(&id).await),
                    _ => None,
                }
            }
        })
    };
    let identity = {
        let label = label.clone();
        move || match record.get().flatten() {
            Some(Ok(found)) => view! { <Identity record=found label=label.clone()/> }.into_any(),
            Some(Err(SessionError::NotAllowed)) => view! {
                <h2 class="patient-name">{label.clone()}</h2>
                <p class="muted">"Patient details are not available for your role."</p>
            }
            .into_any(),
            // Offline is not an error here: the record shows when the connection is back.
            Some(Err(SessionError::Unreachable(_))) if state.offline() => view! {
                <h2 class="patient-name">{label.clone()}</h2>
                <p class="muted">"Offline — the patient's record shows when the connection is back."</p>
            }
            .into_any(),
            Some(Err(e)) => view! {
                <h2 class="patient-name">{label.clone()}</h2>
                <Alert text=format!("The patient's record could not be loaded: {e}.")/>
            }
            .into_any(),
            None => view! { <h2 class="patient-name">{label.clone()}</h2> }.into_any(),
        }
    };

    // On a tablet or phone the region is one line until asked for: the conversation keeps the
    // screen.
    let open = RwSignal::new(roomy_screen());
    let linked = patient.id.is_some();
    view! {
        <section class="patient" role="region" aria-label="Patient">
            <div class="patient-summary">
                <div class="patient-identity">{identity}</div>
                {move || (linked && state.can(Capability::SeeAppointments) == Some(true)).then(|| view! {
                    <button type="button" class="small quiet patient-toggle" aria-controls="patient-details"
                        aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                        {move || if open.get() { "Hide appointments" } else { "Appointments" }}
                    </button>
                })}
            </div>
            {match (has_ehr, patient.id.clone()) {
                (false, _) => None,
                (true, None) => Some(view! { <Unlinked thread=thread/> }.into_any()),
                (true, Some(reference)) => Some((move || if connected() {
                    view! {
                        <div id="patient-details" hidden=move || !open.get()>
                            <Appointments thread=thread reference=reference.clone()/>
                            <SaveToChart thread=thread/>
                        </div>
                    }.into_any()
                } else {
                    view! { <ConnectEhr/> }.into_any()
                }).into_any()),
            }}
        </section>
    }
}

/// Whether the screen is tall enough to show the patient's appointments with the conversation.
fn roomy_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .is_some_and(|h| h >= 900.0)
}

/// A thread naming a patient without their record: said, and linkable in place.
#[component]
fn Unlinked(thread: ThreadRef) -> impl IntoView {
    let linking = RwSignal::new(false);
    view! {
        <p class="muted">"Not linked to a patient record."</p>
        <LinkPatientButton open=linking/>
        <LinkPatientPanel thread=thread open=linking/>
    }
}

/// The EHR's record, checked against the thread's label.
#[component]
fn Identity(record: PatientRecord, label: String) -> impl IntoView {
    let matches = record.matches(&label);
    let born = [
        record
            .birth_date
            .as_ref()
            .map(|b| format!("Born {}", time::calendar_date(b))),
        record.mrn.as_ref().map(|m| format!("MRN {m}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let born = (!born.is_empty()).then_some(born);
    view! {
        <h2 class="patient-name">{record.full.clone()}</h2>
        {born.map(|b| view! { <p class="muted patient-details">{b}</p> })}
        {(!matches).then(|| view! {
            <Alert text=format!(
                "This thread says “{label}”, but the EHR record it points to is {}. Check that it is the right person before acting on it.",
                record.full
            )/>
        })}
    }
}

/// Offers to sign in to the EHR where it is needed, saying what for (`to see appointments`).
#[component]
pub fn ConnectEhr(#[prop(default = "to see appointments")] to: &'static str) -> impl IntoView {
    let state = AppState::get();
    let connect = action(move |(): &()| {
        let here = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_else(|| "/".into());
        let tab = state.tab();
        async move {
            let Some(tab) = tab else { return };
            if let Err(problem) = browser::connect_ehr(&tab, &here, false).await {
                state.ehr_problem.set(Some(problem.to_string()));
            }
        }
    });
    view! {
        <div class="connect-ehr">
            <p class="muted">{format!("Sign in to the EHR {to}.")}</p>
            <button type="button" class="small" disabled=move || connect.pending().get()
                on:click=move |_| { connect.dispatch_local(()); }>"Sign in to the EHR"</button>
        </div>
    }
}
