//! `/schedule`: the day's appointments per practitioner, from the clinic's EHR. The day is a
//! resource keyed by the day shown, so a slow answer for an earlier day never replaces a later
//! one.

use super::parts::{Alert, PageError};
use super::patient::ConnectEhr;
use super::state::AppState;
use super::tasks::resource;
use super::time;
use crate::session::{Capability, Column, SessionError, VisitStatus};
use leptos::prelude::*;

/// The day view.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let state = AppState::get();
    let day = RwSignal::new(0i32);
    let has_ehr = state.ehr().is_some();
    // `None` until the person has connected Rounds to the EHR; the EHR refuses what their role
    // may not see, whatever this page offers.
    let allowed = move || state.can(Capability::SeeSchedule);
    let columns = resource(move || {
        let (offset, ehr, allowed) = (day.get(), state.ehr(), allowed());
        async move {
            let ehr = ehr.filter(|_| allowed == Some(true))?;
            let (from, to) = (
                time::day_start_from_today(offset),
                time::day_start_from_today(offset + 1),
            );
            Some(ehr.day(from, to).await)
        }
    });
    let title = move || time::day(time::day_start_from_today(day.get()));
    view! {
        <section class="schedule-page" aria-labelledby="schedule-title">
            <div class="schedule-head">
                <h1 id="schedule-title">{move || format!("Schedule — {}", title())}</h1>
                <button type="button" on:click=move |_| day.update(|d| *d -= 1)>"Previous day"</button>
                <button type="button" on:click=move |_| day.set(0)>"Today"</button>
                <button type="button" on:click=move |_| day.update(|d| *d += 1)>"Next day"</button>
            </div>
            {move || match (has_ehr, allowed()) {
                (false, _) => Some(view! { <Alert text="This portal has no EHR connected."/> }.into_any()),
                (true, None) => Some(view! { <ConnectEhr/> }.into_any()),
                (true, Some(false)) => Some(view! { <Alert text="The schedule is not available for your role."/> }.into_any()),
                (true, Some(true)) => None,
            }}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the schedule…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <PageError errors=errors words=not_loaded/> }>
                    {move || columns.get().flatten().map(|result| result.map(|cols| if cols.is_empty() {
                        view! { <p class="muted">"No appointments on this day."</p> }.into_any()
                    } else {
                        view! {
                            <div class="schedule-columns">
                                <For each=move || cols.clone() key=|c| c.practitioner.clone() let:column>
                                    <PractitionerDay column=column/>
                                </For>
                            </div>
                        }.into_any()
                    }))}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// Why the day could not be shown.
fn not_loaded(error: &SessionError) -> String {
    match error {
        SessionError::NotAllowed => "The schedule is not available for your role.".into(),
        other => format!("The schedule could not be loaded: {other}."),
    }
}

#[component]
fn PractitionerDay(column: Column) -> impl IntoView {
    view! {
        <section class="schedule-column" aria-label=column.practitioner.clone()>
            <h2>{column.practitioner.clone()}</h2>
            <ul>
                {column.visits.into_iter().map(|v| {
                    let start = v.start.unwrap_or_default();
                    let when = format!("{}–{}", time::clock(start), time::clock(v.end.unwrap_or(start)));
                    view! {
                        <li class:cancelled=v.status == VisitStatus::Cancelled>
                            <span class="when">{when}</span>" "
                            <span class="who">{v.patient.clone().unwrap_or_else(|| "Unknown patient".into())}</span>
                            {v.status.tag().map(|tag| view! { <span class="tag">{tag.to_owned()}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
