//! Writing in a thread: the composer (with its draft) and who else is typing.

use super::attach::{self, AttachButtons};
use super::drafts::Draft;
use super::parts::Alert;
use super::state::AppState;
use crate::domain::{typed_mention, Addressee};
use crate::store::DraftKey;
use leptos::html;
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
    let dropping = RwSignal::new(false);

    let typing = {
        let room = room.clone();
        move |on: bool| {
            let (Some(session), room) = (state.session(), room.clone()) else {
                return;
            };
            spawn_local(async move { session.typing(&room, on).await });
        }
    };
    let room_for_templates = room.clone();
    let (room_for_files, root_for_files) = (room.clone(), root.clone());
    let (room_for_drop, root_for_drop, room_for_paste, root_for_paste) =
        (room.clone(), root.clone(), room.clone(), root.clone());
    let send = {
        let (typing, draft) = (typing.clone(), draft.clone());
        move || {
            let body = text.get_untracked();
            let Some(session) = state.session() else { return };
            let (room, root, draft, typing) = (room.clone(), root.clone(), draft.clone(), typing.clone());
            // Cleared at once (the message shows as Sending…); put back if it could not be queued.
            text.set(String::new());
            spawn_local(async move {
                match session.reply(&room, &root, body.trim_end()).await {
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
    let field = NodeRef::<html::Textarea>::new();
    // `@` offers roles and people, and which one is highlighted.
    let suggestions = RwSignal::new(None::<Vec<Addressee>>);
    let active = RwSignal::new(0usize);
    let room_for_mentions = room_for_templates.clone();
    let look_for_mention = move |value: &str| {
        let caret = field.get_untracked().and_then(|el| el.selection_start().ok().flatten());
        let caret = caret.map_or(value.len(), |utf16| byte_offset(value, utf16 as usize));
        let found = typed_mention(value, caret).and_then(|(_, typed)| {
            let offered = state.session()?.addressees(&room_for_mentions, typed);
            (!offered.is_empty()).then_some(offered)
        });
        active.set(0);
        suggestions.set(found);
    };
    let accept = {
        let draft = draft.clone();
        move |choice: Addressee| {
            let value = text.get_untracked();
            let caret = field
                .get_untracked()
                .and_then(|el| el.selection_start().ok().flatten())
                .map_or(value.len(), |utf16| byte_offset(&value, utf16 as usize));
            // Found again in the text as it is now (it may have been sent or changed since the
            // suggestions appeared): a stale position would cut the text in the wrong place.
            let Some((at, _)) = typed_mention(&value, caret) else {
                suggestions.set(None);
                return;
            };
            let inserted = format!("@{} ", choice.label);
            let value = format!("{}{inserted}{}", &value[..at], &value[caret.max(at)..]);
            draft.changed(value.clone());
            text.set(value.clone());
            suggestions.set(None);
            if let Some(el) = field.get_untracked() {
                el.set_value(&value);
                let _ = el.focus();
                let end = value[..at + inserted.len()].encode_utf16().count() as u32;
                let _ = el.set_selection_range(end, end);
            }
        }
    };
    let templates = {
        let room = room_for_templates;
        move || {
            let (category, _) = state.category_of(&room);
            let policy = state.session().map(|s| s.policy());
            policy
                .and_then(|p| p.category(&category).map(|c| c.templates.clone()))
                .unwrap_or_default()
        }
    };
    // A template goes in (after what is written already), with its first `{placeholder}`
    // selected so that typing replaces it.
    let insert_template = {
        let draft = draft.clone();
        move |template: String| {
            let current = text.get_untracked();
            let before = if current.trim().is_empty() {
                String::new()
            } else {
                format!("{}\n", current.trim_end())
            };
            let value = format!("{before}{template}");
            draft.changed(value.clone());
            text.set(value.clone());
            if let Some(el) = field.get_untracked() {
                el.set_value(&value);
                let _ = el.focus();
                let (start, end) =
                    placeholder(&template).map_or((template.len(), template.len()), |r| (r.start, r.end));
                let utf16 = |i: usize| (value[..before.len() + i].encode_utf16().count()) as u32;
                let _ = el.set_selection_range(utf16(start), utf16(end));
            }
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send_click(); }
            class:dropping=move || dropping.get()
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dropping.set(true); }
            on:dragleave=move |_| dropping.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                dropping.set(false);
                let files = attach::files_of(ev.data_transfer().and_then(|d| d.files()));
                // Dropped text goes into the box as usual; dropped files are attached.
                if !files.is_empty() {
                    ev.prevent_default();
                    attach::attach(&room_for_drop, &root_for_drop, files, error);
                }
            }>
            {move || error.get().map(|e| view! { <Alert text=e/> })}
            {move || {
                let templates = templates();
                let insert = insert_template.clone();
                (!templates.is_empty()).then(|| view! {
                    <select class="templates" aria-label="Template" prop:value=""
                        on:change=move |ev| {
                            let chosen = event_target_value(&ev);
                            if !chosen.is_empty() {
                                insert(chosen);
                            }
                            event_target::<web_sys::HtmlSelectElement>(&ev).set_value("");
                        }>
                        <option value="">"Insert a template…"</option>
                        {templates.into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                    </select>
                })
            }}
            <ul id="mention-suggestions" class="options mentions" role="listbox" aria-label="Suggestions"
                class:empty=move || suggestions.with(Option::is_none)>
                {let pick = accept.clone(); move || suggestions.get().map(|offered| offered.into_iter().enumerate().map(|(i, choice)| {
                    let accept = pick.clone();
                    let kind = if choice.role.is_some() { "role" } else { "person" };
                    view! {
                        <li role="option" aria-selected=move || (active.get() == i).to_string()
                            on:mousedown=move |ev| { ev.prevent_default(); accept(choice.clone()); }>
                            <span>{format!("@{}", choice.label)}</span>
                            <span class="kind">{kind}</span>
                        </li>
                    }
                }).collect_view())}
            </ul>
            <div class="composer-row">
                <textarea aria-label="Message" placeholder="Write a reply… (@ to address a role or person)" rows="2" node_ref=field
                    aria-autocomplete="list" aria-controls="mention-suggestions"
                    prop:value=move || text.get()
                    on:paste=move |ev: leptos::ev::ClipboardEvent| {
                        let data = ev.clipboard_data();
                        // Cells copied from a spreadsheet carry a picture of themselves too: with
                        // text on the clipboard, the text is what is pasted.
                        let has_text = data.as_ref().and_then(|d| d.get_data("text/plain").ok()).is_some_and(|t| !t.is_empty());
                        let files = attach::files_of(data.and_then(|d| d.files()));
                        if !has_text && !files.is_empty() {
                            ev.prevent_default();
                            attach::attach(&room_for_paste, &root_for_paste, files, error);
                        }
                    }
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        draft.changed(value.clone());
                        look_for_mention(&value);
                        text.set(value);
                        typing(true);
                    }
                    on:keydown={
                        let accept = accept.clone();
                        move |ev: leptos::ev::KeyboardEvent| {
                            if let Some(offered) = suggestions.get_untracked() {
                                let count = offered.len();
                                match ev.key().as_str() {
                                    "ArrowDown" => { ev.prevent_default(); active.update(|a| *a = (*a + 1) % count); return; }
                                    "ArrowUp" => { ev.prevent_default(); active.update(|a| *a = (*a + count - 1) % count); return; }
                                    "Enter" | "Tab" if !ev.shift_key() => {
                                        ev.prevent_default();
                                        accept(offered[active.get_untracked().min(count - 1)].clone());
                                        return;
                                    }
                                    "Escape" => { suggestions.set(None); return; }
                                    _ => {}
                                }
                            }
                            if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                                ev.prevent_default();
                                send();
                            }
                        }
                    }></textarea>
                <AttachButtons room=room_for_files root=root_for_files error=error/>
                <button type="submit" class="primary">"Send"</button>
            </div>
        </form>
    }
}

/// Byte range of the first `{placeholder}` in a template.
fn placeholder(template: &str) -> Option<std::ops::Range<usize>> {
    let start = template.find('{')?;
    let end = start + template[start..].find('}')? + 1;
    Some(start..end)
}

/// The byte offset in `text` of a UTF-16 offset (what the browser reports for the caret).
fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}
