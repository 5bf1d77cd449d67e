//! The thread view: title, tags, status, the patient region, messages and the composer.

use super::acknowledge::Acknowledgement;
use super::chart::ChartSelection;
use super::composer::{Composer, Typing};
use super::history_export::ExportHistory;
use super::messages::MessageList;
use super::parts::{Alert, ThreadTags};
use super::patient::PatientRegion;
use super::state::AppState;
use crate::domain::{Priority, Status, Thread};
use crate::session::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The thread `root` in `room`: what the device knows shows at once (offline too); its history
/// loads from the server, and a failure to load is never taken for "does not exist".
#[component]
pub fn ThreadView(room: String, root: String) -> impl IntoView {
    let state = AppState::get();
    let problem = RwSignal::new(None::<String>);
    if let Some(session) = state.session() {
        let (room, root) = (room.clone(), root.clone());
        spawn_local(async move {
            if let Err(e) = session.open_thread(&room, &root).await {
                problem.set(Some(e.to_string()));
            }
        });
    }
    let (r, t) = (room.clone(), root.clone());
    // A memo: the body (and the composer's text) must survive every inbox update.
    let exists = Memo::new(move |_| state.inbox(|i| i.thread(&r, &t).is_some()).unwrap_or(false));
    view! {
        <article class="thread" aria-labelledby="thread-title">
            {move || if exists.get() {
                view! {
                    {move || problem.get().map(|p| view! { <p class="notice" role="status">{p}</p> })}
                    <ThreadBody room=room.clone() root=root.clone()/>
                }.into_any()
            } else {
                match problem.get() {
                    Some(p) => view! { <Alert text=p/> }.into_any(),
                    None => view! { <p class="loading" role="status">"Loading thread…"</p> }.into_any(),
                }
            }}
        </article>
    }
}

#[component]
fn ThreadBody(room: String, root: String) -> impl IntoView {
    let state = AppState::get();
    provide_context(ChartSelection(RwSignal::new(None)));
    let thread = {
        let (room, root) = (room.clone(), root.clone());
        Memo::new(move |_| state.inbox(|i| i.thread(&room, &root).cloned()).flatten())
    };
    let read = move |t: &Option<Thread>| t.as_ref().map(|t| (t.info.title(), t.priority, t.status));
    let title = move || thread.with(|t| read(t).map(|r| r.0).unwrap_or_default());
    let priority = Signal::derive(move || thread.with(|t| read(t).map_or(Priority::Routine, |r| r.1)));
    let status = Signal::derive(move || thread.with(|t| read(t).map_or(Status::Open, |r| r.2)));

    // Read receipts: for the newest message from someone else, while the page is looked at.
    {
        let (room, root) = (room.clone(), root.clone());
        Effect::new(move |_| {
            thread.track();
            if !state.active.get() {
                return;
            }
            if let Some(session) = state.session() {
                let (room, root) = (room.clone(), root.clone());
                spawn_local(async move { session.read(&room, &root).await });
            }
        });
    }

    let toggle_status = {
        let (room, root) = (room.clone(), root.clone());
        move |_| {
            let next = match status.get_untracked() {
                Status::Resolved => Status::Open,
                Status::Open => Status::Resolved,
            };
            let Some(session) = state.session() else { return };
            let (room, root) = (room.clone(), root.clone());
            spawn_local(async move {
                if let Err(e) = session.post(&room, &root, Command::SetStatus(next)).await {
                    state.store_problem.set(Some(e.to_string()));
                }
            });
        }
    };
    let category = state.category_of(&room);
    // `For Clinician, Front desk`: the roles the thread is addressed to.
    let addressed = move || {
        let roles = thread.with(|t| t.as_ref().map(|t| t.info.to_roles.clone()).unwrap_or_default());
        let policy = state.session().map(|s| s.policy());
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

    view! {
        <header class="thread-head">
            <a href="/" class="back">"‹ Inbox"</a>
            <h1 id="thread-title">{title}</h1>
            <div class="thread-tags">
                <ThreadTags category=category priority=priority status=status/>
                {move || addressed().map(|text| view! { <span class="tag addressed">{text}</span> })}
            </div>
            <div class="thread-actions">
                <button type="button" class="status-toggle" on:click=toggle_status>
                    {move || if status.get() == Status::Resolved { "Reopen" } else { "Mark resolved" }}
                </button>
                <ExportHistory room=room.clone() root=root.clone()/>
            </div>
        </header>
        <Acknowledgement room=room.clone() root=root.clone() thread=thread/>
        {thread.with_untracked(|t| t.as_ref().and_then(|t| t.info.patient.clone())).map(|p| view! {
            <PatientRegion room=room.clone() root=root.clone() patient=p/>
        })}
        <MessageList room=room.clone() root=root.clone() thread=thread/>
        <Typing room=room.clone()/>
        <Composer room=room root=root/>
    }
}
