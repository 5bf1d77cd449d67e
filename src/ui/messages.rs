//! A thread's messages: day separators, receipts, delivery states, earlier replies on scroll.
//! Rows are keyed by what stays the same about them (a message by its transaction id or event
//! id), so a message keeps its element when its delivery state, an edit or a receipt changes.

use super::message_item::MessageItem;
use super::parts::sender_name;
use super::state::{AppState, ThreadRef};
use super::tasks::action;
use super::time;
use crate::domain::{Inbox, Message, Thread};
use leptos::html;
use leptos::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// One row of the conversation.
#[derive(Clone, PartialEq)]
pub enum Row {
    Day(u64),
    Message {
        message: Message,
        name: String,
        is_root: bool,
    },
    Seen(String),
}

impl Row {
    /// What stays the same about the row while it changes.
    fn key(&self) -> String {
        match self {
            Row::Day(ts) => format!("day {}", time::day(*ts)),
            Row::Message { message, .. } => format!("m {}", message.txn_id.as_ref().unwrap_or(&message.id)),
            Row::Seen(names) => format!("seen {names}"),
        }
    }
}

/// The conversation's rows, in order.
fn rows(thread: &Thread, seen: &BTreeMap<usize, Vec<String>>, name: impl Fn(&str) -> String) -> Vec<Row> {
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
pub fn MessageList(thread: ThreadRef, shown: Memo<Option<Thread>>) -> impl IntoView {
    let state = AppState::get();
    let scroller = NodeRef::<html::Div>::new();
    let key = thread.with_value(|t| t.key().clone());
    let service = state.service_account();
    let listed = Memo::new(move |_| {
        state.with_thread(&key, |t, inbox: &Inbox| {
            t.map(|t| {
                rows(t, &inbox.seen_by(t), |user| {
                    sender_name(t, inbox, user, service.as_deref())
                })
            })
            .unwrap_or_default()
        })
    });
    let order = Memo::new(move |_| listed.with(|rows| rows.iter().map(Row::key).collect::<Vec<_>>()));
    let by_key =
        Memo::new(move |_| listed.with(|rows| rows.iter().map(|r| (r.key(), r.clone())).collect::<HashMap<_, _>>()));
    // Keep the newest message in view as messages arrive.
    Effect::new(move |_| {
        order.track();
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    let has_earlier = move || {
        shown.track();
        thread.with_value(|t| t.has_earlier())
    };
    let earlier = action(move |(): &()| {
        let thread = thread.get_value();
        // A failed page is tried again on the next scroll.
        async move {
            let _ = thread.load_earlier().await;
        }
    });
    let loading = earlier.pending();
    let load_earlier = move || {
        if !loading.get_untracked() && untrack(has_earlier) {
            earlier.dispatch_local(());
        }
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
                <For each=move || order.get() key=|key| key.clone() children=move |key: String| {
                    let row = Memo::new(move |_| by_key.with(|rows| rows.get(&key).cloned()));
                    move || row.get().map(|row| match row {
                        Row::Day(ts) => view! { <li class="day">{time::day(ts)}</li> }.into_any(),
                        Row::Seen(names) => view! { <li class="seen">{format!("Seen by {names}")}</li> }.into_any(),
                        Row::Message { message, name, is_root } => view! {
                            <MessageItem thread=thread message=message name=name is_root=is_root/>
                        }.into_any(),
                    })
                }/>
            </ol>
        </div>
    }
}
