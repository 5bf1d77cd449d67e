//! A patient's next appointments in their thread and, for staff whose EHR access allows it,
//! `Reschedule` and `Cancel appointment`, written to the EHR first and announced in the thread
//! once the EHR holds the whole change.

use super::parts::Alert;
use super::slot_picker::SlotPicker;
use super::state::AppState;
use super::time;
use crate::session::browser::AppEhr;
use crate::session::{announcement, ChangeStep, HalfDone, Outcome, Visit};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// What the person is doing with an appointment.
#[derive(Clone, PartialEq)]
enum Action {
    Idle,
    Choosing(Visit),
    Cancelling(Visit),
    Working,
    /// A change the EHR holds only partly: finish or undo it.
    HalfDone(HalfDone),
}

/// What the region tells the person after a change.
#[derive(Clone)]
enum Notice {
    Done(String),
    Problem(String),
}

/// The appointments of the patient `reference` (`Patient/<id>`), shown as `display` in
/// announcements; `room`/`root` is the thread changes are announced in.
#[component]
pub fn Appointments(room: String, root: String, reference: String, display: String) -> impl IntoView {
    let state = AppState::get();
    let can_change = move || state.ehr_allows("Appointment", 'u') == Some(true);
    let action = RwSignal::new(Action::Idle);
    let notice = RwSignal::new(None::<Notice>);
    // Bumped to read the appointments again after a change.
    let reload = RwSignal::new(0u32);
    let appointments = LocalResource::new(move || {
        reload.track();
        let (ehr, reference) = (state.ehr(), reference.clone());
        async move {
            match ehr {
                Some(ehr) => Some(ehr.upcoming(&reference, time::day_start_from_today(0)).await),
                None => None,
            }
        }
    });

    // One scheduling change, its outcome shown; only a completed change is announced.
    let settle = move |outcome: Outcome| {
        match outcome {
            Outcome::Done { before, after } => {
                let summary = summary(&display, &before, &after);
                let command = announcement(&before, &after, summary.clone());
                if let Some(session) = state.session() {
                    let (room, root) = (room.clone(), root.clone());
                    spawn_local(async move {
                        if let Err(e) = session.post(&room, &root, command).await {
                            state.store_problem.set(Some(e.to_string()));
                        }
                    });
                }
                action.set(Action::Idle);
                notice.set(Some(Notice::Done(summary)));
            }
            Outcome::Conflict => {
                action.set(Action::Idle);
                notice.set(Some(Notice::Problem(
                    "This appointment was changed by someone else meanwhile. It has been reloaded: check it and try again.".into(),
                )));
            }
            // The EHR could not be reached or refused: nothing changed, keep what is shown.
            Outcome::NothingChanged(why) => {
                action.set(Action::Idle);
                notice.set(Some(Notice::Problem(format!("Nothing was changed: {why}."))));
                return;
            }
            Outcome::HalfDone(half) => {
                notice.set(Some(Notice::Problem(half_done(&half))));
                action.set(Action::HalfDone(half));
            }
        }
        reload.update(|n| *n += 1);
    };
    let run = {
        let settle = settle.clone();
        move |change: Change| {
            let (Some(ehr), settle) = (state.ehr(), settle.clone()) else {
                return;
            };
            action.set(Action::Working);
            notice.set(None);
            spawn_local(async move { settle(change.apply(&ehr).await) });
        }
    };
    let undo = {
        move |half: HalfDone| {
            let Some(ehr) = state.ehr() else { return };
            action.set(Action::Working);
            spawn_local(async move {
                match ehr.undo().await {
                    Ok(back) => {
                        action.set(Action::Idle);
                        notice.set(Some(Notice::Done(format!(
                            "The move was undone: the appointment is back at {}.",
                            when(&back)
                        ))));
                    }
                    Err(e) => {
                        notice.set(Some(Notice::Problem(format!(
                            "{} Undoing failed too: {e}.",
                            half_done(&half)
                        ))));
                        action.set(Action::HalfDone(half));
                    }
                }
                reload.update(|n| *n += 1);
            });
        }
    };

    let busy = move || matches!(action.get(), Action::Working | Action::HalfDone(_));
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
                                        on:click=move |_| { notice.set(None); action.set(Action::Choosing(visit.clone())) }>"Reschedule"</button>
                                    <button type="button" class="small" disabled=busy
                                        on:click=move |_| { notice.set(None); action.set(Action::Cancelling(cancel.clone())) }>"Cancel appointment"</button>
                                }
                            })}
                        </li>
                    </For>
                </ul>
            }
            .into_any(),
        })
    };
    let panel = {
        move || match action.get() {
            Action::Choosing(visit) => {
                let run = run.clone();
                let id = visit.id.clone();
                Some(
                    view! {
                        <SlotPicker appointment=visit.id.clone()
                            confirm=move |slot: String| run(Change::Reschedule { appointment: id.clone(), slot })
                            back=move |()| action.set(Action::Idle)/>
                    }
                    .into_any(),
                )
            }
            Action::Cancelling(visit) => {
                let run = run.clone();
                let id = visit.id.clone();
                Some(view! { <CancelConfirm visit=visit confirm=move |reason| run(Change::Cancel { appointment: id.clone(), reason })
                    keep=move |()| action.set(Action::Idle)/> }.into_any())
            }
            Action::HalfDone(half) => {
                let run = run.clone();
                let moved = half.moved_to.is_some();
                Some(view! {
                    <div class="dialog-actions half-done">
                        <button type="button" class="primary" on:click=move |_| run(Change::Finish)>"Finish the change"</button>
                        {moved.then(|| view! {
                            <button type="button" on:click=move |_| undo(half.clone())>"Undo the move"</button>
                        })}
                    </div>
                }.into_any())
            }
            Action::Idle | Action::Working => None,
        }
    };

    view! {
        {move || notice.get().map(|n| match n {
            Notice::Problem(text) => view! { <Alert text=text/> }.into_any(),
            Notice::Done(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
        })}
        <h3 class="appointments-heading">"Next appointments"</h3>
        {move || if state.ehr_allows("Appointment", 'r') == Some(true) {
            view! {
                <Suspense fallback=|| view! { <p class="muted">"Loading appointments…"</p> }>{list}</Suspense>
                {panel.clone()}
            }.into_any()
        } else {
            view! { <p class="muted">"Appointments are not available for your role."</p> }.into_any()
        }}
    }
}

