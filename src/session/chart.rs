//! "Save to chart": a clinician files a thread, as the homeserver has it, to the patient's
//! record with their own EHR access; the thread then says so.

use super::ehr::Ehr;
use super::service::Session;
use crate::api::rounds::ChartFiled;
use crate::api::{Error, MediaId, Transport};
use crate::domain::{current_messages, Thread};
use crate::fhir::chart::{self, ChartEntry, FiledFile, FiledMessage};
use crate::fhir::FhirError;
use crate::store::LocalStore;
use crate::sync::audit::thread_audit;
use crate::sync::{Command, Platform};
use std::collections::BTreeSet;

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// The thread `root` of `room` as it reads now, from the homeserver (not only what this
    /// device holds): each message and appointment change with its newest edit, nothing
    /// retracted or expired; only the messages `only` names, if given. What
    /// [`Ehr::save_to_chart`] files.
    pub async fn chart_messages(
        &self,
        room: &str,
        root: &str,
        only: Option<&BTreeSet<String>>,
    ) -> Result<Vec<FiledMessage>, Error> {
        let entries = thread_audit(self.client(), room, root).await?;
        let homeserver = self.client().homeserver().to_owned();
        Ok(self.with_inbox(|inbox| {
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
        }))
    }
}

impl<T: Transport> Ehr<T> {
    /// Files `messages` of `thread` (about the patient `patient`, `Patient/<id>`) to the
    /// patient's chart as one `Communication`; filing again updates the same record.
    pub async fn save_to_chart(
        &self,
        thread: &Thread,
        patient: &str,
        messages: Vec<FiledMessage>,
    ) -> Result<ChartFiled, FhirError> {
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

/// What the thread shows once it is filed.
pub fn filed_notice(filed: ChartFiled) -> Command {
    Command::Charted(filed)
}
