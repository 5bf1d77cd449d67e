//! Choosing a new time for an appointment: any day of the practitioner's schedule over the
//! coming weeks, then that day's free times. Everything wraps, so every time is reachable on a
//! phone or a tablet without sideways scrolling.

use super::parts::Alert;
use super::state::AppState;
use super::tasks::resource;
use super::time;
use crate::session::FreeTime;
use leptos::prelude::*;

/// How far ahead staff can move an appointment.
const WEEKS_AHEAD: i32 = 4;

/// One day with its free times, soonest first.
#[derive(Clone)]
struct Day {
    start: u64,
    times: Vec<FreeTime>,
}

/// Groups free times by local day.
fn by_day(times: Vec<FreeTime>) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    for time in times {
        match days.last_mut() {
            Some(day) if time::same_day(day.start, time.start) => day.times.push(time),
            _ => days.push(Day {
                start: time.start,
                times: vec![time],
            }),
        }
    }
    days
}

/// The picker for `appointment`; `confirm` is called with the chosen free time's id.
#[component]
pub fn SlotPicker(
    appointment: String,
    #[prop(into)] confirm: Callback<String>,
    #[prop(into)] back: Callback<()>,
) -> impl IntoView {
    let state = AppState::get();
    let days = resource(move || {
        let (ehr, appointment) = (state.ehr(), appointment.clone());
        async move {
            let (from, to) = (
                js_sys::Date::now() as u64,
                time::day_start_from_today(WEEKS_AHEAD * 7 + 1),
            );
            match ehr {
                Some(ehr) => ehr
                    .free_times(&appointment, from, to)
                    .await
                    .map(by_day)
                    .map_err(|e| e.to_string()),
                None => Err("this portal has no EHR".to_owned()),
            }
        }
    });
    let day = RwSignal::new(0usize);
    let chosen = RwSignal::new(None::<String>);

    view! {
        <fieldset class="slots">
            <legend>"Move to"</legend>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading free times…"</p> }>
                {move || days.get().map(|result| match result {
                    Err(e) => view! { <Alert text=format!("Free times could not be loaded: {e}.")/> }.into_any(),
                    Ok(days) if days.is_empty() => view! {
                        <p class="muted">{format!("No free times in the next {WEEKS_AHEAD} weeks.")}</p>
                    }.into_any(),
                    Ok(days) => {
                        let chips = days.iter().enumerate().map(|(i, d)| {
                            let (name, free) = (time::day(d.start), d.times.len());
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
                            Some(d.times.into_iter().map(|free| {
                                let id = free.id.clone();
                                let is_chosen = move || chosen.with(|c| c.as_deref() == Some(id.as_str()));
                                view! {
                                    <li><label class="time">
                                        <input type="radio" name="slot" prop:checked=is_chosen
                                            on:change=move |_| chosen.set(Some(free.id.clone()))/>
                                        {time::clock(free.start)}
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
