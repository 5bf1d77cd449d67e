//! `Save to chart` in a thread about a patient: for people whose EHR access may file to the
//! chart (the EHR checks again, and refuses anyone else).

use super::parts::failed;
use super::state::{AppState, ThreadRef};
use super::tasks::action;
use crate::session::{Capability, ChartSaved, SessionError};
use leptos::prelude::*;
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
pub fn SaveToChart(thread: ThreadRef) -> impl IntoView {
    let state = AppState::get();
    let may_file = move || state.can(Capability::FileToChart) == Some(true);
    let selection = ChartSelection::get();
    let chosen = move || selection.and_then(|s| s.0.get());
    let save = action(move |only: &Option<BTreeSet<String>>| {
        let (thread, only) = (thread.get_value(), only.clone());
        async move {
            let saved = thread.save_to_chart(only.as_ref()).await;
            if saved.is_ok() {
                if let Some(selection) = selection {
                    selection.0.set(None);
                }
            }
            saved
        }
    });
    let busy = save.pending();
    let outcome = move || {
        save.value().get().map(|saved| match saved {
            Ok(ChartSaved::Updated) => Ok("The thread's record in the chart was updated."),
            Ok(ChartSaved::Saved) => Ok("The thread was saved to the patient's chart."),
            Err(SessionError::NotAllowed) => Err("The EHR does not allow you to file to the chart.".to_owned()),
            Err(e) => Err(failed("The thread was not saved to the chart", &e)),
        })
    };
    view! {
        {move || (state.can(Capability::FileToChart) == Some(false)).then(|| view! {
            <p class="muted">"Your role's EHR access does not include filing to the chart."</p>
        })}
        {move || may_file().then(|| view! {
            <div class="save-to-chart">
                <button type="button" class="small" disabled=move || busy.get()
                    on:click=move |_| { save.dispatch_local(chosen()); }>
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
                {move || match outcome() {
                    Some(Ok(text)) => Some(view! { <p class="muted" role="status">{text}</p> }.into_any()),
                    Some(Err(text)) => Some(view! { <p class="alert" role="alert">{text}</p> }.into_any()),
                    None => None,
                }}
            </div>
        })}
    }
}
