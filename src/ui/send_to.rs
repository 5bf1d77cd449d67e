//! `Send to`: everyone in the chosen category, or only the colleagues chosen here (a direct
//! conversation with them, found from the clinic's staff list).

use super::address_to::{chosen_category, ticked, AddressTo};
use super::new_thread::DraftFields;
use super::state::AppState;
use crate::domain::thread::fold;
use leptos::prelude::*;

/// The choice, then the roles to address or the people to send to.
#[component]
pub fn SendTo(fields: DraftFields) -> impl IntoView {
    let draft = fields.draft;
    let direct = move || draft.with(|d| d.direct);
    let category = move || chosen_category(draft).map(|c| c.label).unwrap_or_default();
    view! {
        <fieldset class="send-to">
            <legend>"Send to"</legend>
            <label class="check">
                <input type="radio" name="send-to" prop:checked=move || !direct()
                    on:change=move |_| fields.edit(|d| d.direct = false)/>
                {move || format!("Everyone in {}", category())}
            </label>
            <label class="check">
                <input type="radio" name="send-to" prop:checked=direct on:change=move |_| fields.edit(|d| d.direct = true)/>
                "Only people I choose"
            </label>
        </fieldset>
        {move || if direct() {
            view! { <PeoplePicker fields=fields/> }.into_any()
        } else {
            view! { <AddressTo fields=fields/> }.into_any()
        }}
    }
}

/// Colleagues to tick, narrowed by a name typed; says who may not see a patient named here.
#[component]
fn PeoplePicker(fields: DraftFields) -> impl IntoView {
    let draft = fields.draft;
    let state = AppState::get();
    let find = RwSignal::new(String::new());
    let colleagues = move || state.colleagues();
    let shown = move || {
        let typed = fold(find.get().trim());
        colleagues()
            .into_iter()
            .filter(|c| {
                typed.is_empty() || fold(&c.name).contains(&typed) || draft.with(|d| d.to_people.contains(&c.user_id))
            })
            .collect::<Vec<_>>()
    };
    // Names a thread about a patient here cannot go to (the homeserver refuses it too).
    let outside = move || {
        let about_patient = draft.with(|d| !d.patient.trim().is_empty());
        let category = chosen_category(draft)?;
        let names: Vec<String> = colleagues()
            .into_iter()
            .filter(|c| draft.with(|d| d.to_people.contains(&c.user_id)))
            .filter(|c| !c.role_ids.iter().any(|r| category.roles.contains(r)))
            .map(|c| c.name)
            .collect();
        (about_patient && !names.is_empty()).then(|| {
            format!(
                "{} may not see {} threads about patients: choose a category everyone here may see, or leave the patient out.",
                names.join(", "),
                category.label
            )
        })
    };
    view! {
        <fieldset class="people">
            <legend>"People"</legend>
            <input type="search" placeholder="Find a colleague" aria-label="Find a colleague"
                prop:value=move || find.get() on:input=move |ev| find.set(event_target_value(&ev))/>
            <div class="people-list">
                <For each=shown key=|c| c.user_id.clone() let:colleague>{{
                    let id = colleague.user_id.clone();
                    let checked = {
                        let id = id.clone();
                        move || draft.with(|d| d.to_people.contains(&id))
                    };
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                fields.edit(|d| ticked(&mut d.to_people, &id, on));
                            }/>
                            {colleague.name}
                            <span class="muted">{colleague.roles}</span>
                        </label>
                    }
                }}</For>
            </div>
            {move || outside().map(|text| view! { <p class="hint warn" role="status">{text}</p> })}
        </fieldset>
    }
}
