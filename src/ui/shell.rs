//! The signed-in shell: header with the clinic and the person, navigation `Main` with the
//! categories the person's roles allow, and `Sign out`.

use super::state::AppState;
use crate::domain::StaffView;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Shell() -> impl IntoView {
    let state = AppState::get();
    let clinic_name = state.config.with_value(|c| c.clinic_name.clone());
    let staff = move || state.staff.get();
    let signing_out = RwSignal::new(false);

    let sign_out = move |_| {
        signing_out.set(true);
        spawn_local(async move {
            if let Some(mut client) = state.client.get_untracked() {
                // The local session ends even if the server cannot be told (offline).
                let _ = client.logout().await;
            }
            state.client.set(None);
            state.staff.set(None);
            signing_out.set(false);
        });
    };

    view! {
        <div class="shell">
            <header class="topbar">
                <span class="brand">{clinic_name}</span>
                {move || staff().map(|s| view! { <Person staff=s/> })}
                <button class="quiet" on:click=sign_out disabled=move || signing_out.get()>"Sign out"</button>
            </header>
            <nav aria-label="Main" class="sidebar">
                <h2 class="nav-heading">"Categories"</h2>
                <ul class="categories">
                    {move || staff().map(|s| s.categories.into_iter().map(|c| view! {
                        <li><span class=format!("dot cat-{}", c.id)></span>{c.label}</li>
                    }).collect_view())}
                </ul>
            </nav>
            <main class="content">
                {move || staff().map(|s| view! { <Welcome staff=s/> })}
            </main>
        </div>
    }
}

#[component]
fn Person(staff: StaffView) -> impl IntoView {
    view! {
        <span class="person">
            <span class="person-name">{staff.display_name}</span>
            <span class="person-roles">{staff.roles.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(" · ")}</span>
        </span>
    }
}

#[component]
fn Welcome(staff: StaffView) -> impl IntoView {
    let count = staff.categories.len();
    view! {
        <section class="welcome" aria-labelledby="welcome-heading">
            <h1 id="welcome-heading">{format!("Welcome, {}", staff.display_name)}</h1>
            <p>{format!("You can see {count} {}.", if count == 1 { "category" } else { "categories" })}</p>
            <ul class="category-cards" aria-label="Your categories">
                {staff.categories.into_iter().map(|c| view! {
                    <li class=format!("card cat-{}", c.id)>{c.label}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}
