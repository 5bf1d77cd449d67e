//! Writing in a thread: the composer (with its draft) and who else is typing.

use super::drafts::Draft;
use super::parts::Alert;
use super::state::AppState;
use crate::session::Command;
use crate::store::DraftKey;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// `Jordan is typing…` (re-read only when typing changes).
#[component]
pub fn Typing(room: String) -> impl IntoView {
    let state = AppState::get();
    let text = move || {
        let names = state.typing(&room);
        match names.len() {
            0 => String::new(),
            1 => format!("{} is typing…", names[0]),
            _ => format!("{} are typing…", names.join(", ")),
        }
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}

/// The composer: textbox `Message`, button `Send`; Enter sends, Shift+Enter is a new line.
#[component]
pub fn Composer(room: String, root: String) -> impl IntoView {
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

    let typing = {
        let room = room.clone();
        move |on: bool| {
            let (Some(session), room) = (state.session(), room.clone()) else {
                return;
            };
            spawn_local(async move { session.typing(&room, on).await });
        }
    };
    let send = {
        let (typing, draft) = (typing.clone(), draft.clone());
        move || {
            let body = text.get_untracked();
            let Some(session) = state.session() else { return };
            let (room, root, draft, typing) = (room.clone(), root.clone(), draft.clone(), typing.clone());
            // Cleared at once (the message shows as Sending…); put back if it could not be queued.
            text.set(String::new());
            spawn_local(async move {
                let command = Command::Reply {
                    text: body.trim_end().to_owned(),
                };
                match session.post(&room, &root, command).await {
                    Ok(()) => {
                        error.set(None);
                        draft.clear();
                        // Stop typing only after the message is on its way: sent first, the
                        // notice would wake the others' long-poll one sync before the message.
                        gloo_timers::future::sleep(Duration::from_millis(1500)).await;
                        typing(false);
                    }
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        if text.try_get_untracked().is_some_and(|t| t.is_empty()) {
                            text.set(body);
                        }
                    }
                }
            });
        }
    };
    let send_click = send.clone();
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send_click(); }>
            {move || error.get().map(|e| view! { <Alert text=e/> })}
            <div class="composer-row">
                <textarea aria-label="Message" placeholder="Write a reply…" rows="2"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        draft.changed(value.clone());
                        text.set(value);
                        typing(true);
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
