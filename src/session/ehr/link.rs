//! Linking a thread to a patient's record after it was started: the EHR decides (the person must
//! be able to open the record with their own access), the thread says who linked it, and
//! everyone's Patient region then shows the EHR's record.

use super::super::error::SessionError;
use super::super::thread::ThreadHandle;
use crate::api::Transport;
use crate::domain::Patient;
use crate::store::LocalStore;
use crate::sync::{Command, Platform};

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// Links the thread to the record `reference` (`Patient/<id>`), named as the EHR names it
    /// to this person. Refused for a thread already linked to a record, or a record the EHR
    /// does not let the person open.
    pub async fn link_patient(&self, reference: &str) -> Result<(), SessionError> {
        let (linked, category) = self.with(|t| {
            t.map(|t| {
                (
                    t.info.patient.as_ref().and_then(|p| p.id.clone()),
                    t.info.category.clone(),
                )
            })
            .unwrap_or_default()
        });
        if linked.is_some() {
            return Err(SessionError::Refused(
                "this thread is already linked to a patient record".into(),
            ));
        }
        if let Some(members) = self.conversation_members() {
            self.core.may_name_patients(&members, category.as_deref())?;
        }
        let record = self.core.ehr()?.patient(reference).await.map_err(|e| match e {
            SessionError::NotAllowed => SessionError::Refused(
                "The EHR does not let you open this patient's record, so the thread was not linked to it.".into(),
            ),
            other => other,
        })?;
        let patient = Patient {
            display: record.short,
            id: Some(reference.to_owned()),
        };
        self.core
            .post(&self.key, Command::LinkPatient { patient, category })
            .await
    }
}
