//! `Template`: the category's message templates, filled with what the thread knows (patient,
//! appointment day and time, sender) and put in at the cursor (or replacing an empty draft)
//! with their first remaining `{placeholder}` selected, so that typing replaces it; Tab moves
//! to the next one.

use super::state::ThreadRef;
use super::time;
use crate::domain::compose::{byte_offset, fill_template, next_placeholder, with_template};
use leptos::html;
use leptos::prelude::*;

/// The picker, when the thread's category has templates.
#[component]
pub fn TemplatePicker(
    thread: ThreadRef,
    text: RwSignal<String>,
    field: NodeRef<html::Textarea>,
    on_change: Callback<String>,
) -> impl IntoView {
    let state = super::state::AppState::get();
    let templates = move || {
        state.policy();
        thread.with_value(|t| t.templates())
    };
    let insert = move |template: String| {
        let current = text.get_untracked();
        let selection = field.get_untracked().map_or(current.len()..current.len(), |el| {
            let at = |utf16: Option<u32>| byte_offset(&current, utf16.unwrap_or(0) as usize);
            at(el.selection_start().ok().flatten())..at(el.selection_end().ok().flatten())
        });
        let template = fill_template(&template, &thread.with_value(|t| filled(t.template_facts())));
        let (value, (start, end)) = with_template(&current, selection, &template);
        on_change.run(value.clone());
        if let Some(el) = field.get_untracked() {
            el.set_value(&value);
            let _ = el.focus();
            let _ = el.set_selection_range(start, end);
        }
    };
    move || {
        let templates = templates();
        (!templates.is_empty()).then(|| {
            view! {
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
            }
        })
    }
}

/// The placeholders a thread fills, as staff read them.
fn filled(facts: crate::domain::compose::TemplateFacts) -> Vec<(&'static str, String)> {
    let mut values = Vec::new();
    if let Some(patient) = facts.patient.filter(|p| !p.trim().is_empty()) {
        values.push(("patient", patient));
    }
    if let Some(at) = facts.appointment_at {
        values.push(("day", time::date(at)));
        values.push(("time", time::clock(at)));
    }
    if let Some(sender) = facts.sender {
        values.push(("sender", sender));
    }
    values
}

/// Tab in the composer: selects the next `{placeholder}` after the selection, if there is
/// one (else Tab moves on as usual). Whether it did.
pub fn tab_to_placeholder(ev: &leptos::ev::KeyboardEvent, field: NodeRef<html::Textarea>) -> bool {
    if ev.key() != "Tab" || ev.shift_key() || ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
        return false;
    }
    let Some(el) = field.get_untracked() else { return false };
    let text = el.value();
    let from = byte_offset(&text, el.selection_end().ok().flatten().unwrap_or(0) as usize);
    let Some((start, end)) = next_placeholder(&text, from) else {
        return false;
    };
    ev.prevent_default();
    let _ = el.set_selection_range(start, end);
    true
}
