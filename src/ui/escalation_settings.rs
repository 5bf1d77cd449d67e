//! The Staff page's "Urgent escalation" section: how each category's unacknowledged urgent
//! threads escalate, as the clinic policy says (admins change it with `rounds-admin escalation`).

use super::state::AppState;
use super::time;
use leptos::prelude::*;

/// The escalation settings, read-only.
#[component]
pub fn EscalationSettings() -> impl IntoView {
    let state = AppState::get();
    let policy = move || state.policy();
    let rows = move || {
        let Some(policy) = policy() else { return Vec::new() };
        let label = |role: &str| policy.role(role).map_or(role.to_owned(), |r| r.label.clone());
        policy
            .categories
            .iter()
            .map(|c| {
                let rule = c.escalation.as_ref().map(|e| {
                    let window = time::duration(e.window_ms());
                    let backup = label(&e.backup_role);
                    (
                        format!("Reminder after {window}"),
                        format!("{backup} after {}", time::duration(2 * e.window_ms())),
                    )
                });
                (c.label.clone(), rule)
            })
            .collect::<Vec<_>>()
    };
    let service = move || policy().and_then(|p| p.escalation_service);
    view! {
        <section class="escalation-settings" aria-labelledby="escalation-title">
            <h2 id="escalation-title">"Urgent escalation"</h2>
            <p class="hint">{move || match service() {
                Some(account) => format!(
                    "When nobody acknowledges an urgent thread, the escalation service ({account}) reminds its roles, then calls in the backup role. Change this with rounds-admin escalation."
                ),
                None => "No escalation service is set up: urgent threads wait in the inbox until someone acknowledges them. Set one up with rounds-admin escalation-service.".to_owned(),
            }}</p>
            <table class="staff-table">
                <caption class="visually-hidden">"How urgent threads escalate, by category"</caption>
                <thead><tr><th scope="col">"Category"</th><th scope="col">"First"</th><th scope="col">"Then"</th></tr></thead>
                <tbody>
                    {move || rows().into_iter().map(|(category, rule)| view! {
                        <tr>
                            <th scope="row">{category}</th>
                            {match rule {
                                Some((first, then)) => view! { <td>{first}</td><td>{then}</td> }.into_any(),
                                None => view! { <td class="user-id" colspan="2">"Does not escalate"</td> }.into_any(),
                            }}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
