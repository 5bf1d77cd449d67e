//! `@` in the composer: the roles and people a message can address, offered as they are typed,
//! chosen with the arrow keys and Enter or Tab, or with a click.

use super::state::ThreadRef;
use crate::domain::compose::{accept_mention, byte_offset};
use crate::domain::{typed_mention, Addressee};
use leptos::html;
use leptos::prelude::*;

/// The suggestions of one composer.
#[derive(Clone, Copy)]
pub struct Mentions {
    offered: RwSignal<Option<Vec<Addressee>>>,
    active: RwSignal<usize>,
    thread: ThreadRef,
    field: NodeRef<html::Textarea>,
}

impl Mentions {
    /// Suggestions for `thread`'s composer, whose textbox is `field`.
    pub fn new(thread: ThreadRef, field: NodeRef<html::Textarea>) -> Self {
        Mentions {
            offered: RwSignal::new(None),
            active: RwSignal::new(0),
            thread,
            field,
        }
    }

    /// Where the caret is in `value` (a byte offset).
    fn caret(&self, value: &str) -> usize {
        let utf16 = self
            .field
            .get_untracked()
            .and_then(|el| el.selection_start().ok().flatten());
        utf16.map_or(value.len(), |u| byte_offset(value, u as usize))
    }

    /// The box now says `value`: offers what the `@…` before the caret could mean.
    pub fn look(&self, value: &str) {
        let found = typed_mention(value, self.caret(value)).and_then(|(_, typed)| {
            let offered = self.thread.with_value(|t| t.addressees(typed));
            (!offered.is_empty()).then_some(offered)
        });
        self.active.set(0);
        self.offered.set(found);
    }

    /// Puts `choice` where the mention is typed in `text`.
    fn accept(&self, choice: Addressee, text: RwSignal<String>, changed: Callback<String>) {
        let value = text.get_untracked();
        self.offered.set(None);
        let Some((value, caret)) = accept_mention(&value, self.caret(&value), &choice.label) else {
            return;
        };
        changed.run(value.clone());
        if let Some(el) = self.field.get_untracked() {
            el.set_value(&value);
            let _ = el.focus();
            let _ = el.set_selection_range(caret, caret);
        }
    }

    /// A key pressed in the box while suggestions show; whether it was theirs.
    pub fn key(&self, ev: &leptos::ev::KeyboardEvent, text: RwSignal<String>, changed: Callback<String>) -> bool {
        let Some(offered) = self.offered.get_untracked() else {
            return false;
        };
        let count = offered.len();
        match ev.key().as_str() {
            "ArrowDown" => self.active.update(|a| *a = (*a + 1) % count),
            "ArrowUp" => self.active.update(|a| *a = (*a + count - 1) % count),
            "Enter" | "Tab" if !ev.shift_key() => {
                let chosen = offered[self.active.get_untracked().min(count - 1)].clone();
                self.accept(chosen, text, changed);
            }
            "Escape" => {
                self.offered.set(None);
                return true;
            }
            _ => return false,
        }
        ev.prevent_default();
        true
    }
}

/// The list of suggestions (`Suggestions`).
#[component]
pub fn MentionList(mentions: Mentions, text: RwSignal<String>, on_change: Callback<String>) -> impl IntoView {
    view! {
        <ul id="mention-suggestions" class="options mentions" role="listbox" aria-label="Suggestions"
            class:empty=move || mentions.offered.with(Option::is_none)>
            {move || mentions.offered.get().map(|offered| offered.into_iter().enumerate().map(|(i, choice)| {
                let kind = if choice.role.is_some() { "role" } else { "person" };
                let label = format!("@{}", choice.label);
                view! {
                    <li role="option" aria-selected=move || (mentions.active.get() == i).to_string()
                        on:mousedown=move |ev| { ev.prevent_default(); mentions.accept(choice.clone(), text, on_change); }>
                        <span>{label}</span>
                        <span class="kind">{kind}</span>
                    </li>
                }
            }).collect_view())}
        </ul>
    }
}
