//! One message of a thread as it reads: staff's text or file with its corrections and delivery,
//! and the thread's own events (status, acknowledgements, schedule changes, filings, removals,
//! escalations).

use super::chart::ChartCheckbox;
use super::corrections::{removal_notice, CorrectableText};
use super::delivery::{DeliveryLine, MESSAGE};
use super::record_check::RecordCheckLine;
use super::state::{AppState, ThreadRef};
use super::time;
use crate::domain::{Attachment, Availability, Body, Delivery, Message, Status};
use leptos::prelude::*;

/// A message of `thread`, from `name`.
#[component]
pub fn MessageItem(thread: ThreadRef, message: Message, name: String, is_root: bool) -> impl IntoView {
    let state = AppState::get();
    let when = time::clock(message.ts);
    // A notice counts only from the clinic's escalation service; anyone else's reads as text.
    let body = match message.body.clone() {
        Body::Escalation { text, .. } if !thread.with_value(|t| t.is_escalation_notice(&message)) => Body::Text(text),
        body => body,
    };
    match body {
        // The note sits inside the list item: a list holds only list items.
        Body::Escalation { text, .. } => view! {
            <li class="escalation-item">
                <div class="escalation" role="note">
                    <span class="card-label">"Escalation"</span>
                    <p class="text">{text}</p>
                    <span class="card-by">{when}</span>
                </div>
            </li>
        }
        .into_any(),
        Body::Appointment { summary, claim } => view! {
            <li class="appointment-card">
                <span class="card-label">"Schedule change"</span>
                <p class="text">{summary}</p>
                <span class="card-by">{format!("{name} · {when}")}</span>
                <RecordCheckLine thread=thread claim=claim sender=message.sender.clone() name=name.clone()/>
                <ChartCheckbox id=message.id.clone()/>
            </li>
        }
        .into_any(),
        Body::Acknowledged => view! { <li class="update">{format!("{name} acknowledged · {when}")}</li> }.into_any(),
        Body::PatientLinked(patient) => view! {
            <li class="update">{format!("{name} linked this thread to {} · {when}", patient.display)}</li>
        }
        .into_any(),
        Body::Charted { updated, claim } => {
            let what = if updated {
                "Chart record updated by"
            } else {
                "Saved to chart by"
            };
            view! {
                <li class="update charted">
                    {format!("{what} {name} · {when}")}
                    <RecordCheckLine thread=thread claim=claim sender=message.sender.clone() name=name.clone()/>
                </li>
            }
            .into_any()
        }
        Body::Unavailable => view! {
            <li class="update">"The first message of this thread is not available to you."</li>
        }
        .into_any(),
        Body::Removed { by, reason, at } => {
            let by = state.inbox(|i| i.name(&by)).unwrap_or(by);
            // When it was removed, not when it was sent.
            let removed = match at {
                Some(at) if time::same_day(at, message.ts) => time::clock(at),
                Some(at) => time::date_clock(at),
                None => when,
            };
            view! { <li class="update removed">{format!("{} · {removed}", removal_notice(&by, &reason))}</li> }
                .into_any()
        }
        Body::Update { status, .. } => {
            let what = match status {
                Some(Status::Resolved) => "marked this thread resolved",
                Some(Status::Open) => "reopened this thread",
                None => "changed the priority",
            };
            view! { <li class="update">{format!("{name} {what} · {when}")}</li> }.into_any()
        }
        Body::Text(text) => {
            view! { <StaffMessage thread=thread message=message name=name is_root=is_root text=text/> }.into_any()
        }
        Body::Attachment(file) => view! {
            <StaffMessage thread=thread message=message name=name is_root=is_root text=String::new() file=Some(file)/>
        }
        .into_any(),
    }
}

/// A message staff wrote: text or an attached file, with its corrections and delivery.
#[component]
fn StaffMessage(
    thread: ThreadRef,
    message: Message,
    name: String,
    is_root: bool,
    text: String,
    #[prop(optional_no_strip)] file: Option<Attachment>,
) -> impl IntoView {
    let state = AppState::get();
    let has_file = file.is_some();
    let when = time::clock(message.ts);
    let sender = message.sender.clone();
    let busy = move || {
        state
            .availability_of(&sender)
            .filter(|a| *a != Availability::Available)
            .map(|a| view! { <span class="availability">{a.label()}</span> })
    };
    view! {
        <li class="message" class:root=is_root class:has-file=has_file>
            <div class="message-head">
                <span class="sender">{name}</span>
                {busy}
                <time>{when}</time>
            </div>
            <CorrectableText thread=thread message=message.clone() text=text file=file/>
            {(message.delivery == Delivery::Sent).then(|| view! { <ChartCheckbox id=message.id.clone()/> })}
            <DeliveryLine txn_id=message.txn_id.clone().unwrap_or_default() delivery=message.delivery.clone() words=MESSAGE/>
        </li>
    }
}
