//! The thread view: title, messages with day separators and receipts, composer, status.

use super::drafts::Draft;
use super::outbox;
use super::patient::PatientRegion;
use super::state::AppState;
use super::time;
use crate::domain::{Body, Delivery, Incoming, Message, Priority, Status};
use crate::store::DraftKey;
use crate::sync;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The homeserver's event size limit; the body must leave room for the envelope.
const MAX_MESSAGE_BYTES: usize = 60 * 1024;
/// Typing notices last this long unless renewed.
const TYPING_MS: u64 = 6_000;

/// The thread `root` in `room`.
#[component]
pub fn ThreadView(room: String, root: String) -> impl IntoView {
    let state = AppState::get();
    let older = RwSignal::new(None::<String>);
    let load_error = RwSignal::new(None::<String>);
    load_thread(state, room.clone(), root.clone(), older, load_error);

    let (r, t) = (room.clone(), root.clone());
    // A memo: the body (and the composer's text) must survive every inbox update.
    let exists = Memo::new(move |_| state.inbox.with(|i| i.thread(&r, &t).is_some()));
    view! {
        <article class="thread" aria-labelledby="thread-title">
            {move || if exists.get() {
                view! { <ThreadBody room=room.clone() root=root.clone() older=older/> }.into_any()
            } else {
                view! {
                    <p class="loading" role="status">
                        {move || load_error.get().unwrap_or_else(|| "Loading thread…".into())}
                    </p>
                }.into_any()
            }}
        </article>
    }
}

/// Loads the thread's replies (and its root, for a deep link to a thread not synced yet).
fn load_thread(
    state: AppState,
    room: String,
    root: String,
    older: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
) {
    let Some(client) = state.client() else { return };
    spawn_local(async move {
        if !state.inbox.with_untracked(|i| i.knows(&root)) {
            let problem = match sync::fetch_root(&client, &room, &root).await {
                Ok(Some(found)) => {
                    state.inbox.update(|i| i.apply([found]));
                    None
                }
                Ok(None) => Some("This thread's first message is not available.".to_owned()),
                Err(e) if matches!(e.status(), Some(403 | 404)) => {
                    Some("This thread does not exist or you do not have access to it.".to_owned())
                }
                // Not a verdict on the thread: the network or the server failed.
                Err(e) => Some(format!(
                    "This thread could not be loaded ({e}). Try again when the connection is back."
                )),
            };
            if problem.is_some() {
                error.set(problem);
                return;
            }
        }
        match sync::thread_history(&client, &room, &root, None).await {
            Ok((found, token)) => {
                state.inbox.update(|i| i.apply(found));
                older.set(token);
            }
            Err(e) => error.set(Some(format!("Could not load this thread: {e}"))),
        }
    });
}

#[component]
fn ThreadBody(room: String, root: String, older: RwSignal<Option<String>>) -> impl IntoView {
    let state = AppState::get();
    let active = state.active;
    let key = (room.clone(), root.clone());
    let thread = {
        let key = key.clone();
        Memo::new(move |_| state.inbox.with(|i| i.thread(&key.0, &key.1).cloned()))
    };
    let title = move || thread.with(|t| t.as_ref().map(|t| t.info.title()).unwrap_or_default());
    let status = move || thread.with(|t| t.as_ref().map(|t| t.status).unwrap_or_default());
    let priority = move || thread.with(|t| t.as_ref().map(|t| t.priority).unwrap_or_default());
    let category = {
        let room = room.clone();
        move || state.category_of(&room)
    };

    // Read receipts: for the newest message from someone else, while the page is looked at.
    let last_receipt = StoredValue::new(None::<String>);
    {
        let (room, root) = key.clone();
        Effect::new(move |_| {
            if !active.get() {
                return;
            }
            let Some(event) = state
                .inbox
                .with(|i| i.thread(&room, &root).and_then(|t| i.receipt_to_send(t)))
            else {
                return;
            };
            if last_receipt.get_value().as_ref() == Some(&event) {
                return;
            }
            last_receipt.set_value(Some(event.clone()));
            let Some(client) = state.client() else { return };
            let me = client.session().map(|s| s.user_id.clone()).unwrap_or_default();
            state.inbox.update(|i| {
                i.apply([Incoming::Receipt {
                    room_id: room.clone(),
                    user_id: me,
                    event_id: event.clone(),
                }])
            });
            // The root is in the main timeline; replies are in the thread.
            let thread_id = (event != root).then(|| root.clone());
            let room = room.clone();
            spawn_local(async move {
                // A lost receipt only means the message shows as unread a little longer.
                let _ = client.send_read_receipt(&room, &event, thread_id.as_deref()).await;
            });
        });
    }

    let toggle_status = {
        let (room, root) = key.clone();
        move |_| {
            let next = if status() == Status::Resolved {
                Status::Open
            } else {
                Status::Resolved
            };
            outbox::send_status(state, &room, &root, next);
        }
    };
    let (cat_id, cat_label) = category();

    view! {
        <header class="thread-head">
            <a href="/" class="back">"‹ Inbox"</a>
            <h1 id="thread-title">{title}</h1>
            <div class="thread-tags">
                <span class=format!("tag cat-{cat_id}")>{cat_label}</span>
                {move || (priority() == Priority::Urgent).then(|| view! { <span class="tag urgent">"Urgent"</span> })}
                {move || (status() == Status::Resolved).then(|| view! { <span class="tag resolved">"Resolved"</span> })}
            </div>
            <button type="button" class="status-toggle" on:click=toggle_status>
                {move || if status() == Status::Resolved { "Reopen" } else { "Mark resolved" }}
            </button>
        </header>
        {thread.with_untracked(|t| t.as_ref().and_then(|t| t.info.patient.clone())).map(|p| view! {
            <PatientRegion room=room.clone() root=root.clone() patient=p/>
        })}
        <MessageList room=room.clone() root=root.clone() thread=thread older=older/>
        <Typing room=room.clone()/>
        <Composer room=room root=root/>
    }
}

