//! `Save to chart` in a thread about a patient: for people whose EHR access may file to the
//! chart (the EHR checks again, and refuses anyone else).

use super::state::AppState;
use crate::session::{filed_notice, FhirError};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The button and what became of the last save.
#[component]
pub fn SaveToChart(room: String, root: String, reference: String) -> impl IntoView {
    let state = AppState::get();
    let may_file = move || state.ehr_allows("Communication", 'c') == Some(true);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<&'static str, String>>);
    let save = move |_| {
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
            let messages = match session.chart_messages(&room, &root).await {
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
            outcome.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        {move || may_file().then(|| view! {
            <div class="save-to-chart">
                <button type="button" class="small" disabled=move || busy.get() on:click=save.clone()>
                    {move || if busy.get() { "Saving to chart…" } else { "Save to chart" }}
                </button>
                {move || match outcome.get() {
                    Some(Ok(text)) => Some(view! { <p class="muted" role="status">{text}</p> }.into_any()),
                    Some(Err(text)) => Some(view! { <p class="alert" role="alert">{text}</p> }.into_any()),
                    None => None,
                }}
            </div>
        })}
    }
}
