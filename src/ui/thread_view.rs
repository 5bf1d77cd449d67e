//! The thread view: title, tags, status, the patient region, messages and the composer.

use super::acknowledge::Acknowledgement;
use super::chart::ChartSelection;
use super::composer::{Composer, Typing};
use super::history_export::ExportHistory;
use super::link_patient::{LinkPatientButton, LinkPatientPanel};
use super::messages::MessageList;
use super::parts::{PageError, ThreadTags};
use super::patient::PatientRegion;
use super::state::AppState;
use super::tasks::{action, resource};
use crate::domain::{Priority, Status, Thread, ThreadKey};
use crate::session::SessionError;
use leptos::prelude::*;

/// The thread `key`: what the device knows shows at once (offline too); its history loads from
/// the server, and a failure to load is never taken for "does not exist".
#[component]
pub fn ThreadView(key: ThreadKey) -> impl IntoView {
    let state = AppState::get();
    state.watch_thread(&key);
    // Loaded again when the connection comes back, if it failed without one.
    let online = Memo::new(move |_| !state.offline());
    let opened = {
        let thread = state.thread(&key);
        resource(move || {
            online.track();
            let thread = thread.clone();
            async move {
                match thread {
                    Some(thread) => thread.open().await,
                    None => Ok(()),
                }
            }
        })
    };
    // A memo: the body (and the composer's text) must survive every update of the thread.
    let exists = {
        let key = key.clone();
        Memo::new(move |_| state.with_thread(&key, |t, _| t.is_some()))
    };
    let problem = move || opened.get().and_then(Result::err);
    view! {
        <article class="thread" aria-labelledby="thread-title">
            {move || if exists.get() {
                view! {
                    {move || problem().map(|e| view! { <p class="notice" role="status">{not_loaded(&e, state.offline())}</p> })}
                    <ThreadBody key=key.clone()/>
                }.into_any()
            } else {
                view! {
                    <ErrorBoundary fallback=|errors| view! { <PageError errors=errors words=not_opened/> }>
                        {move || opened.get()}
                        <p class="loading" role="status">"Loading thread…"</p>
                    </ErrorBoundary>
                }.into_any()
            }}
        </article>
    }
}

/// Why a thread the device knows could not load its history: offline, that is no error (what
/// the device kept is on screen).
fn not_loaded(error: &SessionError, offline: bool) -> String {
    match error {
        SessionError::Unreachable(_) if offline => {
            "Offline — showing what this device kept. The rest of the thread loads when the connection is back.".into()
        }
        other => {
            format!("This thread's history could not be loaded: {other}. It will load when the connection is back.")
        }
    }
}

/// Why a thread the device does not know could not be opened.
fn not_opened(error: &SessionError) -> String {
    match error {
        SessionError::NotAllowed => "This thread does not exist or you do not have access to it.".into(),
        SessionError::Refused(why) => format!("This thread cannot be shown: {why}."),
        other => format!("This thread could not be loaded: {other}. It will load when the connection is back."),
    }
}

#[component]
fn ThreadBody(key: ThreadKey) -> impl IntoView {
    let state = AppState::get();
    provide_context(ChartSelection(RwSignal::new(None)));
    let Some(handle) = state.thread(&key) else {
        return ().into_any();
    };
    let thread_ref = StoredValue::new_local(handle.clone());
    let thread = {
        let key = key.clone();
        Memo::new(move |_| state.with_thread(&key, |t, _| t.cloned()))
    };
    let read = move |t: &Option<Thread>| t.as_ref().map(|t| (t.info.title(), t.priority, t.status));
    let title = move || thread.with(|t| read(t).map(|r| r.0).unwrap_or_default());
    let priority = Signal::derive(move || thread.with(|t| read(t).map_or(Priority::Routine, |r| r.1)));
    let status = Signal::derive(move || thread.with(|t| read(t).map_or(Status::Open, |r| r.2)));

    // Read receipts: for the newest message from someone else, while the page is looked at.
    let mark_read = {
        let handle = handle.clone();
        action(move |(): &()| {
            let handle = handle.clone();
            async move { handle.read().await }
        })
    };
    Effect::new(move |_| {
        thread.track();
        if state.active.get() {
            mark_read.dispatch_local(());
        }
    });

    let set_status = {
        let handle = handle.clone();
        action(move |next: &Status| {
            let (handle, next) = (handle.clone(), *next);
            async move {
                if let Err(e) = handle.set_status(next).await {
                    state
                        .store_problem
                        .set(Some(format!("The thread's status was not changed: {e}.")));
                }
            }
        })
    };
    let toggle_status = move |_| {
        let next = match status.get_untracked() {
            Status::Resolved => Status::Open,
            Status::Open => Status::Resolved,
        };
        set_status.dispatch_local(next);
    };
    let category = state.category_of(key.room_str());
    // `For Clinician, Front desk`: the roles the thread is addressed to.
    let addressed = move || {
        let roles = thread.with(|t| t.as_ref().map(|t| t.info.to_roles.clone()).unwrap_or_default());
        let policy = state.policy();
        let labels: Vec<String> = roles
            .iter()
            .map(|id| {
                policy
                    .as_ref()
                    .and_then(|p| p.role(id))
                    .map_or(id.clone(), |r| r.label.clone())
            })
            .collect();
        (!labels.is_empty()).then(|| format!("For {}", labels.join(", ")))
    };
    // `From the EHR · Missed visit`: only when the clinic's service account opened it.
    let from_ehr = move || {
        let service = state.service_account();
        thread.with(|t| t.as_ref().and_then(|t| t.opened_by_ehr(service.as_deref())))
    };
    // The region follows the thread's patient (a link made later shows at once).
    let patient = Memo::new(move |_| thread.with(|t| t.as_ref().and_then(|t| t.info.patient.clone())));
    let linking = RwSignal::new(false);

    view! {
        <header class="thread-head">
            <a href="/" class="back">"‹ Inbox"</a>
            <h1 id="thread-title">{title}</h1>
            <div class="thread-tags">
                <ThreadTags category=category priority=priority status=status/>
                {move || addressed().map(|text| view! { <span class="tag addressed">{text}</span> })}
                {move || from_ehr().map(|kind| view! { <span class="tag from-ehr">{format!("From the EHR · {}", kind.label())}</span> })}
            </div>
            <div class="thread-actions">
                <button type="button" class="status-toggle" on:click=toggle_status>
                    {move || if status.get() == Status::Resolved { "Reopen" } else { "Mark resolved" }}
                </button>
                <ExportHistory thread=thread_ref/>
                {move || patient.with(Option::is_none).then(|| view! { <LinkPatientButton open=linking/> })}
            </div>
        </header>
        <Acknowledgement thread=thread_ref shown=thread/>
        {move || match patient.get() {
            Some(p) => view! { <PatientRegion thread=thread_ref patient=p/> }.into_any(),
            None => view! { <LinkPatientPanel thread=thread_ref open=linking/> }.into_any(),
        }}
        <MessageList thread=thread_ref shown=thread/>
        <Typing key=key.clone()/>
        <Composer thread=thread_ref/>
    }
    .into_any()
}
