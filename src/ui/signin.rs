//! The sign-in page (UI contract: Homeserver, Username, Password, Sign in, errors in an alert).
//! `index.html` carries the same form as plain HTML for the time before the app has loaded
//! (`public/signin.js`): keep the two alike.

use super::state::AppState;
use super::tasks::{action, resource};
use super::{early, live};
use crate::session::browser;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn SignIn() -> impl IntoView {
    let state = AppState::get();
    let config = state.config.get_value();
    // The first time, the form that worked before the app loaded hands over what was typed and
    // any sign-in already sent (public/signin.js).
    let early = early::take().filter(|h| h.shown);
    let homeserver = RwSignal::new(
        early
            .as_ref()
            .map(|h| h.homeserver.clone())
            .filter(|hs| !hs.trim().is_empty())
            .unwrap_or_else(|| config.homeserver.clone()),
    );
    let username = RwSignal::new(early.as_ref().map(|h| h.username.clone()).unwrap_or_default());
    let password = RwSignal::new(early.as_ref().map(|h| h.password.clone()).unwrap_or_default());
    // Someone typing when the app took over goes on in the same field of this form.
    let focused = early.as_ref().map(|h| h.focused.clone()).filter(|id| !id.is_empty());
    Effect::new(move |_| {
        let field = focused.as_deref().and_then(|id| document().get_element_by_id(id));
        if let Some(field) = field.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = field.focus();
        }
    });
    let error = RwSignal::new(None::<String>);
    let can_change_server = config.allow_homeserver_change;

    // A password sign-in: the homeserver's answer to one sent before the app loaded (`Some`), or
    // the form's fields.
    let sign_in = action(move |early_answer: &Option<js_sys::Promise>| {
        let portal = state.config.with_value(|c| c.portal());
        let (hs, user, pass) = (
            homeserver.get_untracked(),
            username.get_untracked(),
            password.get_untracked(),
        );
        let early_answer = early_answer.clone();
        async move {
            let notice = move |n| super::app::store_notice(state, n);
            let result = match early_answer {
                Some(login) => {
                    let answer = early::login_answer(login).await;
                    browser::sign_in_answered(&portal, hs.trim(), answer, notice).await
                }
                None => browser::sign_in(&portal, &hs, &user, &pass, notice).await,
            };
            match result {
                Ok((tab, problem)) => {
                    password.set(String::new());
                    live::begin(state, tab, problem);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    });
    let busy = sign_in.pending();
    if let Some(login) = early.and_then(|h| h.login) {
        sign_in.dispatch_local(Some(login));
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        state.sign_in_problem.set(None);
        sign_in.dispatch_local(None);
    };

    // How this homeserver lets people sign in: single sign-on through the clinic's identity
    // provider, a password, or both.
    let flows = resource(move || {
        let hs = homeserver.get();
        async move { browser::login_options(hs.trim()).await.ok() }
    });
    let sso = move || {
        let flows = flows.get().flatten()?;
        let chosen = state.config.with_value(|c| c.sso.clone()).unwrap_or_default();
        let provider = match &chosen.provider {
            Some(id) => flows.sso.iter().find(|p| &p.id == id)?.clone(),
            None => flows.sso.first()?.clone(),
        };
        Some((provider.id, chosen.name.unwrap_or(provider.name)))
    };
    // The password form shows unless single sign-on is offered instead: never neither (a
    // configured provider the homeserver does not list leaves the password form).
    let password_offered = move || flows.get().flatten().is_none_or(|f| f.password) || sso().is_none();
    let leaving = RwSignal::new(false);
    let start_sso = move |provider: String| match browser::sso_start(homeserver.get_untracked().trim(), &provider) {
        Ok(url) => {
            leaving.set(true);
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(&url);
            }
        }
        Err(e) => error.set(Some(e.to_string())),
    };

    view! {
        <main class="signin">
            <form class="signin-card" on:submit=submit>
                <h1 class="brand">
                    {config.logo.clone().map(|src| view! { <img class="logo" src=src alt=""/> })}
                    {config.clinic_name.clone()}
                </h1>
                <p class="subtitle">"Sign in to your care team"</p>
                {move || state.notice.get().map(|message| view! { <p class="notice">{message}</p> })}
                {move || state.sign_in_problem.get().or_else(|| error.get()).map(|message| view! { <p class="alert" role="alert">{message}</p> })}
                {move || sso().map(|(provider, name)| view! {
                    <button type="button" class="primary sso" disabled=move || busy.get() || leaving.get()
                        on:click=move |_| start_sso(provider.clone())>{format!("Sign in with {name}")}</button>
                    <p class="divider"><span>"or with a password"</span></p>
                })}
                // Staff are not asked for a server address unless the clinic lets them choose one.
                <div class="homeserver-field" class:hidden=!can_change_server>
                    <label for="homeserver">"Homeserver"</label>
                    <input id="homeserver" type="url" autocomplete="url" required
                        prop:value=move || homeserver.get()
                        on:input=move |ev| homeserver.set(event_target_value(&ev))/>
                </div>
                <div class="password-signin" class:hidden=move || !password_offered()>
                    <label for="username">"Username"</label>
                    <input id="username" type="text" autocomplete="username" autocapitalize="none"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))/>
                    <label for="password">"Password"</label>
                    <input id="password" type="password" autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </div>
            </form>
        </main>
    }
}
