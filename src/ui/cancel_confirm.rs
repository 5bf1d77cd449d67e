//! Asking before an appointment is cancelled, with the reason the EHR keeps.

use super::appointments::describe;
use super::parts::Alert;
use crate::session::Visit;
use leptos::prelude::*;

/// Asks before cancelling, with the reason the EHR records.
#[component]
pub fn CancelConfirm(
    visit: Visit,
    #[prop(into)] confirm: Callback<String>,
    #[prop(into)] keep: Callback<()>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reason.get_untracked().trim().to_owned();
        if text.is_empty() {
            missing.set(true);
            return;
        }
        confirm.run(text);
    };
    view! {
        <form class="slots cancel-confirm" on:submit=submit>
            <p class="confirm-question">{format!("Cancel the appointment on {}?", describe(&visit))}</p>
            <label for="cancel-reason">"Reason"</label>
            <input id="cancel-reason" type="text" autocomplete="off" placeholder="e.g. Family is travelling"
                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            {move || missing.get().then(|| view! { <Alert text="Give a reason: the EHR keeps it with the cancellation."/> })}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| keep.run(())>"Keep appointment"</button>
                <button type="submit" class="primary danger">"Confirm cancellation"</button>
            </div>
        </form>
    }
}
