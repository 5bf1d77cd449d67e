//! Choosing a new time for an appointment: any day of the practitioner's schedule over the
//! coming weeks, then that day's free times. Everything wraps, so every time is reachable on a
//! phone or a tablet without sideways scrolling.

use super::time;
use crate::api::BrowserTransport;
use crate::fhir::schedule;
use crate::fhir::{Appointment, FhirClient, Slot, Versioned};
use leptos::prelude::*;

/// How far ahead staff can move an appointment.
const WEEKS_AHEAD: i32 = 4;

/// One day with its free times (start, slot), soonest first.
#[derive(Clone)]
struct Day {
    start: u64,
    slots: Vec<(u64, Versioned<Slot>)>,
}

/// Groups free slots by local day.
fn by_day(slots: Vec<Versioned<Slot>>) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    for slot in slots {
        let Some(start) = time::parse_instant(&slot.resource.start) else {
            continue;
        };
        match days.last_mut() {
            Some(day) if time::same_day(day.start, start) => day.slots.push((start, slot)),
            _ => days.push(Day {
                start,
                slots: vec![(start, slot)],
            }),
        }
    }
    days
}

/// The picker; `confirm` is called with the chosen slot, `back` closes it.
#[component]
pub fn SlotPicker(
    client: FhirClient<BrowserTransport>,
    appointment: Appointment,
    #[prop(into)] confirm: Callback<Versioned<Slot>>,
    #[prop(into)] back: Callback<()>,
) -> impl IntoView {
    let days = LocalResource::new(move || {
        let (client, appointment) = (client.clone(), appointment.clone());
        async move {
            let from = time::instant(js_sys::Date::now() as u64);
            let to = time::instant(time::day_start_from_today(WEEKS_AHEAD * 7 + 1));
            schedule::free_slots(&client, &appointment, &from, &to)
                .await
                .map(by_day)
        }
    });
    let day = RwSignal::new(0usize);
    let chosen = RwSignal::new(None::<Versioned<Slot>>);

    view! {
        <fieldset class="slots">
            <legend>"Move to"</legend>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading free times…"</p> }>
                {move || days.get().map(|result| match result {
                    Err(e) => view! { <p class="alert" role="alert">{format!("Free times could not be loaded: {e}.")}</p> }.into_any(),
                    Ok(days) if days.is_empty() => view! {
                        <p class="muted">{format!("No free times in the next {WEEKS_AHEAD} weeks.")}</p>
                    }.into_any(),
                    Ok(days) => {
                        let chips = days.iter().enumerate().map(|(i, d)| {
                            let (name, free) = (time::day(d.start), d.slots.len());
                            let label = format!("{name}: {free} free time{}", if free == 1 { "" } else { "s" });
                            view! {
                                <li><button type="button" class="day" aria-label=label aria-pressed=move || (day.get() == i).to_string()
                                    on:click=move |_| { day.set(i); chosen.set(None); }>
                                    <span class="day-name">{name}</span>
                                    <span class="day-free">{format!("{free} free")}</span>
                                </button></li>
                            }
                        }).collect_view();
                        let heading = {
                            let days = days.clone();
                            move || days.get(day.get()).map(|d| time::day(d.start))
                        };
                        let times = move || {
                            let d = days.get(day.get()).cloned()?;
                            Some(d.slots.into_iter().map(|(start, slot)| {
                                let id = slot.resource.id.clone();
                                let is_chosen = move || chosen.with(|c| c.as_ref().and_then(|c| c.resource.id.clone()) == id);
                                view! {
                                    <li><label class="time">
                                        <input type="radio" name="slot" prop:checked=is_chosen
                                            on:change=move |_| chosen.set(Some(slot.clone()))/>
                                        {time::clock(start)}
                                    </label></li>
                                }
                            }).collect_view())
                        };
                        view! {
                            <ul class="days" role="group" aria-label="Day">{chips}</ul>
                            <h4 class="slots-day">{heading}</h4>
                            <ul class="times" role="list" aria-label="Free slots">{times}</ul>
                        }.into_any()
                    }
                })}
            </Suspense>
            <div class="dialog-actions">
                <button type="button" on:click=move |_| back.run(())>"Back"</button>
                <button type="button" class="primary" disabled=move || chosen.with(Option::is_none)
                    on:click=move |_| if let Some(slot) = chosen.get_untracked() { confirm.run(slot) }>"Confirm"</button>
            </div>
        </fieldset>
    }
}
