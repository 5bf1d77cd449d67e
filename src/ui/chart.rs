//! `Save to chart` in a thread about a patient: for people whose EHR access may file to the
//! chart (the EHR checks again, and refuses anyone else).

use super::state::AppState;
use crate::session::{filed_notice, FhirError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;

/// The messages chosen for the chart while choosing (`None`: not choosing; the whole thread is
/// filed). Provided by the thread view; each message offers a checkbox while choosing.
#[derive(Clone, Copy)]
pub struct ChartSelection(pub RwSignal<Option<BTreeSet<String>>>);

impl ChartSelection {
    /// The selection of the thread on screen, if any.
    pub fn get() -> Option<Self> {
        use_context::<Self>()
    }
}

/// "Include in chart" beside a message, while choosing.
#[component]
pub fn ChartCheckbox(id: String) -> impl IntoView {
    let selection = ChartSelection::get();
    let choosing = move || selection.is_some_and(|s| s.0.with(Option::is_some));
    let checked = {
        let id = id.clone();
        move || selection.is_some_and(|s| s.0.with(|c| c.as_ref().is_some_and(|c| c.contains(&id))))
    };
    view! {
        {move || choosing().then(|| {
            let (id, checked) = (id.clone(), checked.clone());
            view! {
                <label class="check chart-pick">
                    <input type="checkbox" prop:checked=checked on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        if let Some(selection) = selection {
                            selection.0.update(|c| if let Some(c) = c {
                                if on { c.insert(id.clone()); } else { c.remove(&id); }
                            });
                        }
                    }/>
                    "Include in chart"
                </label>
            }
        })}
    }
}

/// The button and what became of the last save.
#[component]
pub fn SaveToChart(room: String, root: String, reference: String) -> impl IntoView {
    let state = AppState::get();
    let may_file = move || state.ehr_allows("Communication", 'c') == Some(true);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<&'static str, String>>);
    let selection = ChartSelection::get();
    let chosen = move || selection.and_then(|s| s.0.get());
    let save = move |_| {
        let only = chosen();
        if only.as_ref().is_some_and(BTreeSet::is_empty) {
            outcome.set(Some(Err(
                "Choose at least one message, or Cancel to save the whole thread.".into(),
            )));
            return;
        }
        let (Some(ehr), Some(session)) = (state.ehr(), state.session()) else {
            return;
        };
        let Some(thread) = state.inbox(|i| i.thread(&room, &root).cloned()).flatten() else {
            return;
        };
        let (room, root, reference) = (room.clone(), root.clone(), reference.clone());
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let messages = match session.chart_messages(&room, &root, only.as_ref()).await {
                Ok(messages) => messages,
                Err(e) => {
                    outcome.set(Some(Err(format!(
                        "The thread could not be read from the homeserver: {e}"
                    ))));
                    busy.set(false);
                    return;
                }
            };
            let result = match ehr.save_to_chart(&thread, &reference, messages).await {
                Ok(filed) => {
                    let updated = filed.updated;
                    match session.post(&room, &root, filed_notice(filed)).await {
                        Ok(()) if updated => Ok("The thread's record in the chart was updated."),
                        Ok(()) => Ok("The thread was saved to the patient's chart."),
                        Err(e) => Err(format!("Saved to the chart, but the thread could not say so: {e}")),
                    }
                }
                Err(FhirError::NotAllowed(_)) => Err("The EHR does not allow you to file to the chart.".into()),
                Err(e) => Err(format!("The thread was not saved to the chart: {e}")),
            };
            if result.is_ok() {
                if let Some(selection) = selection {
                    selection.0.set(None);
                }
            }
            outcome.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        {move || may_file().then(|| view! {
            <div class="save-to-chart">
                <button type="button" class="small" disabled=move || busy.get() on:click=save.clone()>
                    {move || match (busy.get(), chosen()) {
                        (true, _) => "Saving to chart…".to_owned(),
                        (false, Some(c)) => format!("Save {} chosen to chart", c.len()),
                        (false, None) => "Save to chart".to_owned(),
                    }}
                </button>
                {move || selection.map(|s| view! {
                    <button type="button" class="small quiet" on:click=move |_| {
                        s.0.update(|c| *c = if c.is_some() { None } else { Some(BTreeSet::new()) });
                    }>
                        {move || if s.0.with(Option::is_some) { "Cancel choosing" } else { "Choose messages…" }}
                    </button>
                })}
                {move || match outcome.get() {
                    Some(Ok(text)) => Some(view! { <p class="muted" role="status">{text}</p> }.into_any()),
                    Some(Err(text)) => Some(view! { <p class="alert" role="alert">{text}</p> }.into_any()),
                    None => None,
                }}
            </div>
        })}
    }
}
