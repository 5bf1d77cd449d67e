//! "Link to a patient record": a thread started without one is linked later, by anyone whose
//! EHR access opens the record (the EHR decides); the thread then says who linked it.

use super::parts::{failed, Alert};
use super::patient_picker::PatientFinder;
use super::state::{AppState, ThreadRef};
use super::tasks::action;
use crate::session::PatientMatch;
use leptos::prelude::*;

/// The button that opens the finder (where the clinic has an EHR).
#[component]
pub fn LinkPatientButton(open: RwSignal<bool>) -> impl IntoView {
    let state = AppState::get();
    move || {
        (state.ehr().is_some() && !open.get()).then(|| {
            view! {
                <button type="button" class="small" on:click=move |_| open.set(true)>"Link to a patient record"</button>
            }
        })
    }
}

/// The finder, while `open`: picking a patient links the thread to their record.
#[component]
pub fn LinkPatientPanel(thread: ThreadRef, open: RwSignal<bool>) -> impl IntoView {
    let link = action(move |reference: &String| {
        let (thread, reference) = (thread.get_value(), reference.clone());
        async move {
            let linked = thread.link_patient(&reference).await;
            if linked.is_ok() {
                open.set(false);
            }
            linked
        }
    });
    let pick = Callback::new(move |found: PatientMatch| {
        link.dispatch_local(found.reference);
    });
    let problem = move || {
        link.value()
            .get()
            .and_then(Result::err)
            .map(|e| failed("The thread was not linked", &e))
    };
    view! {
        {move || open.get().then(|| view! {
            <div class="link-patient" role="group" aria-label="Link to a patient record">
                <PatientFinder pick=pick/>
                <button type="button" class="small quiet" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        })}
        {move || problem().map(|p| view! { <Alert text=p/> })}
    }
}
