//! Drafts: every composer saves as you type (debounced) into the encrypted store, and gets its
//! text back after a reload, a crash or the same person signing in again.

use super::state::AppState;
use crate::store::{DraftKey, LocalStore, NewThreadDraft};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Quiet time after the last keystroke before the draft is written.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// The draft of one composer.
#[derive(Clone)]
pub struct Draft {
    state: AppState,
    key: DraftKey,
    /// Bumped on every edit: a pending save only runs if no newer edit came after it.
    edits: Arc<AtomicU64>,
}

impl Draft {
    /// The draft for `key` in the signed-in user's store.
    pub fn new(state: AppState, key: DraftKey) -> Self {
        Draft {
            state,
            key,
            edits: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Loads the saved text and hands it to `restore` (only if there is one).
    pub fn load(&self, restore: impl FnOnce(String) + 'static) {
        let (state, key) = (self.state, self.key.clone());
        let Some(store) = state.store() else { return };
        spawn_local(async move {
            match store.load_draft(&key).await {
                Ok(Some(text)) => restore(text),
                Ok(None) => {}
                Err(e) => state.store_problem.set(Some(e.to_string())),
            }
        });
    }

    /// Saves `text` once typing pauses.
    pub fn changed(&self, text: String) {
        let edit = self.edits.fetch_add(1, Ordering::Relaxed) + 1;
        let this = self.clone();
        spawn_local(async move {
            gloo_timers::future::sleep(DEBOUNCE).await;
            if this.edits.load(Ordering::Relaxed) == edit {
                this.write(text).await;
            }
        });
    }

    /// Loads the New thread dialog's saved fields.
    pub fn load_fields(&self, restore: impl FnOnce(NewThreadDraft) + 'static) {
        self.load(move |saved| {
            if let Some(fields) = NewThreadDraft::decode(&saved) {
                restore(fields);
            }
        });
    }

    /// Saves the New thread dialog's fields once typing pauses (all empty deletes the draft).
    pub fn fields_changed(&self, fields: &NewThreadDraft) {
        self.changed(fields.encode());
    }

    /// Deletes the draft now (it was sent).
    pub fn clear(&self) {
        self.edits.fetch_add(1, Ordering::Relaxed);
        let this = self.clone();
        spawn_local(async move { this.write(String::new()).await });
    }

    async fn write(&self, text: String) {
        let Some(store) = self.state.store() else { return };
        match store.save_draft(&self.key, &text).await {
            Ok(()) => self.state.drafts.update(|d| {
                if text.is_empty() {
                    d.remove(&self.key);
                } else {
                    d.insert(self.key.clone());
                }
            }),
            Err(e) => self.state.store_problem.set(Some(e.to_string())),
        }
    }
}

/// Loads which composers have drafts (for the inbox's Draft marker).
pub async fn load_markers(state: AppState) {
    let Some(store) = state.store() else { return };
    match store.draft_keys().await {
        Ok(keys) => state.drafts.set(keys.into_iter().collect()),
        Err(e) => state.store_problem.set(Some(e.to_string())),
    }
}
