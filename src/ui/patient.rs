//! The `Patient` region of a thread about a patient: name, next appointments and, for staff who
//! schedule, `Reschedule` and `Cancel appointment`, written to the FHIR server first and
//! announced in the thread once the EHR holds the whole change.

use super::outbox;
use super::slot_picker::SlotPicker;
use super::state::AppState;
use super::time;
use crate::api::rounds::AppointmentChange;
use crate::api::BrowserTransport;
use crate::domain::clinic::roles::{ADMIN, CLINICIAN, FRONT_DESK};
use crate::domain::Patient;
use crate::fhir::schedule::{self, ChangeError, Partial, Step};
use crate::fhir::{Appointment, FhirClient, FhirError, Practitioner, Resource, Slot, Versioned};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The FHIR client, when the portal has a FHIR server.
pub fn fhir_client(state: AppState) -> Option<FhirClient<BrowserTransport>> {
    state
        .config
        .with_value(|c| c.fhir.clone())
        .map(|f| FhirClient::new(BrowserTransport::default(), &f.base_url, f.token))
}

/// Whether the signed-in person may see appointments and change them.
pub fn can_schedule(state: AppState) -> bool {
    state.staff.with_untracked(|s| {
        s.as_ref().is_some_and(|s| {
            s.roles
                .iter()
                .any(|r| [CLINICIAN, FRONT_DESK, ADMIN].contains(&r.id.as_str()))
        })
    })
}

/// What the person is doing with an appointment (by its index in the list).
#[derive(Clone, PartialEq)]
enum Action {
    Idle,
    Choosing(usize),
    Cancelling(usize),
    Working,
    /// A change the EHR holds only partly: finish or undo it.
    HalfDone(Box<Partial>),
}

/// What the region tells the person after a change.
#[derive(Clone)]
enum Notice {
    Done(String),
    Problem(String),
}

