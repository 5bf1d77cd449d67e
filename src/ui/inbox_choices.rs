//! The inbox's filter choices as signals, restored from the device at start and kept there on
//! every change.

use super::state::AppState;
use super::tasks::{action, resource};
use crate::domain::{InboxChoices, View};
use leptos::prelude::*;

/// The inbox filters a person chooses (the search text is not kept).
#[derive(Clone, Copy)]
pub struct ChoiceSignals {
    /// The quick view.
    pub view: RwSignal<View>,
    /// The category room (empty: all).
    pub category: RwSignal<String>,
    /// Only threads with unread messages.
    pub unread_only: RwSignal<bool>,
    /// Threads of the same patient together.
    pub group: RwSignal<bool>,
}

impl ChoiceSignals {
    /// A first start's choices.
    pub fn new() -> Self {
        let first = InboxChoices::default();
        ChoiceSignals {
            view: RwSignal::new(first.view),
            category: RwSignal::new(first.room_id.unwrap_or_default()),
            unread_only: RwSignal::new(first.unread_only),
            group: RwSignal::new(first.group_by_patient),
        }
    }

    fn get(&self) -> InboxChoices {
        InboxChoices {
            view: self.view.get(),
            room_id: Some(self.category.get()).filter(|c| !c.is_empty()),
            unread_only: self.unread_only.get(),
            group_by_patient: self.group.get(),
        }
    }

    fn set(&self, kept: InboxChoices) {
        self.view.set(kept.view);
        self.category.set(kept.room_id.unwrap_or_default());
        self.unread_only.set(kept.unread_only);
        self.group.set(kept.group_by_patient);
    }
}

/// Restores the person's kept choices into `signals`, then keeps every change.
pub fn kept_choices(signals: ChoiceSignals) {
    let state = AppState::get();
    let kept = resource(move || {
        let session = state.session();
        async move { session?.choices().inbox().await.ok() }
    });
    let restored = StoredValue::new(false);
    let keep = action(move |choices: &InboxChoices| {
        let (session, choices) = (state.session(), choices.clone());
        async move {
            if let Some(session) = session {
                // Losing a filter choice costs one click at the next start: not worth an alert.
                let _ = session.choices().keep_inbox(&choices).await;
            }
        }
    });
    Effect::new(move |_| {
        if let Some(found) = kept.get() {
            if !restored.get_value() {
                restored.set_value(true);
                if let Some(mut choices) = found {
                    // A category the person no longer reads would show an empty list.
                    let readable = state.staff().is_some_and(|s| {
                        s.categories
                            .iter()
                            .any(|c| c.room.is_some() && c.room == choices.room_id)
                    });
                    if !readable {
                        choices.room_id = None;
                    }
                    signals.set(choices);
                }
            }
        }
    });
    Effect::new(move |_| {
        let choices = signals.get();
        if restored.get_value() {
            keep.dispatch_local(choices);
        }
    });
}
