//! The list labelled `Threads`: virtualised (only the visible rows are rendered, so thousands
//! of threads scroll smoothly), keyed, with older threads loaded on scroll.

use super::state::AppState;
use super::tasks::action;
use super::thread_row::{Place, ThreadRow, ROW};
use crate::domain::inbox::patient_key;
use crate::domain::ThreadKey;
use leptos::html;
use leptos::prelude::*;
use std::collections::HashMap;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 6;

/// The threads `keys`, in order.
#[component]
pub fn ThreadList(
    keys: Memo<Vec<ThreadKey>>,
    selected: Signal<Option<ThreadKey>>,
    group_by_patient: RwSignal<bool>,
) -> impl IntoView {
    let state = AppState::get();
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(800.0_f64);
    let more_older = StoredValue::new(true);

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

    let older = action(move |(): &()| {
        let session = state.session();
        async move {
            let Some(session) = session else { return };
            // A failed page is tried again on the next scroll.
            if let Ok(more) = session.load_older_threads().await {
                more_older.set_value(more);
            }
        }
    });
    let loading_older = older.pending();
    let load_older = move || {
        if !loading_older.get_untracked() && more_older.get_value() {
            older.dispatch_local(());
        }
    };

    let range = move || {
        let total = keys.with(Vec::len);
        let first = ((scroll_top.get() / ROW) as usize).saturating_sub(OVERSCAN);
        let count = (viewport.get() / ROW).ceil() as usize + 2 * OVERSCAN;
        first.min(total)..(first + count).min(total)
    };
    // The rows in view, each where it sits: keyed by thread, so a row keeps its element (and
    // repaints only when its own thread changes) while others move around it.
    let visible = Memo::new(move |_| {
        let range = range();
        let grouped = group_by_patient.get();
        keys.with(|all| {
            range
                .map(|i| {
                    let group_start = grouped
                        && (i == 0
                            || state
                                .inbox(|inbox| {
                                    let (a, b) = (inbox.thread(&all[i - 1]), inbox.thread(&all[i]));
                                    a.zip(b).is_none_or(|(a, b)| patient_key(a) != patient_key(b))
                                })
                                .unwrap_or(true));
                    (all[i].clone(), Place { index: i, group_start })
                })
                .collect::<Vec<_>>()
        })
    });
    let places = Memo::new(move |_| visible.with(|rows| rows.iter().cloned().collect::<HashMap<ThreadKey, Place>>()));
    let total = Signal::derive(move || keys.with(Vec::len));

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
                <For each=move || visible.get() key=|(key, _)| key.clone() children=move |(key, _)| {
                    // A memo: a row whose place did not change is not touched by a scroll.
                    let place = {
                        let key = key.clone();
                        Signal::from(Memo::new(move |_| places.with(|p| p.get(&key).cloned())))
                    };
                    view! { <ThreadRow key=key place=place total=total selected=selected/> }
                }/>
            </ul>
            {move || keys.with(Vec::is_empty).then(|| view! {
                <p class="empty">{move || if state.inbox(|i| i.is_empty()).unwrap_or(true) { "No threads yet." } else { "No threads match these filters." }}</p>
            })}
            {move || loading_older.get().then(|| view! { <p class="loading" role="status">"Loading older threads…"</p> })}
        </div>
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
