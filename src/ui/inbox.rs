//! The inbox pane: filters and a virtualised list of threads (only visible rows are rendered,
//! so thousands of threads scroll smoothly).

use super::state::AppState;
use super::time;
use crate::domain::inbox::{patient_key, ThreadKey};
use crate::domain::{Body, Filter, Priority, Status, View};
use crate::store::DraftKey;
use crate::sync::ThreadPager;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Height of one row in pixels (kept in sync with `.thread-row` in the CSS).
const ROW: f64 = 96.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 6;

const VIEWS: [(View, &str); 5] = [
    (View::All, "All"),
    (View::Mine, "Mine"),
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
    let home = state
        .staff
        .with_untracked(|s| s.as_ref().and_then(|s| s.home_category().and_then(|c| c.room.clone())));
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
    });
    let keys = Memo::new(move |_| {
        let filter = filter.get();
        state.inbox.with(|inbox| {
            inbox
                .query(&filter)
                .into_iter()
                .map(|t| (t.room_id.clone(), t.root_id.clone()))
                .collect::<Vec<ThreadKey>>()
        })
    });
    let categories = move || state.staff.get().map(|s| s.categories).unwrap_or_default();

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

#[component]
fn ThreadList(
    keys: Memo<Vec<ThreadKey>>,
    selected: Signal<Option<ThreadKey>>,
    group_by_patient: RwSignal<bool>,
) -> impl IntoView {
    let state = AppState::get();
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(800.0_f64);
    let pager = StoredValue::new(Some(ThreadPager::default()));
    let loading_older = RwSignal::new(false);

    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            viewport.set(el.client_height().max(1) as f64);
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    let on_resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || on_resize.remove());

    let load_older = move || {
        if loading_older.get_untracked() {
            return;
        }
        let (Some(client), Some(mut current)) = (state.client(), pager.try_update_value(Option::take).flatten()) else {
            return;
        };
        let rooms: Vec<String> = state
            .staff
            .get()
            .map(|s| s.categories.into_iter().filter_map(|c| c.room).collect())
            .unwrap_or_default();
        if current.exhausted(&rooms) {
            pager.set_value(Some(current));
            return;
        }
        loading_older.set(true);
        spawn_local(async move {
            if let Ok(found) = current.next_page(&client, &rooms).await {
                state.inbox.update(|i| i.apply(found));
            }
            pager.set_value(Some(current));
            loading_older.set(false);
        });
    };

    let range = move || {
        let total = keys.with(Vec::len);
        let first = ((scroll_top.get() / ROW) as usize).saturating_sub(OVERSCAN);
        let count = (viewport.get() / ROW).ceil() as usize + 2 * OVERSCAN;
        first.min(total)..(first + count).min(total)
    };

    view! {
        <div class="thread-scroll" node_ref=scroller
            on:scroll=move |_| {
                measure();
                let total = keys.with_untracked(Vec::len) as f64 * ROW;
                if scroll_top.get_untracked() + viewport.get_untracked() > total - 3.0 * ROW {
                    load_older();
                }
            }>
            <ul class="threads" aria-label="Threads" on:keydown=move_focus style:height=move || format!("{}px", keys.with(Vec::len) as f64 * ROW)>
                {move || {
                    let range = range();
                    let total = keys.with(Vec::len);
                    let grouped = group_by_patient.get();
                    keys.with(|all| {
                        range.clone().map(|i| {
                            let key = all[i].clone();
                            let group_start = grouped && (i == 0 || state.inbox.with(|inbox| {
                                let prev = &all[i - 1];
                                match (inbox.thread(&prev.0, &prev.1), inbox.thread(&key.0, &key.1)) {
                                    (Some(a), Some(b)) => patient_key(a) != patient_key(b),
                                    _ => true,
                                }
                            }));
                            view! { <ThreadRow key=key index=i total=total selected=selected group_start=group_start/> }
                        }).collect_view()
                    })
                }}
            </ul>
            {move || keys.with(Vec::is_empty).then(|| view! {
                <p class="empty">{move || if state.inbox.with(|i| i.is_empty()) { "No threads yet." } else { "No threads match these filters." }}</p>
            })}
            {move || loading_older.get().then(|| view! { <p class="loading" role="status">"Loading older threads…"</p> })}
        </div>
    }
}

