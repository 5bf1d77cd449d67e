//! What the inbox's filters must never hide without saying: urgent work addressed to the
//! person elsewhere ("2 urgent for you in Scheduling"), one tap away.

use super::inbox::DIRECT_LABEL;
use super::state::AppState;
use crate::domain::{Filter, DIRECT};
use leptos::prelude::*;

/// One button per category holding urgent work for the person that `filter` leaves out;
/// `show(room)` opens For me in that category.
#[component]
pub fn UrgentElsewhere(filter: Memo<Filter>, show: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = AppState::get();
    let elsewhere = Memo::new(move |_| {
        let filter = filter.get();
        let labels = state.staff().map(|s| s.categories).unwrap_or_default();
        state
            .inbox(|inbox| inbox.urgent_for_me_elsewhere(&filter))
            .unwrap_or_default()
            .into_iter()
            .map(|(room, count)| {
                let label = if room == DIRECT {
                    DIRECT_LABEL.to_lowercase()
                } else {
                    labels
                        .iter()
                        .find(|c| c.room.as_deref() == Some(room.as_str()))
                        .map_or_else(|| "another category".to_owned(), |c| c.label.clone())
                };
                (room, format!("{count} urgent for you in {label}"))
            })
            .collect::<Vec<_>>()
    });
    view! {
        <div class="urgent-elsewhere" role="status">
            <For each=move || elsewhere.get() key=|hint| hint.clone() let:hint>{{
                let (room, text) = hint;
                view! { <button type="button" class="elsewhere" on:click=move |_| show(room.clone())>{text}</button> }
            }}</For>
        </div>
    }
}
