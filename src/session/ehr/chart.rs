//! "Save to chart": a clinician files a thread, as the homeserver has it, to the patient's
//! record with their own EHR access; the thread then says so.

use super::super::error::SessionError;
use super::super::thread::ThreadHandle;
use super::{Ehr, RecordCheck};
use crate::api::rounds::ChartFiled;
use crate::api::{MediaId, Transport};
use crate::domain::{current_messages, EhrClaim, Thread};
use crate::fhir::chart::{self, ChartEntry, FiledFile, FiledMessage};
use crate::store::LocalStore;
use crate::sync::audit::thread_audit;
use crate::sync::{Command, Platform};
use std::collections::BTreeSet;

/// What Save to chart did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartSaved {
    /// The thread is in the patient's chart now.
    Saved,
    /// The thread's record in the chart was updated.
    Updated,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// Files the thread, as the homeserver has it, to its patient's chart with the person's
    /// own EHR access (only the messages `only` names, if given), and says so in the thread.
    /// Filing again updates the same record.
    pub async fn save_to_chart(&self, only: Option<&BTreeSet<String>>) -> Result<ChartSaved, SessionError> {
        if only.is_some_and(BTreeSet::is_empty) {
            return Err(SessionError::Refused(
                "choose at least one message, or Cancel to save the whole thread".into(),
            ));
        }
        let ehr = self.core.ehr()?;
        let thread = self
            .with(|t| t.cloned())
            .ok_or(SessionError::Refused("the thread is not loaded".into()))?;
        let patient = thread
            .info
            .patient
            .as_ref()
            .and_then(|p| p.id.clone())
            .ok_or(SessionError::Refused(
                "the thread is not linked to a patient record".into(),
            ))?;
        let messages = self.chart_messages(only).await?;
        let filed = ehr.file(&thread, &patient, messages).await?;
        let saved = if filed.updated {
            ChartSaved::Updated
        } else {
            ChartSaved::Saved
        };
        self.core.post(&self.key, Command::Charted(filed)).await.map_err(|e| {
            SessionError::Refused(format!(
                "it was saved to the chart, but the thread could not say so ({e})"
            ))
        })?;
        Ok(saved)
    }

    /// What the EHR, read with the person's own access, says of a card's `claim` in this thread
    /// posted by `sender` (a user id).
    pub async fn check_record(&self, claim: &EhrClaim, sender: &str) -> RecordCheck {
        let (Ok(ehr), Some(thread)) = (self.core.ehr(), self.with(|t| t.cloned())) else {
            return RecordCheck::Unchecked;
        };
        let name = self.core.state.borrow().inbox.name(sender);
        ehr.check(claim, &chart::thread_uri(&thread.room_id, &thread.root_id), &name)
            .await
    }

    /// The thread as it reads now, from the homeserver (not only what this device holds):
    /// each message and appointment change with its newest edit, nothing retracted or
    /// expired; only the messages `only` names, if given.
    async fn chart_messages(&self, only: Option<&BTreeSet<String>>) -> Result<Vec<FiledMessage>, SessionError> {
        let (room, root) = self.on_server_ids()?;
        let entries = thread_audit(&self.core.client, &room, &root).await?;
        let homeserver = self.core.client.homeserver().to_owned();
        let state = self.core.state.borrow();
        let inbox = &state.inbox;
        Ok({
            current_messages(&entries)
                .into_iter()
                .filter(|m| only.is_none_or(|ids| ids.contains(&m.id)))
                .map(|m| FiledMessage {
                    author: inbox.name(&m.sender),
                    ts: m.ts,
                    text: if m.edited {
                        format!("{} (edited)", m.text)
                    } else {
                        m.text
                    },
                    file: m.file.and_then(|f| {
                        let url = MediaId::parse(&f.url)?.download_url(&homeserver);
                        Some(FiledFile {
                            name: f.name,
                            content_type: f.content_type,
                            size: f.size,
                            url,
                        })
                    }),
                })
                .collect()
        })
    }
}

impl<T: Transport> Ehr<T> {
    /// Files `messages` of `thread` (about the patient `patient`, `Patient/<id>`) to the
    /// patient's chart as one `Communication`; filing again updates the same record.
    async fn file(
        &self,
        thread: &Thread,
        patient: &str,
        messages: Vec<FiledMessage>,
    ) -> Result<ChartFiled, SessionError> {
        let entry = ChartEntry {
            thread: chart::thread_uri(&thread.room_id, &thread.root_id),
            patient: patient.to_owned(),
            patient_display: thread
                .info
                .patient
                .as_ref()
                .map(|p| p.display.clone())
                .unwrap_or_default(),
            topic: thread.info.topic.clone(),
            messages,
            filed_by: self.client().token_claim("fhirUser"),
        };
        let filed = chart::file(self.client(), &entry).await?;
        Ok(ChartFiled {
            record: filed.record,
            updated: filed.updated,
        })
    }
}
