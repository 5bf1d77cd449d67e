//! The top bar: clinic, navigation `Main`, connection state, New thread, availability, the
//! person, Sign out.

use super::availability::AvailabilityPicker;
use super::state::AppState;
use super::tasks::action;
use crate::session::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;

/// The message the UI contract asks for while offline.
pub const OFFLINE_TEXT: &str = "Offline — messages will be sent when you reconnect";

/// The bar; `new_thread` opens the New thread dialog.
#[component]
pub fn TopBar(new_thread: RwSignal<bool>) -> impl IntoView {
    let state = AppState::get();
    let schedule_link = state.ehr().is_some();
    let (clinic_name, logo) = state.config.with_value(|c| (c.clinic_name.clone(), c.logo.clone()));
    let staff = Memo::new(move |_| state.staff());
    let staff = move || staff.get();
    let sign_out = action(move |(): &()| {
        let tab = state.tab();
        async move {
            if let Some(tab) = tab {
                tab.sign_out().await;
            }
        }
    });
    let ask_and_sign_out = move |_| {
        let unsent = untrack(|| state.unsent());
        if unsent > 0 {
            let question = format!(
                "{unsent} message{} not been sent yet and will be lost if you sign out. Sign out anyway?",
                if unsent == 1 { " has" } else { "s have" }
            );
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message(&question).ok())
                .unwrap_or(false);
            if !confirmed {
                return;
            }
        }
        sign_out.dispatch_local(());
    };

    view! {
        <header class="topbar">
            {logo.map(|src| view! { <img class="logo" src=src alt=""/> })}
            <span class="brand">{clinic_name}</span>
            <nav aria-label="Main" class="main-nav">
                <ul>
                    <li><A href="/" exact=true>"Inbox"</A></li>
                    {move || (schedule_link && staff().is_some_and(|s| s.schedules())).then(|| view! { <li><A href="/schedule">"Schedule"</A></li> })}
                    {move || staff().is_some_and(|s| s.is_admin()).then(|| view! { <li><A href="/staff">"Staff"</A></li> })}
                </ul>
            </nav>
            <ConnectionState/>
            <button type="button" class="primary new-thread" on:click=move |_| new_thread.set(true)>"New thread"</button>
            <AvailabilityPicker/>
            {move || staff().map(|s| view! {
                <span class="person">
                    <span class="person-name">{s.display_name}</span>
                    <span class="person-roles">{s.roles.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(" · ")}</span>
                </span>
            })}
            <button type="button" class="quiet" on:click=ask_and_sign_out disabled=move || sign_out.pending().get()>"Sign out"</button>
        </header>
    }
}

#[component]
fn ConnectionState() -> impl IntoView {
    let state = AppState::get();
    move || match state.status.get() {
        SyncStatus::Offline { .. } => {
            view! { <div class="connection offline" role="status">{OFFLINE_TEXT}</div> }.into_any()
        }
        SyncStatus::Throttled { retry_in_ms } => view! {
            <div class="connection waiting" role="status">
                {format!("The homeserver is busy — trying again in {}", super::time::duration(retry_in_ms))}
            </div>
        }
        .into_any(),
        SyncStatus::Initial => view! { <span class="connection">"Connecting…"</span> }.into_any(),
        SyncStatus::CatchingUp => view! { <span class="connection">"Catching up…"</span> }.into_any(),
        SyncStatus::Live => view! { <span class="connection live">"Live"</span> }.into_any(),
    }
}
