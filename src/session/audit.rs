//! The audit export: a thread's full history from the homeserver, as a readable document.

use super::service::Session;
use crate::api::{Error, Transport};
use crate::domain::{AuditTrail, ReadMark};
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

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// The history of the thread `root` of `room` as plain text: every message as first sent,
    /// edits, retractions, status changes, appointment cards, acknowledgements and escalation
    /// notices from the homeserver, then everyone's read receipts with their times (UTC).
    pub async fn export_history(&self, room: &str, root: &str) -> Result<HistoryFile, Error> {
        let entries = thread_audit(self.client(), room, root).await?;
        let category = self.category_of(room).map(|(_, label)| label).unwrap_or_default();
        let now = self.platform().now_ms();
        let me = self.me();
        let text = self.with_inbox(|inbox| {
            let thread = inbox.thread(room, root);
            let reads = thread
                .map(|t| inbox.read_marks(t))
                .unwrap_or_default()
                .into_iter()
                .map(|(user, event_id, at)| ReadMark { user, event_id, at })
                .collect();
            let trail = AuditTrail {
                title: thread.map(|t| t.info.title()).unwrap_or_default(),
                category,
                entries,
                reads,
            };
            trail.render(&me, now, |user| inbox.name(user), instant::format)
        });
        let name = format!("thread-history-{}.txt", instant::format(now).replace(':', "-"));
        Ok(HistoryFile { name, text })
    }
}
