//! Taking a role from someone asks first, and can be undone for a few seconds: one tap on "×"
//! would otherwise take their categories away at once.

use leptos::prelude::*;
use std::time::Duration;

/// How long Undo is offered after a role was taken.
const UNDO_FOR: Duration = Duration::from_secs(10);

/// A role about to be, or just, taken from someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Whose role.
    pub user: String,
    /// The role's id.
    pub role: String,
    /// The role as staff read it.
    pub label: String,
    /// The person as staff read them.
    pub name: String,
}

/// The confirmation of the removal `asked` for, then the Undo offer; `change(user, role, add)`
/// makes each change on the server.
#[component]
pub fn RoleRemoval(
    asked: RwSignal<Option<Removal>>,
    change: impl Fn(String, String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let done = RwSignal::new(None::<Removal>);
    // The question appears above the table, out of sight on a phone after a tap far down: its
    // answer takes the focus, which brings it into view (and to screen readers).
    let answer = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = answer.get() {
            let _ = button.focus();
        }
    });
    let confirm = move |_| {
        let Some(removal) = asked.get_untracked() else { return };
        asked.set(None);
        change(removal.user.clone(), removal.role.clone(), false);
        done.set(Some(removal.clone()));
        set_timeout(
            move || {
                done.update(|d| {
                    if d.as_ref() == Some(&removal) {
                        *d = None;
                    }
                })
            },
            UNDO_FOR,
        );
    };
    let undo = move |_| {
        if let Some(removal) = done.get_untracked() {
            done.set(None);
            change(removal.user, removal.role, true);
        }
    };
    view! {
        {move || asked.get().map(|r| view! {
            <div class="confirm-bar" role="alertdialog" aria-label="Confirm removing a role">
                <p>{format!("Take the role {} from {}? They lose its categories at once.", r.label, r.name)}</p>
                <button type="button" class="primary danger" node_ref=answer on:click=confirm>"Remove role"</button>
                <button type="button" on:click=move |_| asked.set(None)>"Keep"</button>
            </div>
        })}
        {move || done.get().map(|r| view! {
            <div class="confirm-bar" role="status">
                <p>{format!("{} was taken from {}.", r.label, r.name)}</p>
                <button type="button" on:click=undo>"Undo"</button>
            </div>
        })}
    }
}