#[component]
fn ThreadRow(
    key: ThreadKey,
    index: usize,
    total: usize,
    selected: Signal<Option<ThreadKey>>,
    group_start: bool,
) -> impl IntoView {
    let state = AppState::get();
    let (room, root) = key.clone();
    let href = format!("/t/{}/{}", urlencode(&room), urlencode(&root));
    let row = move || {
        state.inbox.with(|inbox| {
            let thread = inbox.thread(&room, &root)?;
            let category = state.category_of(&room);
            let preview = thread.preview().map(|m| {
                let text = match &m.body {
                    Body::Text(t) | Body::Appointment(t) => t.clone(),
                    Body::Update { .. } | Body::Unavailable => String::new(),
                };
                format!("{}: {}", inbox.name(&m.sender), text)
            });
            Some((
                thread.info.title(),
                category,
                thread.priority,
                thread.status,
                preview.unwrap_or_default(),
                time::short(thread.last_activity()),
                inbox.unread(thread),
                thread.info.patient.as_ref().map(|p| p.display.clone()),
            ))
        })
    };
    let draft_key = DraftKey::Thread {
        room_id: key.0.clone(),
        root_id: key.1.clone(),
    };
    let has_draft = move || state.drafts.with(|d| d.contains(&draft_key));
    let is_selected = move || selected.with(|s| s.as_ref() == Some(&key));
    move || {
        row().map(|(title, (cat_id, cat_label), priority, status, preview, when, unread, patient)| {
            let href = href.clone();
            let (selected_class, selected_aria) = (is_selected.clone(), is_selected.clone());
            let has_draft = has_draft.clone();
            view! {
                <li class="thread-row" style:top=format!("{}px", index as f64 * ROW)
                    aria-setsize=total.to_string() aria-posinset=(index + 1).to_string()>
                    <a href=href class:selected=selected_class class:unread={unread > 0}
                        aria-current=move || selected_aria().then_some("page")>
                        <span class="row-top">
                            <span class="title">{title}</span>
                            <span class="when">{when}</span>
                        </span>
                        <span class="row-meta">
                            <span class=format!("tag cat-{cat_id}")>{cat_label}</span>
                            {(priority == Priority::Urgent).then(|| view! { <span class="tag urgent">"Urgent"</span> })}
                            {(status == Status::Resolved).then(|| view! { <span class="tag resolved">"Resolved"</span> })}
                            {group_start.then_some(patient).flatten().map(|p| view! { <span class="group-label">{p}</span> })}
                            {move || has_draft().then(|| view! { <span class="tag draft">"Draft"</span> })}
                            {(unread > 0).then(|| view! { <span class="unread-count">{format!("{unread} unread")}</span> })}
                        </span>
                        <span class="preview">{preview}</span>
                    </a>
                </li>
            }
        })
    }
}

/// Arrow keys move between threads (Tab still leaves the list).
fn move_focus(ev: leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let forward = match ev.key().as_str() {
        "ArrowDown" => true,
        "ArrowUp" => false,
        _ => return,
    };
    let current = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|el| el.closest("li").ok().flatten());
    let Some(current) = current else { return };
    // Rows are absolutely positioned, so DOM order is not list order: pick by position.
    let index = |el: &web_sys::Element| el.get_attribute("aria-posinset").and_then(|v| v.parse::<usize>().ok());
    let Some(at) = index(&current) else { return };
    let target = if forward { at + 1 } else { at.saturating_sub(1) };
    let link = current
        .parent_element()
        .and_then(|list| {
            list.query_selector(&format!("li[aria-posinset=\"{target}\"] a"))
                .ok()
                .flatten()
        })
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(link) = link {
        ev.prevent_default();
        let _ = link.focus();
    }
}

/// Percent-encodes an id for a route segment.
pub fn urlencode(id: &str) -> String {
    crate::api::encode(id)
}
