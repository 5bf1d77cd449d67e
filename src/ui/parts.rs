//! Small pieces every page uses, written once: alerts and a thread's tags.

use crate::domain::{Priority, Status};
use leptos::prelude::*;

/// A problem the person should read now (`role="alert"`).
#[component]
pub fn Alert(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="alert" role="alert">{text}</p> }
}

/// A thread's category, urgency and status, as tags.
#[component]
pub fn ThreadTags(
    /// `(id, label)` of the category.
    category: (String, String),
    /// Current priority.
    #[prop(into)]
    priority: Signal<Priority>,
    /// Current status.
    #[prop(into)]
    status: Signal<Status>,
    /// Leave the Urgent tag out (another tag of the row says it).
    #[prop(optional)]
    urgent_shown_elsewhere: bool,
) -> impl IntoView {
    let (id, label) = category;
    let urgent = move || priority.get() == Priority::Urgent && !urgent_shown_elsewhere;
    view! {
        <span class=format!("tag cat-{id}")>{label}</span>
        {move || urgent().then(|| view! { <span class="tag urgent">"Urgent"</span> })}
        {move || (status.get() == Status::Resolved).then(|| view! { <span class="tag resolved">"Resolved"</span> })}
    }
}
