//! An urgent thread asks for an explicit acknowledgement: who took it on and when, or how long
//! it has been waiting, with `Acknowledge` for everyone but the person who started it.

use super::state::{AppState, ThreadRef};
use super::tasks::action;
use super::time;
use crate::domain::{Priority, Thread};
use leptos::prelude::*;

/// What the acknowledgement line shows.
#[derive(Clone, PartialEq)]
enum Line {
    /// `(name, time)` of each person who acknowledged.
    Done(Vec<(String, u64)>),
    /// Waiting since the root was sent; whether this person may acknowledge.
    Waiting { since: u64, may_acknowledge: bool },
}

fn line(thread: &Thread, me: &str, name: impl Fn(&str) -> String) -> Option<Line> {
    if thread.priority != Priority::Urgent {
        return None;
    }
    let acknowledged = thread.acknowledged();
    if !acknowledged.is_empty() {
        return Some(Line::Done(
            acknowledged.into_iter().map(|(who, ts)| (name(who), ts)).collect(),
        ));
    }
    Some(Line::Waiting {
        since: thread.waiting_since()?,
        may_acknowledge: thread.messages.first().is_some_and(|root| root.sender != me),
    })
}

/// The acknowledgement line of an urgent thread (nothing for routine ones).
#[component]
pub fn Acknowledgement(thread: ThreadRef, shown: Memo<Option<Thread>>) -> impl IntoView {
    let state = AppState::get();
    let line_shown = Memo::new(move |_| {
        let me = state.session().map(|s| s.me()).unwrap_or_default();
        shown.with(|t| {
            let t = t.as_ref()?;
            line(t, &me, |who| {
                state.inbox(|i| i.name(who)).unwrap_or_else(|| who.to_owned())
            })
        })
    });
    let acknowledge = action(move |(): &()| {
        let thread = thread.get_value();
        async move {
            if let Err(e) = thread.acknowledge().await {
                state
                    .store_problem
                    .set(Some(format!("The acknowledgement was not sent: {e}.")));
            }
        }
    });
    move || {
        line_shown.get().map(|line| match line {
            Line::Done(by) => {
                let by: Vec<String> = by.iter().map(|(name, ts)| format!("{name} at {}", time::clock(*ts))).collect();
                view! { <p class="ack done" aria-live="polite">{format!("Acknowledged by {}", time::list(&by))}</p> }
                    .into_any()
            }
            Line::Waiting { since, may_acknowledge } => view! {
                <div class="ack waiting" aria-live="polite">
                    <span>{move || format!("Waiting for acknowledgement · {}", time::duration(state.clock.get().saturating_sub(since)))}</span>
                    {may_acknowledge.then(|| view! {
                        <button type="button" class="primary" on:click=move |_| { acknowledge.dispatch_local(()); }>"Acknowledge"</button>
                    })}
                </div>
            }
            .into_any(),
        })
    }
}