/// The region; `room`/`root` is the thread the change is announced in.
#[component]
pub fn PatientRegion(room: String, root: String, patient: Patient) -> impl IntoView {
    let state = AppState::get();
    let appointments = RwSignal::new(None::<Vec<Versioned<Appointment>>>);
    let action = RwSignal::new(Action::Idle);
    let notice = RwSignal::new(None::<Notice>);
    let schedules = can_schedule(state);
    let reference = patient.id.clone().filter(|_| schedules);
    let client = fhir_client(state);

    let load = {
        let (client, reference) = (client.clone(), reference.clone());
        move || {
            let (Some(client), Some(reference)) = (client.clone(), reference.clone()) else {
                return;
            };
            spawn_local(async move {
                let from = time::instant(time::day_start_from_today(0));
                match schedule::upcoming(&client, &reference, &from).await {
                    Ok(found) => appointments.set(Some(found)),
                    Err(e) => notice.set(Some(Notice::Problem(format!("Appointments could not be loaded: {e}.")))),
                }
            });
        }
    };
    load();
    let appointment =
        move |index: usize| appointments.with_untracked(|a| a.as_ref().and_then(|a| a.get(index).cloned()));

    // Runs one write to the EHR and reports its outcome; announces only a completed change.
    let display = patient.display.clone();
    let settle = {
        let (room, root, load) = (room.clone(), root.clone(), load.clone());
        move |result: Result<Versioned<Appointment>, ChangeError>, before: Appointment| {
            // Reload what the EHR now holds, unless it could not be reached at all.
            let changed = !matches!(&result, Err(ChangeError::NothingWritten(e)) if *e != FhirError::Conflict);
            match result {
                Ok(after) => {
                    let summary = announce(state, &room, &root, &display, &before, &after.resource);
                    action.set(Action::Idle);
                    notice.set(Some(Notice::Done(summary)));
                }
                Err(ChangeError::NothingWritten(FhirError::Conflict)) => {
                    action.set(Action::Idle);
                    notice.set(Some(Notice::Problem(
                        "This appointment was changed by someone else meanwhile. It has been reloaded: check it and try again.".into(),
                    )));
                }
                // The server is down or refused: nothing changed, keep what is shown.
                Err(ChangeError::NothingWritten(e)) => {
                    action.set(Action::Idle);
                    notice.set(Some(Notice::Problem(format!("Nothing was changed: {e}."))));
                }
                Err(ChangeError::Partial(partial)) => {
                    notice.set(Some(Notice::Problem(half_done(&partial))));
                    action.set(Action::HalfDone(partial));
                }
            }
            if changed {
                load();
            }
        }
    };

    let reschedule = {
        let (client, settle) = (client.clone(), settle.clone());
        move |index: usize, slot: Versioned<Slot>| {
            let (Some(client), Some(appointment)) = (client.clone(), appointment(index)) else {
                return;
            };
            let settle = settle.clone();
            action.set(Action::Working);
            notice.set(None);
            spawn_local(async move {
                let result = schedule::reschedule(&client, &appointment, &slot).await;
                settle(result, appointment.resource);
            });
        }
    };
    let cancel = {
        let (client, settle) = (client.clone(), settle.clone());
        move |index: usize, reason: String| {
            let (Some(client), Some(appointment)) = (client.clone(), appointment(index)) else {
                return;
            };
            let settle = settle.clone();
            action.set(Action::Working);
            notice.set(None);
            spawn_local(async move {
                let result = schedule::cancel(&client, &appointment, &reason).await;
                settle(result, appointment.resource);
            });
        }
    };
    let finish = {
        let (client, settle) = (client.clone(), settle.clone());
        move |partial: Partial| {
            let Some(client) = client.clone() else { return };
            let settle = settle.clone();
            action.set(Action::Working);
            spawn_local(async move {
                let before = partial.before.clone();
                settle(schedule::finish(&client, partial).await, before);
            });
        }
    };
    let undo = {
        let (client, load) = (client.clone(), load.clone());
        move |partial: Partial| {
            let Some(client) = client.clone() else { return };
            let load = load.clone();
            action.set(Action::Working);
            spawn_local(async move {
                match schedule::undo(&client, &partial).await {
                    Ok(back) => {
                        action.set(Action::Idle);
                        notice.set(Some(Notice::Done(format!(
                            "The move was undone: the appointment is back at {}.",
                            when(&back.resource)
                        ))));
                    }
                    Err(e) => {
                        notice.set(Some(Notice::Problem(format!(
                            "{} Undoing failed too: {e}.",
                            half_done(&partial)
                        ))));
                        action.set(Action::HalfDone(Box::new(partial)));
                    }
                }
                load();
            });
        }
    };

    let busy = move || matches!(action.get(), Action::Working | Action::HalfDone(_));
    let list = move || {
        match appointments.get() {
        None => view! { <p class="muted">"Loading appointments…"</p> }.into_any(),
        Some(list) if list.is_empty() => view! { <p class="muted">"No upcoming appointments."</p> }.into_any(),
        Some(list) => view! {
            <ul class="appointments">
                {list.into_iter().enumerate().map(|(i, a)| view! {
                    <li>
                        <span class="appt-when">{describe(&a.resource)}</span>
                        <button type="button" class="small" disabled=busy
                            on:click=move |_| { notice.set(None); action.set(Action::Choosing(i)) }>"Reschedule"</button>
                        <button type="button" class="small" disabled=busy
                            on:click=move |_| { notice.set(None); action.set(Action::Cancelling(i)) }>"Cancel appointment"</button>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    let panel = {
        let client = client.clone();
        move || match action.get() {
            Action::Choosing(i) => {
                let (client, target, reschedule) = (client.clone()?, appointment(i)?, reschedule.clone());
                Some(
                    view! {
                        <SlotPicker client=client appointment=target.resource
                            confirm=move |slot| reschedule(i, slot) back=move |()| action.set(Action::Idle)/>
                    }
                    .into_any(),
                )
            }
            Action::Cancelling(i) => {
                let (target, cancel) = (appointment(i)?, cancel.clone());
                Some(
                    view! { <CancelConfirm appointment=target.resource confirm=move |reason| cancel(i, reason)
                    keep=move |()| action.set(Action::Idle)/> }
                    .into_any(),
                )
            }
            Action::HalfDone(partial) => {
                let (finish, undo) = (finish.clone(), undo.clone());
                let moved = partial.new_slot.is_some();
                let for_undo = (*partial).clone();
                Some(view! {
                    <div class="dialog-actions half-done">
                        <button type="button" class="primary" on:click=move |_| finish((*partial).clone())>"Finish the change"</button>
                        {moved.then(|| view! {
                            <button type="button" on:click=move |_| undo(for_undo.clone())>"Undo the move"</button>
                        })}
                    </div>
                }.into_any())
            }
            Action::Idle | Action::Working => None,
        }
    };

    view! {
        <section class="patient" role="region" aria-label="Patient">
            <h2 class="patient-name">{patient.display.clone()}</h2>
            {move || notice.get().map(|n| match n {
                Notice::Problem(text) => view! { <p class="alert" role="alert">{text}</p> }.into_any(),
                Notice::Done(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
            })}
            {match (schedules, reference.is_some(), client.is_some()) {
                (false, _, _) | (true, true, false) => None,
                (true, false, _) => Some(view! { <p class="muted">"Not linked to a patient record."</p> }.into_any()),
                (true, true, true) => Some(view! {
                    <h3 class="appointments-heading">"Next appointments"</h3>
                    {list}
                    {panel}
                }.into_any()),
            }}
        </section>
    }
}

/// Asks before cancelling, with the reason the EHR records.
#[component]
fn CancelConfirm(
    appointment: Appointment,
    #[prop(into)] confirm: Callback<String>,
    #[prop(into)] keep: Callback<()>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reason.get_untracked().trim().to_owned();
        if text.is_empty() {
            missing.set(true);
            return;
        }
        confirm.run(text);
    };
    view! {
        <form class="slots cancel-confirm" on:submit=submit>
            <p class="confirm-question">{format!("Cancel the appointment on {}?", describe(&appointment))}</p>
            <label for="cancel-reason">"Reason"</label>
            <input id="cancel-reason" type="text" autocomplete="off" placeholder="e.g. Family is travelling"
                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            {move || missing.get().then(|| view! { <p class="alert" role="alert">"Give a reason: the EHR keeps it with the cancellation."</p> })}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| keep.run(())>"Keep appointment"</button>
                <button type="submit" class="primary danger">"Confirm cancellation"</button>
            </div>
        </form>
    }
}

/// `Tue, Nov 26 · 14:00`, or a note when the EHR gave no time.
fn when(appointment: &Appointment) -> String {
    appointment
        .start
        .as_deref()
        .and_then(time::parse_instant)
        .map(time::date_clock)
        .unwrap_or_else(|| "no time set".into())
}

/// `Tue, Nov 26 · 14:00 with Jordan Ellis`.
fn describe(appointment: &Appointment) -> String {
    match appointment.actor(Practitioner::TYPE).and_then(|a| a.display.clone()) {
        Some(who) => format!("{} with {who}", when(appointment)),
        None => when(appointment),
    }
}

/// Exactly what a half-done change wrote and what it could not.
fn half_done(partial: &Partial) -> String {
    let written = if partial.new_slot.is_some() {
        format!(
            "The appointment was moved to {} in the EHR",
            when(&partial.now.resource)
        )
    } else {
        "The appointment was cancelled in the EHR".to_owned()
    };
    let failed = match partial.failed {
        Step::TakeSlot => "its new time could not be marked as taken",
        Step::FreeSlots => "its previous time could not be marked free again",
        Step::Appointment => "the appointment could not be written",
    };
    let next = if partial.new_slot.is_some() {
        "Finish the change, or undo the move."
    } else {
        "Finish the change to free its time."
    };
    format!("{written}, but {failed} ({}). {next}", partial.error)
}

/// Posts the `app.rounds.appointment` event (through the outbox) and returns its summary.
fn announce(
    state: AppState,
    room: &str,
    root: &str,
    patient: &str,
    before: &Appointment,
    after: &Appointment,
) -> String {
    let at = |a: &Appointment| {
        a.start
            .as_deref()
            .and_then(time::parse_instant)
            .map(time::weekday_clock)
    };
    let summary = if after.status == "cancelled" {
        format!(
            "Cancelled {patient}'s appointment on {}",
            at(before).unwrap_or_default()
        )
    } else {
        format!(
            "Rescheduled {patient} from {} to {}",
            at(before).unwrap_or_default(),
            at(after).unwrap_or_default()
        )
    };
    let change = AppointmentChange {
        appointment: format!("Appointment/{}", after.id.clone().unwrap_or_default()),
        old_start: before.start.clone(),
        new_start: (after.status != "cancelled").then(|| after.start.clone()).flatten(),
        status: after.status.clone(),
    };
    outbox::send_appointment(state, room, root, &change, &summary);
    summary
}
