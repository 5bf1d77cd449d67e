//! How something on its way to the homeserver shows: waiting, or failed with Retry and
//! Delete (a reply, a new thread, an edit).

use super::state::AppState;
use super::tasks::action;
use crate::domain::Delivery;
use leptos::prelude::*;

/// The words for one kind of item.
#[derive(Clone, Copy)]
pub struct DeliveryWords {
    /// While it waits or is being sent.
    pub sending: &'static str,
    /// Once refused for good.
    pub failed: &'static str,
    /// The button that sends it again.
    pub retry: &'static str,
    /// The button that gives it up.
    pub delete: &'static str,
}

/// A message or a new thread.
pub const MESSAGE: DeliveryWords = DeliveryWords {
    sending: "Sending…",
    failed: "Failed",
    retry: "Retry",
    delete: "Delete",
};

/// An edit of one's own message.
pub const EDIT: DeliveryWords = DeliveryWords {
    sending: "Saving edit…",
    failed: "Edit not saved",
    retry: "Retry edit",
    delete: "Discard edit",
};

/// The line under the item; nothing once it is on the server.
#[component]
pub fn DeliveryLine(txn_id: String, delivery: Delivery, words: DeliveryWords) -> impl IntoView {
    let state = AppState::get();
    // Retry (`true`) or give up.
    let act = action(move |retry: &bool| {
        let (session, txn, retry) = (state.session(), txn_id.clone(), *retry);
        async move {
            let Some(sending) = session.map(|s| s.sending()) else {
                return;
            };
            let done = if retry {
                sending.retry(&txn).await
            } else {
                sending.delete(&txn).await
            };
            if let Err(e) = done {
                state
                    .store_problem
                    .set(Some(format!("The queue on this device could not be changed: {e}.")));
            }
        }
    });
    let line = match delivery {
        Delivery::Sent => None,
        Delivery::Sending => Some(view! { <span class="delivery">{words.sending}</span> }.into_any()),
        Delivery::Failed(reason) => Some(
            view! {
                <span class="delivery failed">{words.failed}</span>
                <span class="failure-reason">{reason}</span>
                <button type="button" class="small" on:click=move |_| { act.dispatch_local(true); }>{words.retry}</button>
                <button type="button" class="small" on:click=move |_| { act.dispatch_local(false); }>{words.delete}</button>
            }
            .into_any(),
        ),
    };
    line.map(|line| view! { <div class="delivery-line">{line}</div> })
}
