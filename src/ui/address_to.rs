//! `Address to`: the roles that can see the chosen category, which a new thread can be
//! addressed to (their members are mentioned).

use super::new_thread::DraftFields;
use super::state::AppState;
use leptos::prelude::*;

/// The checkboxes, in the draft `fields`.
#[component]
pub fn AddressTo(fields: DraftFields) -> impl IntoView {
    let draft = fields.draft;
    let state = AppState::get();
    // The roles of the chosen category (the first one until one is chosen).
    let addressable = move || {
        let (Some(staff), Some(policy)) = (state.staff(), state.policy()) else {
            return Vec::new();
        };
        let chosen = draft.with(|d| d.room_id.clone());
        let Some(shown) = staff
            .categories
            .iter()
            .find(|c| c.room.as_deref() == Some(chosen.as_str()))
            .or_else(|| staff.categories.first())
        else {
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
                                fields.edit(|d| {
                                    d.to_roles.retain(|x| *x != id);
                                    if on {
                                        d.to_roles.push(id.clone());
                                    }
                                });
                            }/>
                        {label}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
