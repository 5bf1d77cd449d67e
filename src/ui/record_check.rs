//! Under a "Saved to chart" or "Schedule change" card: what the EHR says of it. A card is its
//! sender's word until the EHR, read with this person's own access, shows the record.

use super::state::{AppState, ThreadRef};
use super::tasks::resource;
use super::time;
use crate::domain::EhrClaim;
use crate::session::{Capability, RecordCheck};
use leptos::prelude::*;

/// The EHR's answer to `claim`, made by `sender` (user id) whose name is `name`.
#[component]
pub fn RecordCheckLine(thread: ThreadRef, claim: EhrClaim, sender: String, name: String) -> impl IntoView {
    let state = AppState::get();
    let check = resource(move || {
        // Asked again when the person connects to the EHR.
        let _connected = state.can(Capability::SeePatients);
        let (thread, claim, sender) = (thread.get_value(), claim.clone(), sender.clone());
        async move { thread.check_record(&claim, &sender).await }
    });
    move || {
        let (class, text) = match check.get() {
            None => ("record-check", "Checking the EHR…".to_owned()),
            Some(found) => words(&found, &name),
        };
        view! { <p class=class>{text}</p> }
    }
}

fn words(check: &RecordCheck, name: &str) -> (&'static str, String) {
    match check {
        RecordCheck::Filed { by, as_claimed: true } => {
            ("record-check verified", format!("✓ In the EHR, filed by {by}"))
        }
        RecordCheck::Filed { by, as_claimed: false } => (
            "record-check differs",
            format!("The EHR names {by} as the author of this record, not {name}."),
        ),
        RecordCheck::Appointment { as_claimed: true, .. } => {
            ("record-check verified", "✓ The EHR shows this change".to_owned())
        }
        RecordCheck::Appointment { cancelled: true, .. } => (
            "record-check differs",
            "The EHR shows this appointment cancelled.".to_owned(),
        ),
        RecordCheck::Appointment { start, .. } => (
            "record-check differs",
            match start {
                Some(at) => format!("The EHR shows this appointment at {}.", time::date_clock(*at)),
                None => "The EHR shows this appointment without a time.".to_owned(),
            },
        ),
        RecordCheck::Missing => (
            "record-check differs",
            format!("Not found in the EHR: this is {name}'s word only."),
        ),
        RecordCheck::Unchecked => ("record-check", format!("{name}'s note, not checked in the EHR")),
    }
}
