//! The inbox kept on the device: saved at most every few seconds while it changes (and when
//! the page is hidden), and trimmed of what the categories' retention periods no longer allow.

use super::core::Core;
use crate::api::Transport;
use crate::store::{InboxCache, LocalStore};
use crate::sync::Platform;

/// The inbox kept on the device: threads and replies per thread.
const CACHE_THREADS: usize = 2_000;
const CACHE_REPLIES: usize = 30;
/// Quiet time between two saves of the inbox (a busy clinic syncs every few seconds): a crash
/// or a dead battery loses at most this much of what was read.
pub(super) const SAVE_EVERY_MS: u64 = 3_000;

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Core<T, S, P> {
    /// Forgets what the categories' retention periods no longer allow: it is never shown, and
    /// the inbox kept on the device is saved without it.
    pub fn expire_old(&self) {
        let now = self.platform.now_ms();
        let touched = {
            let mut state = self.state.borrow_mut();
            let mut cutoffs = state.policy.retention_cutoffs(now);
            if let Some(ms) = state.policy.conversation_retention_ms() {
                let cutoff = now.saturating_sub(ms);
                cutoffs.extend(state.inbox.conversation_rooms().map(|room| (room.to_owned(), cutoff)));
            }
            if cutoffs.is_empty() {
                return;
            }
            let touched = state.inbox.expire(&cutoffs);
            state.dirty |= !touched.is_empty();
            touched
        };
        self.touched(touched);
    }

    /// What the device keeps of this session's inbox.
    fn cache(&self) -> InboxCache {
        let state = self.state.borrow();
        InboxCache {
            since: state.since.clone(),
            inbox: state.inbox.snapshot(CACHE_THREADS, CACHE_REPLIES),
            policy: state.policy.clone(),
            joined: state.joined.iter().cloned().collect(),
            directory: state.directory.clone(),
            conversation_invites: state.conversation_invites.clone(),
        }
    }

    /// Keeps the inbox if it changed and was last kept long enough ago.
    pub async fn persist_if_due(&self) {
        let due = self.platform.now_ms().saturating_sub(self.state.borrow().saved_at) >= SAVE_EVERY_MS;
        if due {
            self.persist().await;
        }
    }

    /// Keeps the inbox on the device now, if it changed since it was last kept and has synced
    /// at least once (a kept inbox needs the token it is up to date with).
    pub async fn persist(&self) {
        let due = {
            let state = self.state.borrow();
            state.dirty && state.since.is_some()
        };
        if !due {
            return;
        }
        let cache = self.cache();
        {
            let mut state = self.state.borrow_mut();
            state.saved_at = self.platform.now_ms();
            state.dirty = false;
        }
        if let Err(e) = self.store.save_cache(&cache).await {
            self.emit(super::Change::Problem(e.to_string()));
        }
    }
}
