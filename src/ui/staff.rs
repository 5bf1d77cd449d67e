//! The Staff page (admins only): who holds which role; add and remove roles.

use super::escalation_settings::EscalationSettings;
use super::parts::Alert;
use super::state::AppState;
use crate::session::RosterEntry;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `/staff`.
#[component]
pub fn StaffPage() -> impl IntoView {
    let state = AppState::get();
    let is_admin = move || state.staff().is_some_and(|s| s.is_admin());
    view! {
        <section class="staff-page" aria-labelledby="staff-title">
            <h1 id="staff-title">"Staff"</h1>
            {move || if is_admin() {
                view! { <Roster/> <EscalationSettings/> }.into_any()
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

#[component]
fn Roster() -> impl IntoView {
    let state = AppState::get();
    // The server's truth, read again after every change.
    let version = RwSignal::new(0u32);
    let roster = LocalResource::new(move || {
        version.track();
        let session = state.session();
        async move {
            match session {
                Some(session) => session
                    .roster()
                    .await
                    .map_err(|e| format!("The staff list could not be loaded: {e}")),
                None => Ok(Vec::new()),
            }
        }
    });
    let entries = move || roster.get().and_then(Result::ok).unwrap_or_default();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let roles = move || {
        state.staff();
        state.session().map(|s| s.policy().roles).unwrap_or_default()
    };

    let reload = move || version.update(|v| *v += 1);

    // Runs one change through the provisioning logic, then shows the server's new truth.
    let change = move |user: String, role: String, add: bool| {
        let Some(session) = state.session() else { return };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            if let Err(e) = session.change_role(&user, &role, add).await {
                error.set(Some(format!("The change was not made: {e}")));
            }
            busy.set(false);
            reload();
        });
    };

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
                let id = state.session().map(|s| s.user_id_for(&user)).unwrap_or(user);
                new_user.set(String::new());
                change(id, role, true);
            }
            (false, None) => {}
        }
    };

    view! {
        {move || error.get().or_else(|| roster.get().and_then(Result::err)).map(|e| view! { <Alert text=e/> })}
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
                                        let user = entry.user_id.clone();
                                        let aria = format!("Remove {label} from {name}");
                                        view! {
                                            <li class="chip">{label.clone()}
                                                <button type="button" class="chip-remove" aria-label=aria disabled=move || busy.get()
                                                    on:click=move |_| change(user.clone(), id.clone(), false)>"×"</button>
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
