//! The `Patient` region of a thread about a patient: name, next appointments and, for staff who
//! schedule, `Reschedule` and `Cancel appointment` written to the FHIR server first.

use super::outbox;
use super::state::AppState;
use super::time;
use crate::api::rounds::AppointmentChange;
use crate::api::BrowserTransport;
use crate::domain::clinic::roles::{ADMIN, CLINICIAN, FRONT_DESK};
use crate::domain::Patient;
use crate::fhir::schedule;
use crate::fhir::{Appointment, FhirClient, FhirError, Practitioner, Resource, Slot, Versioned};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The FHIR client, when the portal has a FHIR server.
pub fn fhir_client(state: AppState) -> Option<FhirClient<BrowserTransport>> {
    state
        .config
        .with_value(|c| c.fhir.clone())
        .map(|f| FhirClient::new(BrowserTransport, &f.base_url, f.token))
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

/// What the person is doing with an appointment.
#[derive(Clone, PartialEq)]
enum Action {
    Idle,
    Choosing {
        appointment: usize,
        slots: Vec<Versioned<Slot>>,
        chosen: Option<usize>,
    },
    Working,
}

/// The region; `room`/`root` is the thread the change is announced in.
#[component]
pub fn PatientRegion(room: String, root: String, patient: Patient) -> impl IntoView {
    let state = AppState::get();
    let appointments = RwSignal::new(None::<Vec<Versioned<Appointment>>>);
    let action = RwSignal::new(Action::Idle);
    let message = RwSignal::new(None::<(bool, String)>);
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
                    Err(e) => message.set(Some((true, format!("Appointments could not be loaded: {e}.")))),
                }
            });
        }
    };
    load();

    let choose = {
        let client = client.clone();
        move |index: usize| {
            let Some(client) = client.clone() else { return };
            let Some(appointment) = appointments.with_untracked(|a| a.as_ref().and_then(|a| a.get(index).cloned()))
            else {
                return;
            };
            message.set(None);
            spawn_local(async move {
                let from = time::instant(js_sys::Date::now() as u64);
                match schedule::free_slots(&client, &appointment.resource, &from, 12).await {
                    Ok(slots) => action.set(Action::Choosing {
                        appointment: index,
                        slots,
                        chosen: None,
                    }),
                    Err(e) => message.set(Some((true, format!("Free times could not be loaded: {e}.")))),
                }
            });
        }
    };

    let display = patient.display.clone();
    let apply = {
        let (client, room, root, load) = (client.clone(), room.clone(), root.clone(), load.clone());
        move |index: usize, slot: Option<Versioned<Slot>>| {
            let Some(client) = client.clone() else { return };
            let Some(appointment) = appointments.with_untracked(|a| a.as_ref().and_then(|a| a.get(index).cloned()))
            else {
                return;
            };
            let (room, root, display, load) = (room.clone(), root.clone(), display.clone(), load.clone());
            action.set(Action::Working);
            message.set(None);
            spawn_local(async move {
                let result = match &slot {
                    Some(slot) => schedule::reschedule(&client, &appointment, slot).await,
                    None => schedule::cancel(&client, &appointment).await,
                };
                action.set(Action::Idle);
                match result {
                    Ok(updated) => {
                        let summary = announce(state, &room, &root, &display, &appointment.resource, &updated.resource);
                        message.set(Some((false, summary)));
                        load();
                    }
                    Err(FhirError::Conflict) => {
                        message.set(Some((
                            true,
                            "This appointment was changed by someone else meanwhile. It has been reloaded: check it and try again.".into(),
                        )));
                        load();
                    }
                    // The server is down or refused: keep what is shown and say nothing changed.
                    Err(e) => message.set(Some((true, format!("Nothing was changed: {e}.")))),
                }
            });
        }
    };

    view! {
        <section class="patient" role="region" aria-label="Patient">
            <h2 class="patient-name">{patient.display.clone()}</h2>
            {move || message.get().map(|(is_error, text)| if is_error {
                view! { <p class="alert" role="alert">{text}</p> }.into_any()
            } else {
                view! { <p class="notice" role="status">{text}</p> }.into_any()
            })}
            {match (schedules, reference.is_some(), client.is_some()) {
                (false, _, _) => None,
                (true, false, _) => Some(view! { <p class="muted">"Not linked to a patient record."</p> }.into_any()),
                (true, true, false) => None,
                (true, true, true) => Some(view! {
                    <h3 class="appointments-heading">"Next appointments"</h3>
                    {let apply = apply.clone(); move || match appointments.get() {
                        None => view! { <p class="muted">"Loading appointments…"</p> }.into_any(),
                        Some(list) if list.is_empty() => view! { <p class="muted">"No upcoming appointments."</p> }.into_any(),
                        Some(list) => view! {
                            <ul class="appointments">
                                {list.into_iter().enumerate().map(|(i, a)| {
                                    let (choose, apply) = (choose.clone(), apply.clone());
                                    view! {
                                        <li>
                                            <span class="appt-when">{describe(&a.resource)}</span>
                                            <button type="button" class="small" disabled=move || action.get() == Action::Working
                                                on:click=move |_| choose(i)>"Reschedule"</button>
                                            <button type="button" class="small" disabled=move || action.get() == Action::Working
                                                on:click=move |_| apply(i, None)>"Cancel appointment"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                    <SlotPicker action=action apply=apply.clone()/>
                }.into_any()),
            }}
        </section>
    }
}

#[component]
fn SlotPicker<F>(action: RwSignal<Action>, apply: F) -> impl IntoView
where
    F: Fn(usize, Option<Versioned<Slot>>) + Clone + Send + Sync + 'static,
{
    move || {
        let Action::Choosing {
            appointment,
            slots,
            chosen,
        } = action.get()
        else {
            return None;
        };
        let apply = apply.clone();
        let confirm_slots = slots.clone();
        Some(view! {
            <fieldset class="slots">
                <legend>"Free times"</legend>
                {if slots.is_empty() { Some(view! { <p class="muted">"No free times in the next days."</p> }) } else { None }}
                <ul role="list" aria-label="Free slots">
                    {slots.iter().enumerate().map(|(i, s)| {
                        let label = time::parse_instant(&s.resource.start).map(time::date_clock).unwrap_or_else(|| s.resource.start.clone());
                        let slots = slots.clone();
                        view! {
                            <li><label class="check">
                                <input type="radio" name="slot" prop:checked=chosen == Some(i)
                                    on:change=move |_| action.set(Action::Choosing { appointment, slots: slots.clone(), chosen: Some(i) })/>
                                {label}
                            </label></li>
                        }
                    }).collect_view()}
                </ul>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| action.set(Action::Idle)>"Back"</button>
                    <button type="button" class="primary" disabled=chosen.is_none()
                        on:click=move |_| if let Some(i) = chosen { apply(appointment, confirm_slots.get(i).cloned()) }>"Confirm"</button>
                </div>
            </fieldset>
        })
    }
}

/// `Tue, Nov 26 · 14:00 with Jordan Ellis`.
fn describe(appointment: &Appointment) -> String {
    let when = appointment
        .start
        .as_deref()
        .and_then(time::parse_instant)
        .map(time::date_clock)
        .unwrap_or_else(|| "Time not set".into());
    match appointment.actor(Practitioner::TYPE).and_then(|a| a.display.clone()) {
        Some(who) => format!("{when} with {who}"),
        None => when,
    }
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
