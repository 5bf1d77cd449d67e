//! `/schedule`: the day's appointments per practitioner, from the clinic's FHIR server.

use super::patient::{can_schedule, fhir_client};
use super::state::AppState;
use super::time;
use crate::fhir::schedule;
use crate::fhir::{Appointment, Patient, Practitioner, Resource};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// One practitioner's day.
#[derive(Clone)]
struct Column {
    practitioner: String,
    rows: Vec<(String, String, String)>,
}

/// The day view.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let state = AppState::get();
    let day = RwSignal::new(0i32);
    let columns = RwSignal::new(None::<Result<Vec<Column>, String>>);
    let allowed = fhir_client(state).is_some() && can_schedule(state);
    Effect::new(move |_| {
        let offset = day.get();
        let Some(client) = fhir_client(state) else { return };
        columns.set(None);
        spawn_local(async move {
            let (from, to) = (
                time::day_start_from_today(offset),
                time::day_start_from_today(offset + 1),
            );
            let result = schedule::between(&client, &time::instant(from), &time::instant(to)).await;
            columns.set(Some(
                result
                    .map(|bundle| group(&bundle))
                    .map_err(|e| format!("The schedule could not be loaded: {e}.")),
            ));
        });
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
            {(!allowed).then(|| view! { <p class="notice" role="alert">"The schedule is not available to you here."</p> })}
            {move || match columns.get() {
                None if allowed => Some(view! { <p class="loading" role="status">"Loading the schedule…"</p> }.into_any()),
                None => None,
                Some(Err(e)) => Some(view! { <p class="alert" role="alert">{e}</p> }.into_any()),
                Some(Ok(cols)) if cols.is_empty() => Some(view! { <p class="muted">"No appointments on this day."</p> }.into_any()),
                Some(Ok(cols)) => Some(view! {
                    <div class="schedule-columns">
                        {cols.into_iter().map(|c| view! {
                            <section class="schedule-column" aria-label=c.practitioner.clone()>
                                <h2>{c.practitioner.clone()}</h2>
                                <ul>
                                    {c.rows.into_iter().map(|(when, who, status)| view! {
                                        <li class:cancelled=status == "cancelled">
                                            <span class="when">{when}</span>" "
                                            <span class="who">{who}</span>
                                            {(status != "booked").then(|| view! { <span class="tag">{status.clone()}</span> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        }).collect_view()}
                    </div>
                }.into_any()),
            }}
        </section>
    }
}

/// Appointments grouped by practitioner, with patient names from the included resources.
fn group(bundle: &crate::fhir::Bundle) -> Vec<Column> {
    let names = |refs: Vec<(String, String)>| refs.into_iter().collect::<BTreeMap<String, String>>();
    let patients = names(
        bundle
            .resources::<Patient>()
            .into_iter()
            .filter_map(|p| Some((format!("Patient/{}", p.id?), p.name.first()?.full())))
            .collect(),
    );
    let practitioners = names(
        bundle
            .resources::<Practitioner>()
            .into_iter()
            .filter_map(|p| Some((format!("Practitioner/{}", p.id?), p.name.first()?.full())))
            .collect(),
    );
    let mut columns: BTreeMap<String, Vec<(u64, String, String, String)>> = BTreeMap::new();
    for a in bundle.resources::<Appointment>() {
        let name_of = |kind: &str, known: &BTreeMap<String, String>| {
            let actor = a.actor(kind)?;
            actor
                .reference
                .as_ref()
                .and_then(|r| known.get(r).cloned())
                .or_else(|| actor.display.clone())
        };
        let practitioner = name_of(Practitioner::TYPE, &practitioners).unwrap_or_else(|| "Unassigned".into());
        let patient = name_of(Patient::TYPE, &patients).unwrap_or_else(|| "Unknown patient".into());
        let start = a.start.as_deref().and_then(time::parse_instant).unwrap_or_default();
        let end = a.end.as_deref().and_then(time::parse_instant).unwrap_or(start);
        let when = format!("{}–{}", time::clock(start), time::clock(end));
        columns
            .entry(practitioner)
            .or_default()
            .push((start, when, patient, a.status.clone()));
    }
    columns
        .into_iter()
        .map(|(practitioner, mut rows)| {
            rows.sort_by_key(|r| r.0);
            Column {
                practitioner,
                rows: rows
                    .into_iter()
                    .map(|(_, when, who, status)| (when, who, status))
                    .collect(),
            }
        })
        .collect()
}
