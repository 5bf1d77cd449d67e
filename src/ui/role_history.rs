//! The Staff page's record of role changes (who gave or took which role, when), read from the
//! homeserver again after every change, and its export for the clinic's records.

use super::parts::{Alert, PageError};
use super::state::AppState;
use super::tasks::{action, resource};
use super::time;
use crate::session::browser::blobs;
use crate::session::{RoleChangeLine, SessionError};
use leptos::prelude::*;

/// Changes shown before "Show all".
const RECENT: usize = 8;

fn not_loaded(error: &SessionError) -> String {
    format!("The role changes could not be read: {error}.")
}

/// `version` counts the changes made on this page: the record is read again after each.
#[component]
pub fn RoleHistory(version: RwSignal<u32>) -> impl IntoView {
    let state = AppState::get();
    let history = resource(move || {
        version.track();
        let session = state.session();
        async move {
            match session {
                Some(session) => session.staff().role_history().await,
                None => Ok(Vec::new()),
            }
        }
    });
    let all = RwSignal::new(false);
    let lines = move || history.get().and_then(Result::ok).unwrap_or_default();
    let shown = move || {
        let lines = lines();
        let keep = if all.get() { lines.len() } else { RECENT };
        lines.into_iter().take(keep).collect::<Vec<RoleChangeLine>>()
    };
    let more = move || (!all.get()).then(|| lines().len()).filter(|n| *n > RECENT);

    let export = action(move |(): &()| {
        let session = state.session();
        async move {
            let Some(session) = session else { return Ok(()) };
            let file = session
                .staff()
                .export_role_history()
                .await
                .map_err(|e| format!("The role changes could not be read: {e}."))?;
            blobs::save(file.text.as_bytes(), "text/plain;charset=utf-8", &file.name)
                .map_err(|e| format!("The role changes could not be saved: {e}."))
        }
    });
    let exporting = export.pending();

    view! {
        <section class="role-history" aria-labelledby="role-history-title">
            <div class="section-head">
                <h2 id="role-history-title">"Role changes"</h2>
                <button type="button" disabled=move || exporting.get() on:click=move |_| { export.dispatch_local(()); }>
                    {move || if exporting.get() { "Exporting…" } else { "Export role changes" }}
                </button>
            </div>
            {move || export.value().get().and_then(Result::err).map(|p| view! { <Alert text=p/> })}
            <ErrorBoundary fallback=|errors| view! { <PageError errors=errors words=not_loaded/> }>
                {move || history.get().map(|r| r.map(|_| ()))}
            </ErrorBoundary>
            {move || (history.get().is_some_and(|r| r.is_ok_and(|l| l.is_empty())))
                .then(|| view! { <p class="empty">"No role changes recorded yet."</p> })}
            <ol class="role-changes" aria-label="Role changes">
                <For each=shown key=|line: &RoleChangeLine| (line.at, line.text.clone()) let:line>
                    <li>
                        <time>{time::date_clock(line.at)}</time>
                        " "
                        <span>{line.text}</span>
                    </li>
                </For>
            </ol>
            {move || more().map(|n| view! {
                <button type="button" class="show-all" on:click=move |_| all.set(true)>{format!("Show all {n}")}</button>
            })}
        </section>
    }
}
