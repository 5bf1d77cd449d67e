//! One row of the list labelled `Threads`: title, time, tags, draft and unread marks, the
//! newest message. It reads only its own thread, so it repaints only when that changes.

use super::parts::{sender_name, ThreadTags};
use super::routes::thread_path;
use super::state::AppState;
use super::time;
use crate::domain::{Body, Inbox, Priority, Thread, ThreadKey};
use leptos::prelude::*;

/// Height of one row in pixels (kept in sync with `.thread-row` in the CSS).
pub const ROW: f64 = 96.0;

/// Where a row sits in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Its position.
    pub index: usize,
    /// Whether it starts a patient's group (grouping by patient).
    pub group_start: bool,
}

/// What a row shows of its thread.
#[derive(Clone, PartialEq)]
struct Summary {
    title: String,
    priority: Priority,
    status: crate::domain::Status,
    preview: String,
    when: String,
    unread: usize,
    patient: Option<String>,
    ack: Option<Ack>,
}

impl Summary {
    /// The row of `thread`; `service` is the clinic's service account, whose words in a thread
    /// the EHR opened read as the EHR's.
    fn of(thread: &Thread, inbox: &Inbox, service: Option<&str>) -> Self {
        let preview = thread.preview().map(|m| {
            let text = match &m.body {
                Body::Text(t) | Body::Appointment { summary: t, .. } | Body::Escalation { text: t, .. } => t.clone(),
                Body::Attachment(file) => file.describe(),
                Body::Charted { updated: false, .. } => "Saved the thread to the chart".to_owned(),
                Body::Charted { updated: true, .. } => "Updated the thread's chart record".to_owned(),
                Body::PatientLinked(patient) => format!("Linked this thread to {}", patient.display),
                Body::Update { .. } | Body::Unavailable | Body::Acknowledged | Body::Removed { .. } => String::new(),
            };
            format!("{}: {text}", sender_name(thread, inbox, &m.sender, service))
        });
        Summary {
            title: thread.info.title(),
            priority: thread.priority,
            status: thread.status,
            preview: preview.unwrap_or_default(),
            when: time::short(thread.last_activity()),
            unread: inbox.unread(thread),
            patient: thread.info.patient.as_ref().map(|p| p.display.clone()),
            ack: acknowledgement_tag(thread),
        }
    }
}

/// The row of the thread `key`.
#[component]
pub fn ThreadRow(
    key: ThreadKey,
    place: Signal<Option<Place>>,
    total: Signal<usize>,
    selected: Signal<Option<ThreadKey>>,
) -> impl IntoView {
    let state = AppState::get();
    let href = thread_path(&key);
    let summary = {
        let key = key.clone();
        let service = state.service_account();
        Memo::new(move |_| state.with_thread(&key, |t, inbox| t.map(|t| Summary::of(t, inbox, service.as_deref()))))
    };
    let category = state.category_of(key.room_str());
    let has_draft = {
        let key = key.clone();
        move || state.has_draft(&key)
    };
    let is_selected = {
        let key = key.clone();
        move || selected.with(|s| s.as_ref() == Some(&key))
    };
    let index = move || place.with(|p| p.as_ref().map_or(0, |p| p.index));
    let starts_group = move || place.with(|p| p.as_ref().is_some_and(|p| p.group_start));
    state.watch_thread(&key);
    move || {
        summary.get().map(|row| {
            let (href, has_draft, is_selected) = (href.clone(), has_draft.clone(), is_selected.clone());
            let aria_selected = is_selected.clone();
            let patient = row.patient.clone();
            let group_label = move || patient.clone().filter(|_| starts_group()).map(|p| view! { <span class="group-label">{p}</span> });
            view! {
                <li class="thread-row" style:top=move || format!("{}px", index() as f64 * ROW)
                    aria-setsize=move || total.get().to_string() aria-posinset=move || (index() + 1).to_string()>
                    <a href=href class:selected=is_selected class:unread={row.unread > 0}
                        aria-current=move || aria_selected().then_some("page")>
                        <span class="row-top">
                            <span class="title">{row.title}</span>
                            <span class="when">{row.when}</span>
                        </span>
                        <span class="row-meta">
                            <ThreadTags category=category.clone() priority=row.priority status=row.status
                                urgent_shown_elsewhere=matches!(row.ack, Some(Ack::Waiting(_)))/>
                            {row.ack.map(|ack| match ack {
                                Ack::Waiting(since) => view! {
                                    <span class="tag waiting">
                                        {move || format!("Urgent · {} · Waiting for acknowledgement", time::duration(state.clock.get().saturating_sub(since)))}
                                    </span>
                                }.into_any(),
                                Ack::Done => view! { <span class="tag acknowledged">"Acknowledged"</span> }.into_any(),
                            })}
                            {group_label}
                            {move || has_draft().then(|| view! { <span class="tag draft">"Draft"</span> })}
                            {(row.unread > 0).then(|| view! { <span class="unread-count">{format!("{} unread", row.unread)}</span> })}
                        </span>
                        <span class="preview">{row.preview}</span>
                    </a>
                </li>
            }
        })
    }
}

/// Whether someone took on an urgent thread, as its row says.
#[derive(Clone, Copy, PartialEq)]
enum Ack {
    /// Nobody yet; waiting since the thread was sent (milliseconds).
    Waiting(u64),
    Done,
}

fn acknowledgement_tag(thread: &Thread) -> Option<Ack> {
    if let Some(since) = thread.waiting_since() {
        Some(Ack::Waiting(since))
    } else if thread.priority == Priority::Urgent && thread.is_acknowledged() {
        Some(Ack::Done)
    } else {
        None
    }
}
