//! The banners under the top bar: what the device cannot keep, notifications while closed,
//! the EHR connection, a waiting update, and the offer to turn notifications on.

use super::state::AppState;
use super::tasks::action;
use leptos::prelude::*;

/// Every banner that applies now.
#[component]
pub fn Banners() -> impl IntoView {
    let state = AppState::get();
    view! {
        {move || state.store_problem.get().map(|p| view! { <p class="store-problem" role="alert">{p}</p> })}
        {move || state.push_problem.get().map(|p| view! {
            <div class="banner" role="status">
                {p}" "
                <button type="button" class="small quiet" on:click=move |_| super::push::dismiss_problem(state)>"Dismiss"</button>
            </div>
        })}
        {move || state.ehr_problem.get().map(|p| view! {
            <div class="banner ehr-problem" role="alert">
                {p}" "
                <button type="button" class="small quiet" on:click=move |_| state.ehr_problem.set(None)>"Dismiss"</button>
            </div>
        })}
        {move || state.update_available.get().then(|| view! {
            <div class="banner" role="status">
                "Update available — "
                <button type="button" class="small" on:click=move |_| {
                    if let (Some(w), Ok(event)) = (web_sys::window(), web_sys::Event::new("rounds-apply-update")) {
                        let _ = w.dispatch_event(&event);
                    }
                }>"Reload"</button>
            </div>
        })}
        <NotificationOffer/>
    }
}

/// Offers to turn on notifications while the browser has not asked yet.
#[component]
fn NotificationOffer() -> impl IntoView {
    let state = AppState::get();
    let undecided = RwSignal::new(crate::session::browser::notify::undecided());
    let turn_on = action(move |(): &()| async move {
        crate::session::browser::notify::ask().await;
        undecided.set(crate::session::browser::notify::undecided());
        super::push::start(state);
    });
    move || {
        undecided.get().then(|| {
            view! {
                <div class="banner notify-offer">
                    "Get notified of urgent messages and replies in your threads (no patient details are shown). "
                    <button type="button" class="small" on:click=move |_| { turn_on.dispatch_local(()); }>
                        "Turn on notifications"
                    </button>
                    <button type="button" class="small quiet" on:click=move |_| {
                        crate::session::browser::notify::decline();
                        undecided.set(false);
                    }>"Not now"</button>
                </div>
            }
        })
    }
}
