//! `/schedule`: the day's appointments per practitioner, from the clinic's EHR. The day is a
//! resource keyed by the day shown, so a slow answer for an earlier day never replaces a later
//! one.

use super::parts::Alert;
use super::state::AppState;
use super::time;
use crate::session::Column;
use leptos::prelude::*;

/// The day view.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let state = AppState::get();
    let day = RwSignal::new(0i32);
    let ehr = state.ehr();
    let allowed = ehr.is_some() && state.staff().is_some_and(|s| s.schedules());
    let columns = LocalResource::new(move || {
        let (offset, ehr) = (day.get(), ehr.clone());
        async move {
            let ehr = ehr.filter(|_| allowed)?;
            let (from, to) = (
                time::day_start_from_today(offset),
                time::day_start_from_today(offset + 1),
            );
            Some(
                ehr.day(from, to)
                    .await
                    .map_err(|e| format!("The schedule could not be loaded: {e}.")),
            )
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
            {(!allowed).then(|| view! { <Alert text="The schedule is not available to you here."/> })}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the schedule…"</p> }>
                {move || columns.get().flatten().map(|result| match result {
                    Err(e) => view! { <Alert text=e/> }.into_any(),
                    Ok(cols) if cols.is_empty() => view! { <p class="muted">"No appointments on this day."</p> }.into_any(),
                    Ok(cols) => view! {
                        <div class="schedule-columns">
                            <For each=move || cols.clone() key=|c| c.practitioner.clone() let:column>
                                <PractitionerDay column=column/>
                            </For>
                        </div>
                    }.into_any(),
                })}
            </Transition>
        </section>
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
                        <li class:cancelled=v.status == "cancelled">
                            <span class="when">{when}</span>" "
                            <span class="who">{v.patient.clone().unwrap_or_else(|| "Unknown patient".into())}</span>
                            {(v.status != "booked").then(|| view! { <span class="tag">{v.status.clone()}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
