//! The sign-in page (UI contract: Homeserver, Username, Password, Sign in, errors in an alert).

use super::live;
use super::state::AppState;
use crate::session::browser;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SignIn() -> impl IntoView {
    let state = AppState::get();
    let config = state.config.get_value();
    let homeserver = RwSignal::new(config.homeserver.clone());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let can_change_server = config.allow_homeserver_change;

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (hs, user, pass) = (
            homeserver.get_untracked(),
            username.get_untracked(),
            password.get_untracked(),
        );
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let (prefix, labels) = state.config.with_value(|c| (c.clinic.clone(), c.labels()));
            let notice = move |n| super::app::store_notice(state, n);
            match browser::sign_in(&hs, &user, &pass, &prefix, labels, notice).await {
                Ok((bound, problem)) => {
                    password.set(String::new());
                    live::begin(state, bound, problem);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <main class="signin">
            <form class="signin-card" on:submit=submit>
                <h1 class="brand">
                    {config.logo.clone().map(|src| view! { <img class="logo" src=src alt=""/> })}
                    {config.clinic_name.clone()}
                </h1>
                <p class="subtitle">"Sign in to your care team"</p>
                <label for="homeserver">"Homeserver"</label>
                <input id="homeserver" type="url" autocomplete="url" required
                    prop:value=move || homeserver.get()
                    readonly=!can_change_server
                    on:input=move |ev| homeserver.set(event_target_value(&ev))/>
                <label for="username">"Username"</label>
                <input id="username" type="text" autocomplete="username" autocapitalize="none" required
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))/>
                <label for="password">"Password"</label>
                <input id="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
                {move || state.notice.get().map(|message| view! { <p class="notice">{message}</p> })}
                {move || error.get().map(|message| view! { <p class="alert" role="alert">{message}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
