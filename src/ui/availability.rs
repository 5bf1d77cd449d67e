//! Availability: the person's own choice in the top bar, and the EHR schedule setting "With a
//! patient" for the length of an appointment.

use super::state::AppState;
use crate::domain::Availability;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `Availability`: Available, With a patient or Off duty, on the homeserver for colleagues to see.
#[component]
pub fn AvailabilityPicker() -> impl IntoView {
    let state = AppState::get();
    let choose = move |ev: leptos::ev::Event| {
        let Some(chosen) = Availability::from_label(&event_target_value(&ev)) else {
            return;
        };
        set(state, chosen);
    };
    view! {
        <select class="availability-picker" aria-label="Availability" on:change=choose
            prop:value=move || state.my_availability().label()>
            {Availability::ALL.map(|a| view! { <option value=a.label()>{a.label()}</option> }).collect_view()}
        </select>
    }
}

fn set(state: AppState, chosen: Availability) {
    let Some(session) = state.session() else { return };
    spawn_local(async move {
        if let Err(e) = session.set_availability(chosen).await {
            let problem = format!("Your availability could not be changed ({e}). Try again.");
            state.store_problem.set(Some(problem));
        }
    });
}

/// Where the portal asks for it (`fhir.with_patient_from_schedule`) and while the EHR is
/// connected, once a minute: a person the schedule has in an appointment now
/// becomes "With a patient", and "Available" again when it ends. Only what the schedule set is
/// undone; a choice the person made themselves stays.
pub fn follow_schedule(state: AppState) {
    let wanted = state
        .config
        .with_value(|c| c.fhir.as_ref().is_some_and(|f| f.with_patient_from_schedule));
    if !wanted {
        return;
    }
    let set_by_schedule = StoredValue::new(false);
    Effect::new(move |checked: Option<Option<u64>>| {
        let now = state.clock.get();
        let minute = Some(now / 60_000);
        let checked = checked.flatten();
        let (Some(session), Some(ehr)) = (state.session(), state.ehr()) else {
            return checked;
        };
        if !ehr.is_connected() || checked == minute {
            return checked;
        }
        spawn_local(async move {
            // An EHR that cannot answer now leaves things as they are; the next minute asks again.
            let Ok(appointment) = ehr.appointment_now(now).await else {
                return;
            };
            let now_set = match (appointment, session.my_availability()) {
                (Some(_), Availability::Available) => Availability::WithPatient,
                (None, Availability::WithPatient) if set_by_schedule.get_value() => Availability::Available,
                _ => return,
            };
            if session.set_availability(now_set).await.is_ok() {
                set_by_schedule.set_value(now_set == Availability::WithPatient);
            }
        });
        minute
    });
}
