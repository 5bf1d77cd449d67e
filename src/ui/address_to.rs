//! `Address to`: the roles that can see the chosen category, which a new thread can be
//! addressed to (their members are mentioned).

use super::new_thread::DraftFields;
use super::state::AppState;
use crate::domain::{Category, ThreadDraft};
use leptos::prelude::*;

/// The category chosen in the draft (the first the person may post in until one is chosen).
pub fn chosen_category(draft: RwSignal<ThreadDraft>) -> Option<Category> {
    let staff = AppState::get().staff()?;
    let chosen = draft.with(|d| d.room_id.clone());
    let found = staff
        .categories
        .iter()
        .find(|c| c.room.as_deref() == Some(chosen.as_str()));
    found.or_else(|| staff.categories.first()).cloned()
}

/// `list` with `id` in it once when `on`, without it otherwise (a checkbox's change).
pub fn ticked(list: &mut Vec<String>, id: &str, on: bool) {
    list.retain(|x| x != id);
    if on {
        list.push(id.to_owned());
    }
}

/// The checkboxes, in the draft `fields`.
#[component]
pub fn AddressTo(fields: DraftFields) -> impl IntoView {
    let draft = fields.draft;
    let state = AppState::get();
    // The roles of the chosen category.
    let addressable = move || {
        let (Some(shown), Some(policy)) = (chosen_category(draft), state.policy()) else {
            return Vec::new();
        };
        let label = |id: &str| policy.role(id).map_or(id.to_owned(), |r| r.label.clone());
        shown.roles.iter().map(|id| (id.clone(), label(id))).collect::<Vec<_>>()
    };
    view! {
        <fieldset class="address-to">
            <legend>"Address to"</legend>
            {move || addressable().into_iter().map(|(id, label)| {
                let checked = {
                    let id = id.clone();
                    move || draft.with(|d| d.to_roles.contains(&id))
                };
                view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=checked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                fields.edit(|d| ticked(&mut d.to_roles, &id, on));
                            }/>
                        {label}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
