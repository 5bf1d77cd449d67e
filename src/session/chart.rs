//! "Save to chart": a clinician files a thread to the patient's record with their own EHR
//! access; the thread then says so.

use super::ehr::Ehr;
use crate::api::rounds::ChartFiled;
use crate::api::Transport;
use crate::domain::{Body, Delivery, Thread};
use crate::fhir::chart::{self, ChartEntry, FiledMessage};
use crate::fhir::FhirError;
use crate::sync::Command;

impl<T: Transport> Ehr<T> {
    /// Files `thread` (about the patient `patient`, `Patient/<id>`) to the patient's chart as
    /// one `Communication`: its messages and appointment changes as sent, never a retracted
    /// message's text. Filing again updates the same record. `name` gives a person's name.
    pub async fn save_to_chart(
        &self,
        thread: &Thread,
        patient: &str,
        name: impl Fn(&str) -> String,
    ) -> Result<ChartFiled, FhirError> {
        let messages = thread
            .messages
            .iter()
            .filter(|m| m.delivery == Delivery::Sent)
            .filter_map(|m| match &m.body {
                Body::Text(text) | Body::Appointment(text) => Some(FiledMessage {
                    author: name(&m.sender),
                    ts: m.ts,
                    text: text.clone(),
                }),
                _ => None,
            })
            .collect();
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
