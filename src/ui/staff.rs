//! The Staff page (admins only): who holds which role; add and remove roles.

use super::escalation_settings::EscalationSettings;
use super::parts::{Alert, PageError};
use super::role_history::RoleHistory;
use super::role_removal::{Removal, RoleRemoval};
use super::state::AppState;
use super::tasks::{action, resource};
use super::watch_settings::WatchSettings;
use crate::session::{RosterEntry, SessionError};
use leptos::prelude::*;

/// `/staff`.
#[component]
pub fn StaffPage() -> impl IntoView {
    let state = AppState::get();
    let is_admin = move || state.staff().is_some_and(|s| s.is_admin());
    // Changes made here: the staff list and the record of role changes are read again after each.
    let version = RwSignal::new(0u32);
    view! {
        <section class="staff-page" aria-labelledby="staff-title">
            <h1 id="staff-title">"Staff"</h1>
            {move || if is_admin() {
                view! { <Roster version=version/> <RoleHistory version=version/> <EscalationSettings/> <WatchSettings/> }.into_any()
            } else {
                view! {
                    <p class="notice" role="alert">
                        "You don't have access to staff management. Ask a clinic admin if you need a role changed."
                    </p>
                }.into_any()
            }}
        </section>
    }
}

/// Why the staff list could not be shown.
fn not_loaded(error: &SessionError) -> String {
    format!("The staff list could not be loaded: {error}.")
}

/// `version` counts changes made here: the server's truth is read again after each.
#[component]
fn Roster(version: RwSignal<u32>) -> impl IntoView {
    let state = AppState::get();
    let roster = resource(move || {
        version.track();
        let session = state.session();
        async move {
            match session {
                Some(session) => session.staff().roster().await,
                None => Ok(Vec::new()),
            }
        }
    });
    let entries = move || roster.get().and_then(Result::ok).unwrap_or_default();
    let error = RwSignal::new(None::<String>);
    let roles = move || state.policy().map(|p| p.roles).unwrap_or_default();

    // Runs one change through the provisioning logic, then shows the server's new truth.
    let changing = action(move |(user, role, add): &(String, String, bool)| {
        let (session, user, role, add) = (state.session(), user.clone(), role.clone(), *add);
        async move {
            error.set(None);
            let Some(session) = session else { return };
            if let Err(e) = session.staff().change_role(&user, &role, add).await {
                error.set(Some(format!("The change was not made: {e}.")));
            }
            version.update(|v| *v += 1);
        }
    });
    let busy = changing.pending();
    let change = move |user: String, role: String, add: bool| {
        changing.dispatch_local((user, role, add));
    };

    let asked = RwSignal::new(None::<Removal>);
    let new_user = RwSignal::new(String::new());
    let new_role = RwSignal::new(String::new());
    let add_new = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let user = new_user.get_untracked().trim().to_owned();
        let role = Some(new_role.get_untracked())
            .filter(|r| !r.is_empty())
            .or_else(|| roles().first().map(|r| r.id.clone()));
        match (user.is_empty(), role) {
            (true, _) => error.set(Some(
                "Enter the person's user name, such as priya or @priya:server.".into(),
            )),
            (false, Some(role)) => {
                let id = state.session().map(|s| s.staff().user_id_for(&user)).unwrap_or(user);
                new_user.set(String::new());
                change(id, role, true);
            }
            (false, None) => {}
        }
    };

    view! {
        {move || error.get().map(|e| view! { <Alert text=e/> })}
        <RoleRemoval asked=asked change=change/>
        <ErrorBoundary fallback=|errors| view! { <PageError errors=errors words=not_loaded/> }>
            {move || roster.get().map(|r| r.map(|_| ()))}
        </ErrorBoundary>
        <table class="staff-table">
            <caption class="visually-hidden">"Staff and their roles"</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"User"</th><th scope="col">"Roles"</th><th scope="col">"Add a role"</th></tr></thead>
            <tbody>
                <For each=entries key=|entry: &RosterEntry| (entry.user_id.clone(), entry.roles.clone()) let:entry>{{
                    let name = entry.display_name.clone().unwrap_or_else(|| entry.user_id.clone());
                    let held = entry.roles.clone();
                    let all_roles = roles();
                    let labels: Vec<(String, String)> = held.iter().map(|r| {
                        let label = all_roles.iter().find(|x| &x.id == r).map(|x| x.label.clone()).unwrap_or_else(|| r.clone());
                        (r.clone(), label)
                    }).collect();
                    let addable: Vec<(String, String)> = all_roles.iter().filter(|r| !held.contains(&r.id)).map(|r| (r.id.clone(), r.label.clone())).collect();
                    let pick = RwSignal::new(addable.first().map(|(id, _)| id.clone()).unwrap_or_default());
                    let user_for_add = entry.user_id.clone();
                    let add_label = format!("Role to add for {name}");
                    view! {
                        <tr>
                            <th scope="row">{name.clone()}</th>
                            <td class="user-id">{entry.user_id.clone()}</td>
                            <td>
                                <ul class="role-chips">
                                    {labels.into_iter().map(|(id, label)| {
                                        let removal = Removal { user: entry.user_id.clone(), role: id, label: label.clone(), name: name.clone() };
                                        let aria = format!("Remove {label} from {name}");
                                        view! {
                                            <li class="chip">{label}
                                                <button type="button" class="chip-remove" aria-label=aria disabled=move || busy.get()
                                                    on:click=move |_| asked.set(Some(removal.clone()))>"×"</button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </td>
                            <td>
                                {(!addable.is_empty()).then(|| view! {
                                    <div class="add-role">
                                        <select aria-label=add_label on:change=move |ev| pick.set(event_target_value(&ev))>
                                            {addable.iter().map(|(id, label)| view! { <option value=id.clone()>{label.clone()}</option> }).collect_view()}
                                        </select>
                                        <button type="button" disabled=move || busy.get()
                                            on:click=move |_| change(user_for_add.clone(), pick.get_untracked(), true)>"Add"</button>
                                    </div>
                                })}
                            </td>
                        </tr>
                    }
                }}</For>
            </tbody>
        </table>
        {move || roster.get().is_none().then(|| view! { <p class="loading" role="status">"Loading staff…"</p> })}
        <form class="add-staff" on:submit=add_new>
            <h2>"Add someone to the staff"</h2>
            <label for="new-staff-user">"User name"</label>
            <input id="new-staff-user" type="text" autocomplete="off" placeholder="e.g. alex or @alex:server"
                prop:value=move || new_user.get() on:input=move |ev| new_user.set(event_target_value(&ev))/>
            <label for="new-staff-role">"Role"</label>
            <select id="new-staff-role" on:change=move |ev| new_role.set(event_target_value(&ev))>
                {move || roles().into_iter().map(|r| view! { <option value=r.id.clone()>{r.label}</option> }).collect_view()}
            </select>
            <button type="submit" class="primary" disabled=move || busy.get()>"Add to staff"</button>
        </form>
    }
}
