//! The audit export: a thread's full history from the homeserver, as a readable document.

use super::error::SessionError;
use super::thread::ThreadHandle;
use crate::api::Transport;
use crate::domain::clock;
use crate::domain::{AuditTrail, Priority, ReadMark};
use crate::fhir::instant;
use crate::store::LocalStore;
use crate::sync::audit::thread_audit;
use crate::sync::Platform;

/// An exported history: the file's name and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFile {
    /// `thread-history-2026-11-30T10-15-00Z.txt`: sortable, and without patient details.
    pub name: String,
    /// The document.
    pub text: String,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// The thread's history as plain text: every message as first sent, edits, retractions,
    /// status changes, appointment cards, acknowledgements and escalation notices from the
    /// homeserver, then everyone's read receipts with their times (UTC).
    pub async fn export_history(&self) -> Result<HistoryFile, SessionError> {
        let (room, root) = self.on_server_ids()?;
        let entries = thread_audit(&self.core.client, &room, &root).await?;
        let policy = self.core.policy();
        let category = policy
            .category_by_room(&room)
            .map(|c| c.label.clone())
            .unwrap_or_default();
        let platform = &self.core.platform;
        let clinic_time = |ts: u64| clock::iso_local(ts, platform.utc_offset_minutes(ts));
        let now = self.core.platform.now_ms();
        let me = self.core.me();
        let text = {
            let state = self.core.state.borrow();
            let inbox = &state.inbox;
            let thread = inbox.thread(&self.key);
            let reads = thread
                .map(|t| inbox.read_marks(t))
                .unwrap_or_default()
                .into_iter()
                .map(|(user, event_id, at)| ReadMark { user, event_id, at })
                .collect();
            let addressed_to = thread
                .map(|t| t.info.to_roles.iter())
                .into_iter()
                .flatten()
                .map(|id| policy.role(id).map_or_else(|| id.clone(), |r| r.label.clone()))
                .collect();
            let trail = AuditTrail {
                title: thread.map(|t| t.info.title()).unwrap_or_default(),
                category,
                priority: thread.map_or(Priority::Routine, |t| t.priority),
                addressed_to,
                entries,
                reads,
            };
            trail.render(&me, now, |user| inbox.name(user), clinic_time)
        };
        let name = format!("thread-history-{}.txt", instant::format(now).replace(':', "-"));
        Ok(HistoryFile { name, text })
    }
}
