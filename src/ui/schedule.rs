//! `/schedule`: the appointments of a day or a week per practitioner, from the clinic's EHR,
//! each visit leading to the threads about its patient. The range is a resource keyed by what
//! is shown, so a slow answer for an earlier range never replaces a later one.

use super::parts::{Alert, PageError};
use super::patient::ConnectEhr;
use super::routes;
use super::state::AppState;
use super::tasks::resource;
use super::time;
use crate::session::{Capability, Column, SessionError, Visit, VisitStatus};
use leptos::prelude::*;

/// What the page shows at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Day,
    Week,
}

impl Span {
    /// The first day shown (an offset from today) and the number of days, `steps` from now.
    fn range(self, steps: i32) -> (i32, i32) {
        match self {
            Span::Day => (steps, 1),
            Span::Week => (time::week_start_from_today(steps), 7),
        }
    }

    fn title(self, steps: i32) -> String {
        let (first, _) = self.range(steps);
        let start = time::day_start_from_today(first);
        match self {
            Span::Day => time::day(start),
            Span::Week => format!("week of {}", time::date(start)),
        }
    }
}

/// The schedule page.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let state = AppState::get();
    let span = RwSignal::new(Span::Day);
    let steps = RwSignal::new(0i32);
    let has_ehr = state.ehr().is_some();
    // `None` until the person has connected Rounds to the EHR; the EHR refuses what their role
    // may not see, whatever this page offers.
    let allowed = move || state.can(Capability::SeeSchedule);
    let columns = resource(move || {
        let ((first, days), ehr, allowed) = (span.get().range(steps.get()), state.ehr(), allowed());
        async move {
            let ehr = ehr.filter(|_| allowed == Some(true))?;
            let (from, to) = (
                time::day_start_from_today(first),
                time::day_start_from_today(first + days),
            );
            Some(ehr.day(from, to).await)
        }
    });
    let show = move |s: Span| {
        span.set(s);
        steps.set(0);
    };
    let unit = move || if span.get() == Span::Day { "day" } else { "week" };
    view! {
        <section class="schedule-page" aria-labelledby="schedule-title">
            <div class="schedule-head">
                <h1 id="schedule-title">{move || format!("Schedule — {}", span.get().title(steps.get()))}</h1>
                <div class="span-switch" role="group" aria-label="Show">
                    <button type="button" aria-pressed=move || (span.get() == Span::Day).to_string() on:click=move |_| show(Span::Day)>"Day"</button>
                    <button type="button" aria-pressed=move || (span.get() == Span::Week).to_string() on:click=move |_| show(Span::Week)>"Week"</button>
                </div>
                <button type="button" on:click=move |_| steps.update(|d| *d -= 1)>{move || format!("Previous {}", unit())}</button>
                <button type="button" on:click=move |_| steps.set(0)>{move || if span.get() == Span::Day { "Today" } else { "This week" }}</button>
                <button type="button" on:click=move |_| steps.update(|d| *d += 1)>{move || format!("Next {}", unit())}</button>
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
                        view! { <p class="muted">{if span.get_untracked() == Span::Day { "No appointments on this day." } else { "No appointments this week." }}</p> }.into_any()
                    } else {
                        let week = span.get_untracked() == Span::Week;
                        view! {
                            <div class="schedule-columns">
                                <For each=move || cols.clone() key=|c| c.practitioner.clone() let:column>
                                    <PractitionerVisits column=column week=week/>
                                </For>
                            </div>
                        }.into_any()
                    }))}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// Why the schedule could not be shown.
fn not_loaded(error: &SessionError) -> String {
    match error {
        SessionError::NotAllowed => "The schedule is not available for your role.".into(),
        other => format!("The schedule could not be loaded: {other}."),
    }
}

/// One practitioner's visits; in a week, under a heading per day.
#[component]
fn PractitionerVisits(column: Column, week: bool) -> impl IntoView {
    let mut previous: Option<u64> = None;
    let rows = column.visits.into_iter().map(move |visit| {
        let start = visit.start.unwrap_or_default();
        let new_day = week && previous.is_none_or(|p| !time::same_day(p, start));
        previous = Some(start);
        view! {
            {new_day.then(|| view! { <li class="schedule-day"><h3>{time::date(start)}</h3></li> })}
            <VisitRow visit=visit/>
        }
    });
    view! {
        <section class="schedule-column" aria-label=column.practitioner.clone()>
            <h2>{column.practitioner.clone()}</h2>
            <ul>{rows.collect_view()}</ul>
        </section>
    }
}

/// A visit: its time, patient and status, and the threads about the patient.
#[component]
fn VisitRow(visit: Visit) -> impl IntoView {
    let state = AppState::get();
    let start = visit.start.unwrap_or_default();
    let when = format!("{}–{}", time::clock(start), time::clock(visit.end.unwrap_or(start)));
    let threads = visit
        .patient_record
        .as_deref()
        .and_then(|record| {
            state.inbox(|inbox| {
                inbox
                    .about_patient(record)
                    .into_iter()
                    .take(2)
                    .map(|t| (routes::thread_path(&t.key()), t.info.title()))
                    .collect::<Vec<_>>()
            })
        })
        .unwrap_or_default();
    view! {
        <li class:cancelled=visit.status == VisitStatus::Cancelled>
            <span class="when">{when}</span>" "
            <span class="who">{visit.patient.clone().unwrap_or_else(|| "Unknown patient".into())}</span>
            {visit.status.tag().map(|tag| view! { <span class="tag">{tag.to_owned()}</span> })}
            {(!threads.is_empty()).then(|| view! {
                <ul class="visit-threads">
                    {threads.into_iter().map(|(path, title)| view! {
                        <li><a href=path aria-label=format!("Open thread {title}")>{title.clone()}</a></li>
                    }).collect_view()}
                </ul>
            })}
        </li>
    }
}
