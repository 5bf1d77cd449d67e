//! How something on its way to the homeserver shows: waiting, or failed with Retry and
//! Delete (a reply, a new thread, an edit).

use super::state::AppState;
use crate::domain::Delivery;
use leptos::prelude::*;
use leptos::task::spawn_local;

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
    let act = move |retry: bool| {
        let (Some(session), txn) = (state.session(), txn_id.clone()) else {
            return;
        };
        spawn_local(async move {
            if retry {
                session.retry(&txn).await;
            } else {
                session.delete(&txn).await;
            }
        });
    };
    let line = match delivery {
        Delivery::Sent => None,
        Delivery::Sending => Some(view! { <span class="delivery">{words.sending}</span> }.into_any()),
        Delivery::Failed(reason) => Some(
            view! {
                <span class="delivery failed">{words.failed}</span>
                <span class="failure-reason">{reason}</span>
                <button type="button" class="small" on:click={
                    let act = act.clone();
                    move |_| act(true)
                }>{words.retry}</button>
                <button type="button" class="small" on:click=move |_| act(false)>{words.delete}</button>
            }
            .into_any(),
        ),
    };
    line.map(|line| view! { <div class="delivery-line">{line}</div> })
}