#[component]
fn MessageList(
    room: String,
    root: String,
    thread: Memo<Option<crate::domain::Thread>>,
    older: RwSignal<Option<String>>,
) -> impl IntoView {
    let state = AppState::get();
    let scroller = NodeRef::<html::Div>::new();
    let count = move || thread.with(|t| t.as_ref().map_or(0, |t| t.messages.len()));
    // Keep the newest message in view as messages arrive.
    Effect::new(move |_| {
        count();
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    let loading = RwSignal::new(false);
    let load_earlier = move || {
        let (Some(token), Some(client)) = (older.get_untracked(), state.client()) else {
            return;
        };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let (room, root) = (room.clone(), root.clone());
        spawn_local(async move {
            if let Ok((found, token)) = sync::thread_history(&client, &room, &root, Some(&token)).await {
                state.inbox.update(|i| i.apply(found));
                older.set(token);
            }
            loading.set(false);
        });
    };
    let rows = move || {
        thread.with(|t| {
            let Some(t) = t else { return Vec::new() };
            let seen = state.inbox.with(|i| i.seen_by(t));
            let mut rows = Vec::new();
            for (i, m) in t.messages.iter().enumerate() {
                if i == 0 || !time::same_day(t.messages[i - 1].ts, m.ts) {
                    rows.push(view! { <li class="day">{time::day(m.ts)}</li> }.into_any());
                }
                let name = state.inbox.with(|inbox| inbox.name(&m.sender));
                rows.push(view! { <MessageItem message=m.clone() name=name is_root=i == 0/> }.into_any());
                if let Some(names) = seen.get(&i) {
                    rows.push(view! { <li class="seen">{format!("Seen by {}", names.join(", "))}</li> }.into_any());
                }
            }
            rows
        })
    };
    view! {
        // Focusable, so the conversation scrolls with the keyboard too.
        <div class="messages-scroll" node_ref=scroller tabindex="0" role="region" aria-label="Conversation"
            on:scroll=move |_| {
                if scroller.get_untracked().is_some_and(|el| el.scroll_top() < 40) {
                    load_earlier();
                }
            }>
            {move || older.with(Option::is_some).then(|| view! {
                <p class="earlier">{move || if loading.get() { "Loading earlier messages…" } else { "Scroll up for earlier messages" }}</p>
            })}
            // New messages are announced politely to screen readers.
            <ol class="messages" aria-label="Messages" aria-live="polite" aria-relevant="additions">{rows}</ol>
        </div>
    }
}

#[component]
fn MessageItem(message: Message, name: String, is_root: bool) -> impl IntoView {
    let state = AppState::get();
    let when = time::clock(message.ts);
    match message.body {
        Body::Appointment(summary) => view! {
            <li class="appointment-card">
                <span class="card-label">"Schedule change"</span>
                <p class="text">{summary}</p>
                <span class="card-by">{format!("{name} · {when}")}</span>
            </li>
        }
        .into_any(),
        Body::Unavailable => view! {
            <li class="update">"The first message of this thread is not available to you."</li>
        }
        .into_any(),
        Body::Update { status, .. } => {
            let what = match status {
                Some(Status::Resolved) => "marked this thread resolved",
                Some(Status::Open) => "reopened this thread",
                None => "changed the priority",
            };
            view! { <li class="update">{format!("{name} {what} · {when}")}</li> }.into_any()
        }
        Body::Text(text) => {
            let txn = message.txn_id.clone().unwrap_or_default();
            let delivery = match message.delivery {
                Delivery::Sent => None,
                Delivery::Sending => Some(view! { <span class="delivery">"Sending…"</span> }.into_any()),
                Delivery::Failed(reason) => Some(
                    view! {
                        <span class="delivery failed">"Failed"</span>
                        <span class="failure-reason">{reason}</span>
                        <button type="button" class="small" on:click={
                            let txn = txn.clone();
                            move |_| outbox::retry(state, &txn)
                        }>"Retry"</button>
                        <button type="button" class="small" on:click=move |_| outbox::delete(state, &txn)>"Delete"</button>
                    }
                    .into_any(),
                ),
            };
            view! {
                <li class="message" class:root=is_root>
                    <div class="message-head">
                        <span class="sender">{name}</span>
                        <time>{when}</time>
                    </div>
                    <p class="text">{text}</p>
                    {delivery.map(|d| view! { <div class="delivery-line">{d}</div> })}
                </li>
            }
            .into_any()
        }
    }
}

#[component]
fn Typing(room: String) -> impl IntoView {
    let state = AppState::get();
    let text = move || {
        let names = state.inbox.with(|i| i.typing(&room));
        match names.len() {
            0 => String::new(),
            1 => format!("{} is typing…", names[0]),
            _ => format!("{} are typing…", names.join(", ")),
        }
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}

#[component]
fn Composer(room: String, root: String) -> impl IntoView {
    let state = AppState::get();
    let text = RwSignal::new(String::new());
    let draft = Draft::new(
        state,
        DraftKey::Thread {
            room_id: room.clone(),
            root_id: root.clone(),
        },
    );
    draft.load(move |saved| {
        if text.try_get_untracked().is_some_and(|t| t.is_empty()) {
            text.set(saved);
        }
    });
    let error = RwSignal::new(None::<String>);
    let last_typing = StoredValue::new(0.0_f64);

    let notify_typing = {
        let room = room.clone();
        move |typing: bool| {
            let now = js_sys::Date::now();
            if typing && now - last_typing.get_value() < (TYPING_MS as f64 - 2_000.0) {
                return;
            }
            last_typing.set_value(if typing { now } else { 0.0 });
            let (Some(client), room) = (state.client(), room.clone()) else {
                return;
            };
            spawn_local(async move {
                // Typing notices are best effort.
                let _ = client.set_typing(&room, typing, TYPING_MS).await;
            });
        }
    };
    let send = {
        let notify_typing = notify_typing.clone();
        let draft = draft.clone();
        move || {
            let body = text.get_untracked();
            if body.trim().is_empty() {
                error.set(Some("Write a message first.".into()));
                return;
            }
            if body.len() > MAX_MESSAGE_BYTES {
                error.set(Some(format!(
                    "This message is too long to send ({} KB; the limit is {} KB). Shorten it or split it.",
                    body.len() / 1024,
                    MAX_MESSAGE_BYTES / 1024
                )));
                return;
            }
            error.set(None);
            outbox::send_reply(state, &room, &root, body.trim_end());
            text.set(String::new());
            draft.clear();
            // Stop typing only after the message is on its way: sent first, the notice would
            // wake the others' long-poll one sync before the message and delay it.
            let stop = notify_typing.clone();
            spawn_local(async move {
                gloo_timers::future::sleep(std::time::Duration::from_millis(1500)).await;
                stop(false);
            });
        }
    };
    let send_click = send.clone();
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send_click(); }>
            {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
            <div class="composer-row">
                <textarea aria-label="Message" placeholder="Write a reply…" rows="2"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        draft.changed(value.clone());
                        text.set(value);
                        notify_typing(true);
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            send();
                        }
                    }></textarea>
                <button type="submit" class="primary">"Send"</button>
            </div>
        </form>
    }
}
