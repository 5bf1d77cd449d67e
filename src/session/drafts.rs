//! Drafts: every composer's text, kept encrypted on the device as it is typed, and given back
//! after a reload, a crash or the same person signing in again. A thread's draft is kept under
//! its [`ThreadKey`], so a thread started here keeps its draft when the homeserver names it.

use super::change::Change;
use super::core::Core;
use super::error::SessionError;
use crate::api::Transport;
use crate::domain::{ThreadDraft, ThreadKey};
use crate::store::{decode_thread_draft, encode_thread_draft, DraftKey, LocalStore};
use crate::sync::Platform;
use std::rc::Rc;

/// The person's drafts on this device.
pub struct Drafts<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Drafts<T, S, P> {
    /// The reply being written in the thread `key`, if any.
    pub async fn reply(&self, key: &ThreadKey) -> Result<Option<String>, SessionError> {
        let key = DraftKey::Thread(self.core.resolve(key));
        Ok(self.core.store.load_draft(&key).await?.filter(|t| !t.is_empty()))
    }

    /// Keeps the reply being written in the thread `key` (empty: forgets it).
    pub async fn save_reply(&self, key: &ThreadKey, text: &str) -> Result<(), SessionError> {
        let key = self.core.resolve(key);
        self.core.store.save_draft(&DraftKey::Thread(key.clone()), text).await?;
        let changed = {
            let marked = &mut self.core.state.borrow_mut().drafts;
            if text.is_empty() {
                marked.remove(&key)
            } else {
                marked.insert(key)
            }
        };
        if changed {
            self.core.emit(Change::Drafts);
        }
        Ok(())
    }

    /// Whether the thread `key` has a reply being written (the inbox's Draft marker).
    pub fn has_reply(&self, key: &ThreadKey) -> bool {
        let key = self.core.resolve(key);
        self.core.state.borrow().drafts.contains(&key)
    }

    /// The New thread dialog's fields, if a thread was being written.
    pub async fn new_thread(&self) -> Result<Option<ThreadDraft>, SessionError> {
        let saved = self.core.store.load_draft(&DraftKey::NewThread).await?;
        Ok(saved.as_deref().and_then(decode_thread_draft))
    }

    /// Keeps the New thread dialog's fields (all empty: forgets them).
    pub async fn save_new_thread(&self, draft: &ThreadDraft) -> Result<(), SessionError> {
        Ok(self
            .core
            .store
            .save_draft(&DraftKey::NewThread, &encode_thread_draft(draft))
            .await?)
    }

    /// Reads which threads have drafts (at start).
    pub(super) async fn load_markers(&self) -> Result<(), SessionError> {
        let keys = self.core.store.draft_keys().await?;
        self.core.state.borrow_mut().drafts = keys
            .into_iter()
            .filter_map(|k| match k {
                DraftKey::Thread(key) => Some(key),
                DraftKey::NewThread | DraftKey::Staged(_) => None,
            })
            .collect();
        self.core.emit(Change::Drafts);
        Ok(())
    }
}
