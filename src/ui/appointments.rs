//! A patient's next appointments in their thread and, for staff whose EHR access allows it,
//! `Reschedule` and `Cancel appointment`, written to the EHR first and announced in the thread
//! once the EHR holds the whole change.

use super::cancel_confirm::CancelConfirm;
use super::parts::{failed, Alert};
use super::slot_picker::SlotPicker;
use super::state::{AppState, ThreadRef};
use super::tasks::{action, resource};
use super::time;
use crate::session::{AppointmentChange, Capability, HalfDone, Outcome, Unfinished, Visit};
use leptos::prelude::*;

/// What the person is doing with an appointment.
#[derive(Clone, PartialEq)]
enum Doing {
    Nothing,
    Choosing(Visit),
    Cancelling(Visit),
    /// A change the EHR holds only partly: finish or undo it.
    HalfDone(HalfDone),
}

/// What the region tells the person after a change.
#[derive(Clone)]
enum Notice {
    Done(String),
    Problem(String),
}

/// The appointments of the patient `reference` (`Patient/<id>`) of `thread`, where changes are
/// announced.
#[component]
pub fn Appointments(thread: ThreadRef, reference: String) -> impl IntoView {
    let state = AppState::get();
    let can_change = move || state.can(Capability::ChangeAppointments) == Some(true);
    let doing = RwSignal::new(Doing::Nothing);
    let notice = RwSignal::new(None::<Notice>);
    let appointments = resource(move || {
        let (ehr, reference) = (state.ehr(), reference.clone());
        async move {
            match ehr {
                Some(ehr) => Some(ehr.upcoming(&reference, time::day_start_from_today(0)).await),
                None => None,
            }
        }
    });

    // One scheduling change, its outcome shown; the thread announces a completed one.
    let change = {
        action(move |change: &AppointmentChange| {
            let (thread, change) = (thread.get_value(), change.clone());
            async move {
                notice.set(None);
                let outcome = thread.change_appointment(change).await;
                // Nothing written: what is shown is still what the EHR has.
                let unchanged = matches!(outcome, Ok(Outcome::NothingChanged(_)));
                settle(outcome, doing, notice);
                if !unchanged {
                    appointments.refetch();
                }
            }
        })
    };
    let undo = action(move |half: &HalfDone| {
        let (thread, half) = (thread.get_value(), half.clone());
        async move {
            match thread.undo_appointment_change().await {
                Ok(back) => {
                    doing.set(Doing::Nothing);
                    notice.set(Some(Notice::Done(format!(
                        "The move was undone: the appointment is back at {}.",
                        when(&back)
                    ))));
                }
                Err(e) => notice.set(Some(Notice::Problem(format!(
                    "{} Undoing failed too: {e}.",
                    half_done(&half)
                )))),
            }
            appointments.refetch();
        }
    });
    let busy = Signal::derive(move || {
        change.pending().get() || undo.pending().get() || matches!(doing.get(), Doing::HalfDone(_))
    });
    let start = move |what: Doing| {
        notice.set(None);
        doing.set(what);
    };
    let list = move || {
        appointments.get().flatten().map(|result| match result {
            Err(e) => view! { <Alert text=format!("Appointments could not be loaded: {e}.")/> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="muted">"No upcoming appointments."</p> }.into_any(),
            Ok(list) => view! {
                <ul class="appointments">
                    <For each=move || list.clone() key=|v| (v.id.clone(), v.start) let:visit>
                        <li>
                            <span class="appt-when">{describe(&visit)}</span>
                            {move || can_change().then(|| {
                                let (visit, cancel) = (visit.clone(), visit.clone());
                                view! {
                                    <button type="button" class="small" disabled=busy
                                        on:click=move |_| start(Doing::Choosing(visit.clone()))>"Reschedule"</button>
                                    <button type="button" class="small" disabled=busy
                                        on:click=move |_| start(Doing::Cancelling(cancel.clone()))>"Cancel appointment"</button>
                                }
                            })}
                        </li>
                    </For>
                </ul>
                {move || (!can_change()).then(|| view! {
                    <p class="muted">"Your role's EHR access does not include rescheduling or cancelling; someone who schedules can."</p>
                })}
            }
            .into_any(),
        })
    };
    let panel = move || {
        match doing.get() {
        Doing::Choosing(visit) => Some(
            view! {
                <SlotPicker appointment=visit.id.clone()
                    confirm=move |slot: String| { change.dispatch_local(AppointmentChange::Reschedule { appointment: visit.id.clone(), slot }); }
                    back=move |()| doing.set(Doing::Nothing)/>
            }
            .into_any(),
        ),
        Doing::Cancelling(visit) => {
            let id = visit.id.clone();
            Some(view! {
                <CancelConfirm visit=visit
                    confirm=move |reason| { change.dispatch_local(AppointmentChange::Cancel { appointment: id.clone(), reason }); }
                    keep=move |()| doing.set(Doing::Nothing)/>
            }.into_any())
        }
        Doing::HalfDone(half) => {
            let moved = half.moved_to.is_some();
            Some(view! {
                <div class="dialog-actions half-done">
                    <button type="button" class="primary" on:click=move |_| { change.dispatch_local(AppointmentChange::Finish); }>"Finish the change"</button>
                    {moved.then(|| view! {
                        <button type="button" on:click=move |_| { undo.dispatch_local(half.clone()); }>"Undo the move"</button>
                    })}
                </div>
            }.into_any())
        }
        Doing::Nothing => None,
    }
    };

    view! {
        {move || notice.get().map(|n| match n {
            Notice::Problem(text) => view! { <Alert text=text/> }.into_any(),
            Notice::Done(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
        })}
        <h3 class="appointments-heading">"Next appointments"</h3>
        {move || if state.can(Capability::SeeAppointments) == Some(true) {
            view! {
                <Suspense fallback=|| view! { <p class="muted">"Loading appointments…"</p> }>{list}</Suspense>
                {panel}
            }.into_any()
        } else {
            view! { <p class="muted">"Appointments are not available for your role."</p> }.into_any()
        }}
    }
}

/// Shows what a change came to.
fn settle(
    outcome: Result<Outcome, crate::session::SessionError>,
    doing: RwSignal<Doing>,
    notice: RwSignal<Option<Notice>>,
) {
    let (next, said) = match outcome {
        Ok(Outcome::Done { summary, .. }) => (Doing::Nothing, Notice::Done(summary)),
        Ok(Outcome::Conflict) => (
            Doing::Nothing,
            Notice::Problem(
                "This appointment was changed by someone else meanwhile. It has been reloaded: check it and try again."
                    .into(),
            ),
        ),
        // The EHR could not be reached or refused: nothing changed, keep what is shown.
        Ok(Outcome::NothingChanged(why)) => (Doing::Nothing, Notice::Problem(format!("Nothing was changed: {why}."))),
        Ok(Outcome::HalfDone(half)) => (Doing::HalfDone(half.clone()), Notice::Problem(half_done(&half))),
        Err(e) => (
            Doing::Nothing,
            Notice::Problem(failed("The change could not be completed", &e)),
        ),
    };
    doing.set(next);
    notice.set(Some(said));
}

/// `Tue, Nov 26 · 14:00`, or a note when the EHR gave no time.
fn when(visit: &Visit) -> String {
    visit
        .start
        .map(time::date_clock)
        .unwrap_or_else(|| "no time set".into())
}

/// `Tue, Nov 26 · 14:00 with Jordan Ellis`.
pub fn describe(visit: &Visit) -> String {
    match &visit.practitioner {
        Some(who) => format!("{} with {who}", when(visit)),
        None => when(visit),
    }
}

/// Exactly what a half-done change wrote and what it could not.
fn half_done(half: &HalfDone) -> String {
    let written = match half.moved_to {
        Some(at) => format!("The appointment was moved to {} in the EHR", time::date_clock(at)),
        None => "The appointment was cancelled in the EHR".to_owned(),
    };
    let failed = match half.failed {
        Unfinished::TakeSlot => "its new time could not be marked as taken",
        Unfinished::FreeSlots => "its previous time could not be marked free again",
        Unfinished::Appointment => "the appointment could not be written",
    };
    let next = if half.moved_to.is_some() {
        "Finish the change, or undo the move."
    } else {
        "Finish the change to free its time."
    };
    format!("{written}, but {failed} ({}). {next}", half.error)
}
