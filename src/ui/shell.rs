//! The signed-in frame: top bar (clinic, navigation `Main`, connection state, New thread, the
//! person, Sign out) and the workspace (inbox and thread panes, or the Staff page).

use super::availability::AvailabilityPicker;
use super::inbox::InboxPane;
use super::live;
use super::new_thread::NewThreadDialog;
use super::routes::thread_in_path;
use super::signin::SignIn;
use super::state::{AppState, Phase};
use crate::session::browser::Ending;
use crate::session::SyncStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

/// The message the UI contract asks for while offline.
pub const OFFLINE_TEXT: &str = "Offline — messages will be sent when you reconnect";

/// Sign-in until there is a session, then the frame around the routed page.
#[component]
pub fn Shell() -> impl IntoView {
    let state = AppState::get();
    move || match state.phase.get() {
        Phase::Restoring => view! { <p class="boot" role="status">"Loading…"</p> }.into_any(),
        Phase::SignedIn => view! { <Frame/> }.into_any(),
        Phase::SignedOut => view! { <SignIn/> }.into_any(),
    }
}

#[component]
fn Frame() -> impl IntoView {
    let state = AppState::get();
    let location = use_location();
    let selected = Signal::derive(move || location.pathname.with(|p| thread_in_path(p)));
    // A memo, so that moving between threads does not rebuild the inbox pane.
    let on_staff = Memo::new(move |_| {
        location
            .pathname
            .with(|p| p.starts_with("/staff") || p.starts_with("/schedule"))
    });
    let schedule_link = state.ehr().is_some();
    let new_thread = RwSignal::new(false);
    let (clinic_name, logo) = state.config.with_value(|c| (c.clinic_name.clone(), c.logo.clone()));
    let staff = Memo::new(move |_| state.staff());
    let staff = move || staff.get();
    let signing_out = RwSignal::new(false);

    let sign_out = move |_| {
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
        signing_out.set(true);
        spawn_local(async move {
            live::end(state, Ending::SignOut, None).await;
            signing_out.set(false);
        });
    };

    view! {
        <div class="app">
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
                <button type="button" class="quiet" on:click=sign_out disabled=move || signing_out.get()>"Sign out"</button>
            </header>
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
            {move || if on_staff.get() {
                view! { <main class="page"><Outlet/></main> }.into_any()
            } else {
                view! {
                    <main class="workspace" class:has-thread=move || selected.with(Option::is_some)>
                        <InboxPane selected=selected/>
                        <section class="thread-pane" aria-label="Thread"><Outlet/></section>
                    </main>
                }.into_any()
            }}
            <NewThreadDialog open=new_thread/>
        </div>
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

/// Offers to turn on notifications while the browser has not asked yet.
#[component]
fn NotificationOffer() -> impl IntoView {
    let state = AppState::get();
    let undecided = RwSignal::new(super::notify::undecided());
    move || {
        undecided.get().then(|| {
            view! {
                <div class="banner notify-offer">
                    "Get notified of urgent messages and replies in your threads (no patient details are shown). "
                    <button type="button" class="small" on:click=move |_| super::notify::ask(move || {
                        undecided.set(super::notify::undecided());
                        super::push::start(state);
                    })>
                        "Turn on notifications"
                    </button>
                    <button type="button" class="small quiet" on:click=move |_| undecided.set(false)>"Not now"</button>
                </div>
            }
        })
    }
}

/// The thread pane when no thread is open.
#[component]
pub fn NoThread() -> impl IntoView {
    view! {
        <div class="no-thread">
            <p>"Choose a thread, or start a new one."</p>
        </div>
    }
}
