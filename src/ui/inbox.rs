//! The inbox pane: the filters above the list of threads. It opens on For me, or where the
//! person left it on this device.

use super::inbox_choices::{kept_choices, ChoiceSignals};
use super::state::AppState;
use super::thread_list::ThreadList;
use super::urgent_elsewhere::UrgentElsewhere;
use crate::domain::{CategoryCounts, Filter, ThreadKey, View, DIRECT};
use leptos::prelude::*;

const VIEWS: [(View, &str); 7] = [
    (View::ForMe, "For me"),
    (View::All, "All"),
    (View::Mine, "Mine"),
    (View::ForMyRole, "For my role"),
    (View::Urgent, "Urgent"),
    (View::Open, "Open"),
    (View::Resolved, "Resolved"),
];

/// The Category filter's choice of every direct conversation.
pub const DIRECT_LABEL: &str = "Direct conversations";

/// A category's name in the Category filter, with what waits in it.
fn with_counts(label: &str, counts: CategoryCounts) -> String {
    match (counts.unread, counts.urgent) {
        (0, 0) => label.to_owned(),
        (unread, 0) => format!("{label} · {unread} unread"),
        (0, urgent) => format!("{label} · {urgent} urgent"),
        (unread, urgent) => format!("{label} · {unread} unread · {urgent} urgent"),
    }
}

/// The inbox: `Search threads`, `Category`, `Unread only`, quick views, grouping and the list.
#[component]
pub fn InboxPane(#[prop(into)] selected: Signal<Option<ThreadKey>>) -> impl IntoView {
    let state = AppState::get();
    let search = RwSignal::new(String::new());
    let choices = ChoiceSignals::new();
    kept_choices(choices);
    let ChoiceSignals {
        view,
        category,
        unread_only,
        group,
    } = choices;
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
    let counts = Memo::new(move |_| state.inbox(|inbox| inbox.category_counts()).unwrap_or_default());
    let show_for_me = move |room: String| {
        search.set(String::new());
        unread_only.set(false);
        view.set(View::ForMe);
        category.set(room);
    };

    // Phones fold the category and checkboxes away behind "Filters" (the list gets the screen).
    let unfolded = RwSignal::new(false);
    view! {
        <section class="inbox-pane" aria-label="Inbox">
            <div class="filters" class:unfolded=move || unfolded.get()>
                <div class="search-row">
                    <input type="search" class="search" placeholder="Search threads" aria-label="Search threads"
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))/>
                    <button type="button" class="small quiet filters-toggle" aria-controls="filter-row"
                        aria-expanded=move || unfolded.get().to_string() on:click=move |_| unfolded.update(|u| *u = !*u)>
                        {move || match usize::from(!category.get().is_empty()) + usize::from(unread_only.get()) + usize::from(group.get()) {
                            0 => "Filters".to_owned(),
                            on => format!("Filters · {on}"),
                        }}
                    </button>
                </div>
                <div class="filter-row" id="filter-row">
                    <label class="inline" for="category-filter">"Category"</label>
                    <select id="category-filter" on:change=move |ev| category.set(event_target_value(&ev))
                        prop:value=move || category.get()>
                        <option value="">"All"</option>
                        {move || categories().into_iter().map(|c| {
                            let room = c.room.clone().unwrap_or_default();
                            let label = with_counts(&c.label, counts.with(|all| all.get(&room).copied().unwrap_or_default()));
                            view! { <option value=room>{label}</option> }
                        }).collect_view()}
                        {move || counts.with(|all| all.get(DIRECT).copied()).map(|direct| view! {
                            <option value=DIRECT>{with_counts(DIRECT_LABEL, direct)}</option>
                        })}
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
                <UrgentElsewhere filter=filter show=show_for_me/>
            </div>
            <ThreadList keys=keys selected=selected group_by_patient=group/>
        </section>
    }
}
