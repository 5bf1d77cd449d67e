//! `Template`: the category's message templates, put into the composer with their first
//! `{placeholder}` selected so that typing replaces it.

use super::state::ThreadRef;
use crate::domain::compose::with_template;
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
        let (value, (start, end)) = with_template(&text.get_untracked(), &template);
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
