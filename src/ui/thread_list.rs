//! The list labelled `Threads`: virtualised (only the visible rows are rendered, so thousands
//! of threads scroll smoothly), keyed, with older threads loaded on scroll.

use super::parts::ThreadTags;
use super::routes::thread_path;
use super::state::AppState;
use super::time;
use crate::domain::inbox::{patient_key, ThreadKey};
use crate::domain::{Body, Priority, Thread};
use crate::store::DraftKey;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Height of one row in pixels (kept in sync with `.thread-row` in the CSS).
const ROW: f64 = 96.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 6;

/// The threads `keys`, in order.
#[component]
pub fn ThreadList(
    keys: Memo<Vec<ThreadKey>>,
    selected: Signal<Option<ThreadKey>>,
    group_by_patient: RwSignal<bool>,
) -> impl IntoView {
    let state = AppState::get();
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(800.0_f64);
    let more_older = StoredValue::new(true);
    let loading_older = RwSignal::new(false);

    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            viewport.set(el.client_height().max(1) as f64);
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    let on_resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || on_resize.remove());

    let load_older = move || {
        if loading_older.get_untracked() || !more_older.get_value() {
            return;
        }
        let Some(session) = state.session() else { return };
        loading_older.set(true);
        spawn_local(async move {
            // A failed page is tried again on the next scroll.
            if let Ok(more) = session.load_older_threads().await {
                more_older.set_value(more);
            }
            loading_older.set(false);
        });
    };

    let range = move || {
        let total = keys.with(Vec::len);
        let first = ((scroll_top.get() / ROW) as usize).saturating_sub(OVERSCAN);
        let count = (viewport.get() / ROW).ceil() as usize + 2 * OVERSCAN;
        first.min(total)..(first + count).min(total)
    };

    view! {
        <div class="thread-scroll" node_ref=scroller
            on:scroll=move |_| {
                measure();
                let total = keys.with_untracked(Vec::len) as f64 * ROW;
                if scroll_top.get_untracked() + viewport.get_untracked() > total - 3.0 * ROW {
                    load_older();
                }
            }>
            <ul class="threads" aria-label="Threads" on:keydown=move_focus style:height=move || format!("{}px", keys.with(Vec::len) as f64 * ROW)>
                <For each=move || {
                        let range = range();
                        let grouped = group_by_patient.get();
                        keys.with(|all| {
                            range.map(|i| {
                                let group_start = grouped && (i == 0 || state.inbox(|inbox| {
                                    let (prev, key) = (&all[i - 1], &all[i]);
                                    match (inbox.thread(&prev.0, &prev.1), inbox.thread(&key.0, &key.1)) {
                                        (Some(a), Some(b)) => patient_key(a) != patient_key(b),
                                        _ => true,
                                    }
                                }).unwrap_or(true));
                                (i, all[i].clone(), group_start, all.len())
                            }).collect::<Vec<_>>()
                        })
                    }
                    key=|row| row.clone()
                    let:row>
                    <ThreadRow key=row.1 index=row.0 total=row.3 selected=selected group_start=row.2/>
                </For>
            </ul>
            {move || keys.with(Vec::is_empty).then(|| view! {
                <p class="empty">{move || if state.inbox(|i| i.is_empty()).unwrap_or(true) { "No threads yet." } else { "No threads match these filters." }}</p>
            })}
            {move || loading_older.get().then(|| view! { <p class="loading" role="status">"Loading older threads…"</p> })}
        </div>
    }
}

#[component]
fn ThreadRow(
    key: ThreadKey,
    index: usize,
    total: usize,
    selected: Signal<Option<ThreadKey>>,
    group_start: bool,
) -> impl IntoView {
    let state = AppState::get();
    let (room, root) = key.clone();
    let href = thread_path(&room, &root);
    let row = move || {
        state
            .inbox(|inbox| {
                let thread = inbox.thread(&room, &root)?;
                let preview = thread.preview().map(|m| {
                    let text = match &m.body {
                        Body::Text(t) | Body::Appointment(t) | Body::Escalation { text: t, .. } => t.clone(),
                        Body::Attachment(file) => file.describe(),
                        Body::Update { .. }
                        | Body::Unavailable
                        | Body::Acknowledged
                        | Body::Charted { .. }
                        | Body::Removed { .. } => String::new(),
                    };
                    format!("{}: {}", inbox.name(&m.sender), text)
                });
                Some((
                    thread.info.title(),
                    thread.priority,
                    thread.status,
                    preview.unwrap_or_default(),
                    time::short(thread.last_activity()),
                    inbox.unread(thread),
                    thread.info.patient.as_ref().map(|p| p.display.clone()),
                    acknowledgement_tag(thread),
                ))
            })
            .flatten()
    };
    let category = state.category_of(&key.0);
    let draft_key = DraftKey::Thread {
        room_id: key.0.clone(),
        root_id: key.1.clone(),
    };
    let has_draft = move || state.drafts.with(|d| d.contains(&draft_key));
    let is_selected = move || selected.with(|s| s.as_ref() == Some(&key));
    move || {
        row().map(|(title, priority, status, preview, when, unread, patient, ack)| {
            let href = href.clone();
            let (selected_class, selected_aria) = (is_selected.clone(), is_selected.clone());
            let has_draft = has_draft.clone();
            view! {
                <li class="thread-row" style:top=format!("{}px", index as f64 * ROW)
                    aria-setsize=total.to_string() aria-posinset=(index + 1).to_string()>
                    <a href=href class:selected=selected_class class:unread={unread > 0}
                        aria-current=move || selected_aria().then_some("page")>
                        <span class="row-top">
                            <span class="title">{title}</span>
                            <span class="when">{when}</span>
                        </span>
                        <span class="row-meta">
                            <ThreadTags category=category.clone() priority=priority status=status
                                urgent_shown_elsewhere=matches!(ack, Some(Ack::Waiting(_)))/>
                            {ack.map(|ack| match ack {
                                Ack::Waiting(since) => view! {
                                    <span class="tag waiting">
                                        {move || format!("Urgent · {} · Waiting for acknowledgement", time::duration(state.clock.get().saturating_sub(since)))}
                                    </span>
                                }.into_any(),
                                Ack::Done => view! { <span class="tag acknowledged">"Acknowledged"</span> }.into_any(),
                            })}
                            {group_start.then_some(patient).flatten().map(|p| view! { <span class="group-label">{p}</span> })}
                            {move || has_draft().then(|| view! { <span class="tag draft">"Draft"</span> })}
                            {(unread > 0).then(|| view! { <span class="unread-count">{format!("{unread} unread")}</span> })}
                        </span>
                        <span class="preview">{preview}</span>
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

/// Arrow keys move between threads (Tab still leaves the list).
fn move_focus(ev: leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let forward = match ev.key().as_str() {
        "ArrowDown" => true,
        "ArrowUp" => false,
        _ => return,
    };
    let current = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|el| el.closest("li").ok().flatten());
    let Some(current) = current else { return };
    // Rows are absolutely positioned, so DOM order is not list order: pick by position.
    let index = |el: &web_sys::Element| el.get_attribute("aria-posinset").and_then(|v| v.parse::<usize>().ok());
    let Some(at) = index(&current) else { return };
    let target = if forward { at + 1 } else { at.saturating_sub(1) };
    let link = current
        .parent_element()
        .and_then(|list| {
            list.query_selector(&format!("li[aria-posinset=\"{target}\"] a"))
                .ok()
                .flatten()
        })
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(link) = link {
        ev.prevent_default();
        let _ = link.focus();
    }
}
