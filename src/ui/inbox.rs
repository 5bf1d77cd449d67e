//! The inbox pane: the filters above the list of threads.

use super::state::AppState;
use super::thread_list::ThreadList;
use crate::domain::{Filter, ThreadKey, View};
use leptos::prelude::*;

const VIEWS: [(View, &str); 6] = [
    (View::All, "All"),
    (View::Mine, "Mine"),
    (View::ForMyRole, "For my role"),
    (View::Urgent, "Urgent"),
    (View::Open, "Open"),
    (View::Resolved, "Resolved"),
];

/// The inbox: `Search threads`, `Category`, `Unread only`, quick views, grouping and the list.
#[component]
pub fn InboxPane(#[prop(into)] selected: Signal<Option<ThreadKey>>) -> impl IntoView {
    let state = AppState::get();
    let search = RwSignal::new(String::new());
    // People land on their role's work: the front desk on Scheduling, clinicians on Clinical.
    let home = untrack(|| state.staff()).and_then(|s| s.home_category().and_then(|c| c.room.clone()));
    let category = RwSignal::new(home.unwrap_or_default());
    let unread_only = RwSignal::new(false);
    let view = RwSignal::new(View::All);
    let group = RwSignal::new(false);
    let filter = Memo::new(move |_| Filter {
        search: search.get(),
        room_id: Some(category.get()).filter(|c| !c.is_empty()),
        unread_only: unread_only.get(),
        view: view.get(),
        group_by_patient: group.get(),
        my_roles: state.staff().map(|s| s.addressed_as()).unwrap_or_default(),
    });
    let keys = Memo::new(move |_| {
        let filter = filter.get();
        state
            .inbox(|inbox| {
                inbox
                    .query(&filter)
                    .into_iter()
                    .map(|t| t.key())
                    .collect::<Vec<ThreadKey>>()
            })
            .unwrap_or_default()
    });
    let categories = move || state.staff().map(|s| s.categories).unwrap_or_default();

    view! {
        <section class="inbox-pane" aria-label="Inbox">
            <div class="filters">
                <input type="search" class="search" placeholder="Search threads" aria-label="Search threads"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))/>
                <div class="filter-row">
                    <label class="inline" for="category-filter">"Category"</label>
                    <select id="category-filter" on:change=move |ev| category.set(event_target_value(&ev))
                        prop:value=move || category.get()>
                        <option value="">"All"</option>
                        {move || categories().into_iter().map(|c| view! {
                            <option value=c.room.clone().unwrap_or_default()>{c.label}</option>
                        }).collect_view()}
                    </select>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || unread_only.get()
                            on:change=move |ev| unread_only.set(event_target_checked(&ev))/>
                        "Unread only"
                    </label>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || group.get()
                            on:change=move |ev| group.set(event_target_checked(&ev))/>
                        "Group by patient"
                    </label>
                </div>
                <div class="views" role="group" aria-label="Quick views">
                    {VIEWS.into_iter().map(|(v, label)| view! {
                        <button type="button" class="chip" aria-pressed=move || (view.get() == v).to_string()
                            on:click=move |_| view.set(v)>{label}</button>
                    }).collect_view()}
                </div>
            </div>
            <ThreadList keys=keys selected=selected group_by_patient=group/>
        </section>
    }
}
