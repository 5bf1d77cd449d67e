//! The Staff page's "Work from the EHR" section: which EHR facts open threads, where and for
//! whom, as the clinic policy says (admins change it with `rounds-admin watch`).

use super::state::AppState;
use crate::domain::WatchKind;
use leptos::prelude::*;

/// The EHR watch's rules, read-only.
#[component]
pub fn WatchSettings() -> impl IntoView {
    let state = AppState::get();
    let rows = move || {
        let Some(policy) = state.policy() else {
            return Vec::new();
        };
        WatchKind::ALL
            .into_iter()
            .map(|kind| {
                let rule = policy.watch_rule(kind);
                let opens = rule.enabled.then(|| {
                    let category = policy
                        .category(&rule.category)
                        .map_or(rule.category.clone(), |c| c.label.clone());
                    let roles: Vec<String> = rule
                        .roles
                        .iter()
                        .map(|r| policy.role(r).map_or(r.clone(), |role| role.label.clone()))
                        .collect();
                    let priority = if rule.urgent { "urgent" } else { "routine" };
                    (category, format!("{} ({priority})", roles.join(", ")))
                });
                (kind.label(), opens)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="escalation-settings" aria-labelledby="watch-title">
            <h2 id="watch-title">"Work from the EHR"</h2>
            <p class="hint">"Rounds opens a thread when the EHR shows one of these, and closes it when the EHR shows the work done. Change this with rounds-admin watch."</p>
            <table class="staff-table">
                <caption class="visually-hidden">"Which EHR events open threads, where and for whom"</caption>
                <thead><tr><th scope="col">"In the EHR"</th><th scope="col">"Opens a thread in"</th><th scope="col">"For"</th></tr></thead>
                <tbody>
                    {move || rows().into_iter().map(|(kind, opens)| view! {
                        <tr>
                            <th scope="row">{kind}</th>
                            {match opens {
                                Some((category, whom)) => view! { <td>{category}</td><td>{whom}</td> }.into_any(),
                                None => view! { <td class="user-id" colspan="2">"Opens no thread"</td> }.into_any(),
                            }}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
