//! Small pieces every page uses, written once: alerts, a thread's tags, who a message is from.

use crate::domain::{Inbox, Priority, Status, Thread};
use crate::session::SessionError;
use leptos::error::Errors;
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

/// The way back from a page that cannot show what was asked (an installed app has no Back
/// button).
#[component]
pub fn BackToInbox() -> impl IntoView {
    view! { <a href="/" class="button back-to-inbox">"Back to the inbox"</a> }
}

/// What an [`ErrorBoundary`] shows instead of a page's content: each error in words (`words`
/// says a session error in the page's terms), and the way back.
#[component]
pub fn PageError(errors: ArcRwSignal<Errors>, words: fn(&SessionError) -> String) -> impl IntoView {
    let texts = move || {
        errors.with(|errors| {
            errors
                .iter()
                .map(|(_, e)| match e.downcast_ref::<SessionError>() {
                    Some(e) => words(e),
                    None => e.to_string(),
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="page-error">
            {move || texts().into_iter().map(|text| view! { <Alert text=text/> }).collect_view()}
            <BackToInbox/>
        </div>
    }
}

/// `What failed: why.` — or the refusal alone when it is a whole sentence already (the
/// clinic's rules and the outbox say why in full).
pub fn failed(what: &str, error: &SessionError) -> String {
    match error {
        SessionError::Refused(why) if why.starts_with(char::is_uppercase) => why.clone(),
        other => format!("{what}: {other}."),
    }
}

/// Who a message of `thread` is from, as staff read it: in a thread the clinic's EHR watch
/// opened, its service account (`service`) speaks for the EHR.
pub fn sender_name(thread: &Thread, inbox: &Inbox, sender: &str, service: Option<&str>) -> String {
    match thread.opened_by_ehr(service).is_some() && Some(sender) == service {
        true => "EHR".to_owned(),
        false => inbox.name(sender),
    }
}