/// A change asked of the EHR.
#[derive(Clone)]
enum Change {
    Reschedule { appointment: String, slot: String },
    Cancel { appointment: String, reason: String },
    Finish,
}

impl Change {
    async fn apply(self, ehr: &Rc<AppEhr>) -> Outcome {
        match self {
            Change::Reschedule { appointment, slot } => ehr.reschedule(&appointment, &slot).await,
            Change::Cancel { appointment, reason } => ehr.cancel(&appointment, &reason).await,
            Change::Finish => ehr.finish().await,
        }
    }
}

/// Asks before cancelling, with the reason the EHR records.
#[component]
fn CancelConfirm(
    visit: Visit,
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
            <p class="confirm-question">{format!("Cancel the appointment on {}?", describe(&visit))}</p>
            <label for="cancel-reason">"Reason"</label>
            <input id="cancel-reason" type="text" autocomplete="off" placeholder="e.g. Family is travelling"
                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            {move || missing.get().then(|| view! { <Alert text="Give a reason: the EHR keeps it with the cancellation."/> })}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| keep.run(())>"Keep appointment"</button>
                <button type="submit" class="primary danger">"Confirm cancellation"</button>
            </div>
        </form>
    }
}

/// `Tue, Nov 26 · 14:00`, or a note when the EHR gave no time.
fn when(visit: &Visit) -> String {
    visit
        .start
        .map(time::date_clock)
        .unwrap_or_else(|| "no time set".into())
}

/// `Tue, Nov 26 · 14:00 with Jordan Ellis`.
fn describe(visit: &Visit) -> String {
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
        ChangeStep::TakeSlot => "its new time could not be marked as taken",
        ChangeStep::FreeSlots => "its previous time could not be marked free again",
        ChangeStep::Appointment => "the appointment could not be written",
    };
    let next = if half.moved_to.is_some() {
        "Finish the change, or undo the move."
    } else {
        "Finish the change to free its time."
    };
    format!("{written}, but {failed} ({}). {next}", half.error)
}

/// The announcement's text (what every client in the thread shows).
fn summary(patient: &str, before: &Visit, after: &Visit) -> String {
    let at = |v: &Visit| v.start.map(time::weekday_clock).unwrap_or_default();
    if after.status == "cancelled" {
        format!("Cancelled {patient}'s appointment on {}", at(before))
    } else {
        format!("Rescheduled {patient} from {} to {}", at(before), at(after))
    }
}
