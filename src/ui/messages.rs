//! A thread's messages: day separators, receipts, delivery states, earlier replies on scroll.

use super::chart::ChartCheckbox;
use super::corrections::{removal_notice, CorrectableText};
use super::delivery::{DeliveryLine, MESSAGE};
use super::state::AppState;
use super::time;
use crate::domain::{Attachment, Availability, Body, Delivery, Message, Status, Thread};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// One row of the conversation.
#[derive(Clone, PartialEq)]
enum Row {
    Day(u64),
    Message {
        message: Message,
        name: String,
        is_root: bool,
    },
    Seen(String),
}

impl Row {
    /// Rows keep their identity across updates (a message by its id, delivery state and the
    /// version shown).
    fn key(&self) -> String {
        match self {
            Row::Day(ts) => format!("day {}", time::day(*ts)),
            Row::Message { message, .. } => {
                let removed = matches!(message.body, Body::Removed { .. });
                // An attachment shows its file once uploaded (before it is sent).
                let uploaded = matches!(&message.body, Body::Attachment(f) if !f.url.is_empty());
                format!(
                    "{} {:?} {:?} {removed} {uploaded}",
                    message.id, message.delivery, message.edited_at
                )
            }
            Row::Seen(names) => format!("seen {names}"),
        }
    }
}

fn rows(
    thread: &Thread,
    seen: &std::collections::BTreeMap<usize, Vec<String>>,
    name: impl Fn(&str) -> String,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, m) in thread.messages.iter().enumerate() {
        if i == 0 || !time::same_day(thread.messages[i - 1].ts, m.ts) {
            rows.push(Row::Day(m.ts));
        }
        rows.push(Row::Message {
            message: m.clone(),
            name: name(&m.sender),
            is_root: i == 0,
        });
        if let Some(names) = seen.get(&i) {
            rows.push(Row::Seen(names.join(", ")));
        }
    }
    rows
}

/// The list labelled `Messages`, in a focusable scrolling region.
#[component]
pub fn MessageList(room: String, root: String, thread: Memo<Option<Thread>>) -> impl IntoView {
    let state = AppState::get();
    let scroller = NodeRef::<html::Div>::new();
    let listed = Memo::new(move |_| {
        thread
            .with(|t| {
                let t = t.as_ref()?;
                state.inbox(|inbox| rows(t, &inbox.seen_by(t), |user| inbox.name(user)))
            })
            .unwrap_or_default()
    });
    // Keep the newest message in view as messages arrive.
    Effect::new(move |_| {
        listed.track();
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    let has_earlier = {
        let (room, root) = (room.clone(), root.clone());
        move || {
            thread.track();
            state.session().is_some_and(|s| s.has_earlier(&room, &root))
        }
    };
    let loading = RwSignal::new(false);
    let (room_rows, root_rows) = (room.clone(), root.clone());
    let load_earlier = move || {
        let Some(session) = state.session() else { return };
        if loading.get_untracked() || !session.has_earlier(&room, &root) {
            return;
        }
        loading.set(true);
        let (room, root) = (room.clone(), root.clone());
        spawn_local(async move {
            // A failed page is tried again on the next scroll.
            let _ = session.load_earlier(&room, &root).await;
            loading.set(false);
        });
    };
    view! {
        // Focusable, so the conversation scrolls with the keyboard too.
        <div class="messages-scroll" node_ref=scroller tabindex="0" role="region" aria-label="Conversation"
            on:scroll=move |_| {
                if scroller.get_untracked().is_some_and(|el| el.scroll_top() < 40) {
                    load_earlier();
                }
            }>
            {move || has_earlier().then(|| view! {
                <p class="earlier">{move || if loading.get() { "Loading earlier messages…" } else { "Scroll up for earlier messages" }}</p>
            })}
            // New messages are announced politely to screen readers.
            <ol class="messages" aria-label="Messages" aria-live="polite" aria-relevant="additions">
                <For each=move || listed.get() key=Row::key let:row>
                    {match row {
                        Row::Day(ts) => view! { <li class="day">{time::day(ts)}</li> }.into_any(),
                        Row::Seen(names) => view! { <li class="seen">{format!("Seen by {names}")}</li> }.into_any(),
                        Row::Message { message, name, is_root } => view! {
                            <MessageItem room=room_rows.clone() root=root_rows.clone() message=message name=name is_root=is_root/>
                        }.into_any(),
                    }}
                </For>
            </ol>
        </div>
    }
}

#[component]
fn MessageItem(room: String, root: String, message: Message, name: String, is_root: bool) -> impl IntoView {
    let state = AppState::get();
    let when = time::clock(message.ts);
    // A notice counts only from the clinic's escalation service; anyone else's reads as text.
    let body = match message.body.clone() {
        Body::Escalation { text, .. } if !state.is_escalation_notice(&message) => Body::Text(text),
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
        Body::Appointment(summary) => view! {
            <li class="appointment-card">
                <span class="card-label">"Schedule change"</span>
                <p class="text">{summary}</p>
                <span class="card-by">{format!("{name} · {when}")}</span>
                <ChartCheckbox id=message.id.clone()/>
            </li>
        }
        .into_any(),
        Body::Acknowledged => view! { <li class="update">{format!("{name} acknowledged · {when}")}</li> }.into_any(),
        Body::Charted { updated } => {
            let what = if updated {
                "Chart record updated by"
            } else {
                "Saved to chart by"
            };
            view! { <li class="update charted">{format!("{what} {name} · {when}")}</li> }.into_any()
        }
        Body::Unavailable => view! {
            <li class="update">"The first message of this thread is not available to you."</li>
        }
        .into_any(),
        Body::Removed { by, reason } => {
            let by = state.inbox(|i| i.name(&by)).unwrap_or(by);
            view! { <li class="update removed">{format!("{} · {when}", removal_notice(&by, &reason))}</li> }.into_any()
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
            view! { <StaffMessage room=room root=root message=message name=name is_root=is_root text=text/> }.into_any()
        }
        Body::Attachment(file) => view! {
            <StaffMessage room=room root=root message=message name=name is_root=is_root text=String::new() file=Some(file)/>
        }
        .into_any(),
    }
}

/// A message staff wrote: text or an attached file, with its corrections and delivery.
#[component]
fn StaffMessage(
    room: String,
    root: String,
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
            <CorrectableText room=room root=root message=message.clone() text=text file=file/>
            {(message.delivery == Delivery::Sent).then(|| view! { <ChartCheckbox id=message.id.clone()/> })}
            <DeliveryLine txn_id=message.txn_id.clone().unwrap_or_default() delivery=message.delivery.clone() words=MESSAGE/>
        </li>
    }
}
