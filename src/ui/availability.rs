//! Availability: the person's own choice in the top bar, and the EHR schedule setting "With a
//! patient" for the length of an appointment.

use super::state::AppState;
use super::tasks::action;
use crate::domain::Availability;
use leptos::prelude::*;

/// `Availability`: Available, With a patient or Off duty, on the homeserver for colleagues to see.
#[component]
pub fn AvailabilityPicker() -> impl IntoView {
    let state = AppState::get();
    let set = action(move |chosen: &Availability| {
        let (session, chosen) = (state.session(), *chosen);
        async move {
            let Some(session) = session else { return };
            if let Err(e) = session.presence().set(chosen).await {
                state
                    .store_problem
                    .set(Some(format!("Your availability could not be changed: {e}. Try again.")));
            }
        }
    });
    let choose = move |ev: leptos::ev::Event| {
        if let Some(chosen) = Availability::from_label(&event_target_value(&ev)) {
            set.dispatch_local(chosen);
        }
    };
    view! {
        <select class="availability-picker" aria-label="Availability" on:change=choose
            prop:value=move || state.my_availability().label()>
            {Availability::ALL.map(|a| view! { <option value=a.label()>{a.label()}</option> }).collect_view()}
        </select>
    }
}

/// Where the portal asks for it (`fhir.with_patient_from_schedule`) and while the EHR is
/// connected, once a minute: a person the schedule has in an appointment now becomes "With a
/// patient", and "Available" again when it ends. Only what the schedule set is undone; a
/// choice the person made themselves stays.
pub fn follow_schedule(state: AppState) {
    let wanted = state
        .config
        .with_value(|c| c.fhir.as_ref().is_some_and(|f| f.with_patient_from_schedule));
    if !wanted {
        return;
    }
    let set_by_schedule = StoredValue::new(false);
    let check = action(move |now: &u64| {
        let (session, now) = (state.session(), *now);
        async move {
            let Some((session, ehr)) = session.and_then(|s| Some((s.clone(), s.ehr()?))) else {
                return;
            };
            // An EHR that cannot answer now leaves things as they are; the next minute asks again.
            let Ok(appointment) = ehr.appointment_now(now).await else {
                return;
            };
            let now_set = match (appointment, session.presence().mine()) {
                (Some(_), Availability::Available) => Availability::WithPatient,
                (None, Availability::WithPatient) if set_by_schedule.get_value() => Availability::Available,
                _ => return,
            };
            if session.presence().set(now_set).await.is_ok() {
                set_by_schedule.set_value(now_set == Availability::WithPatient);
            }
        }
    });
    let minute = Memo::new(move |_| state.clock.get() / 60_000);
    Effect::new(move |_| {
        minute.track();
        if state.can(crate::session::Capability::SeeSchedule).is_some() {
            check.dispatch_local(state.clock.get_untracked());
        }
    });
}
