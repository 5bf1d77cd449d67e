//! Scheduling changes: reschedule and cancel, written to the EHR first (against the versions
//! read, so someone else's change in between is a conflict, not an overwrite), and what became
//! of them; a change the EHR holds only partly can be finished or undone.

use super::super::thread::ThreadHandle;
use super::views::{bare_visit, Visit, VisitStatus};
use super::{Ehr, SessionError};
use crate::api::rounds::AppointmentChange as Announced;
use crate::api::Transport;
use crate::domain::clock::Local;
use crate::fhir::schedule::{self, ChangeError, Step};
use crate::fhir::{instant, Appointment, FhirError, Versioned};
use crate::store::LocalStore;
use crate::sync::Command;
use crate::sync::Platform;

/// A change asked of the EHR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentChange {
    /// Move the appointment `appointment` to the free time `slot`.
    Reschedule {
        /// The appointment's id.
        appointment: String,
        /// The free time's id.
        slot: String,
    },
    /// Cancel the appointment, recording `reason`.
    Cancel {
        /// The appointment's id.
        appointment: String,
        /// Why, as the EHR keeps it.
        reason: String,
    },
    /// Finish the change the EHR holds only partly.
    Finish,
}

/// Which part of a change could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfinished {
    /// The appointment itself.
    Appointment,
    /// Marking its new time as taken.
    TakeSlot,
    /// Marking its previous time free again.
    FreeSlots,
}

/// A change the EHR holds only partly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HalfDone {
    /// Where the appointment was moved (`None`: it was cancelled).
    pub moved_to: Option<u64>,
    /// What could not be written.
    pub failed: Unfinished,
    /// Why.
    pub error: String,
}

/// What a scheduling change came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one value per click on a button: boxing would buy nothing
pub enum Outcome {
    /// The EHR holds the whole change (and the thread announces it).
    Done {
        /// The appointment before.
        before: Visit,
        /// And after.
        after: Visit,
        /// What the thread says: `Rescheduled Sara M. from Tue 14:00 to Wed 10:00`.
        summary: String,
    },
    /// Someone changed the appointment meanwhile; nothing was written.
    Conflict,
    /// Nothing was written (the EHR could not be reached, or refused), with why.
    NothingChanged(String),
    /// Written in part: finish it or undo it.
    HalfDone(HalfDone),
}

impl<T: Transport> Ehr<T> {
    pub(super) fn loaded(&self, id: &str) -> Result<Versioned<Appointment>, String> {
        self.appointments
            .borrow()
            .get(id)
            .cloned()
            .ok_or_else(|| "the appointment was not loaded".to_owned())
    }

    /// Applies `change`.
    pub(in crate::session) async fn apply(&self, change: AppointmentChange) -> Outcome {
        match change {
            AppointmentChange::Reschedule { appointment, slot } => {
                let target = match self.loaded(&appointment) {
                    Ok(a) => a,
                    Err(why) => return Outcome::NothingChanged(why),
                };
                let Some(chosen) = self.slots.borrow().get(&slot).cloned() else {
                    return Outcome::NothingChanged("the chosen time was not loaded".into());
                };
                let result = schedule::reschedule(&self.client, &target, &chosen).await;
                self.outcome(&target.resource, result)
            }
            AppointmentChange::Cancel { appointment, reason } => {
                let target = match self.loaded(&appointment) {
                    Ok(a) => a,
                    Err(why) => return Outcome::NothingChanged(why),
                };
                let result = schedule::cancel(&self.client, &target, &reason).await;
                self.outcome(&target.resource, result)
            }
            AppointmentChange::Finish => {
                let Some(partial) = self.partial.borrow_mut().take() else {
                    return Outcome::NothingChanged("there is no unfinished change".into());
                };
                let before = partial.before.clone();
                let result = schedule::finish(&self.client, partial).await;
                self.outcome(&before, result)
            }
        }
    }

    /// Undoes the half-done move: the appointment as it was.
    pub async fn undo(&self) -> Result<Visit, SessionError> {
        let partial = self
            .partial
            .borrow()
            .clone()
            .ok_or_else(|| SessionError::Refused("there is no unfinished change".into()))?;
        let back = schedule::undo(&self.client, &partial).await?;
        *self.partial.borrow_mut() = None;
        Ok(bare_visit(&back.resource))
    }

    fn outcome(&self, before: &Appointment, result: Result<Versioned<Appointment>, ChangeError>) -> Outcome {
        match result {
            Ok(after) => Outcome::Done {
                before: bare_visit(before),
                after: bare_visit(&after.resource),
                summary: String::new(),
            },
            Err(ChangeError::NothingWritten(FhirError::Conflict)) => Outcome::Conflict,
            Err(ChangeError::NothingWritten(e)) => Outcome::NothingChanged(SessionError::from(e).to_string()),
            Err(ChangeError::Partial(partial)) => {
                let half = HalfDone {
                    moved_to: partial
                        .new_slot
                        .as_ref()
                        .and_then(|_| partial.now.resource.start.as_deref().and_then(instant::parse)),
                    failed: match partial.failed {
                        Step::Appointment => Unfinished::Appointment,
                        Step::TakeSlot => Unfinished::TakeSlot,
                        Step::FreeSlots => Unfinished::FreeSlots,
                    },
                    error: SessionError::from(partial.error.clone()).to_string(),
                };
                *self.partial.borrow_mut() = Some(*partial);
                Outcome::HalfDone(half)
            }
        }
    }
}

/// The thread announcement of a change the EHR holds (`summary` is what other clients show).
pub(in crate::session) fn announcement(before: &Visit, after: &Visit, summary: String) -> Command {
    let cancelled = after.status == VisitStatus::Cancelled;
    Command::Appointment {
        change: Announced {
            appointment: format!("Appointment/{}", after.id),
            old_start: before.start.map(instant::format),
            new_start: (!cancelled).then(|| after.start.map(instant::format)).flatten(),
            status: if cancelled { "cancelled" } else { "booked" }.to_owned(),
        },
        summary,
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// Makes `change` in the EHR with the person's own access; a change the EHR holds in full
    /// is then announced in this thread (with a plain-text summary for other clients).
    pub async fn change_appointment(&self, change: AppointmentChange) -> Result<Outcome, SessionError> {
        let ehr = self.core.ehr()?;
        let mut outcome = ehr.apply(change).await;
        if let Outcome::Done { before, after, summary } = &mut outcome {
            let patient = self
                .with(|t| t.and_then(|t| t.info.patient.as_ref().map(|p| p.display.clone())))
                .unwrap_or_default();
            let at = |v: &Visit| {
                v.start
                    .map(|ts| Local::at(ts, self.core.platform.utc_offset_minutes(ts)).weekday_clock())
                    .unwrap_or_default()
            };
            *summary = if after.status == VisitStatus::Cancelled {
                format!("Cancelled {patient}'s appointment on {}", at(before))
            } else {
                format!("Rescheduled {patient} from {} to {}", at(before), at(after))
            };
            self.core
                .post(&self.key, announcement(before, after, summary.clone()))
                .await
                .map_err(|e| {
                    SessionError::Refused(format!("the EHR has the change, but the thread could not say so ({e})"))
                })?;
        }
        Ok(outcome)
    }

    /// Undoes a move the EHR holds only partly: the appointment as it was.
    pub async fn undo_appointment_change(&self) -> Result<Visit, SessionError> {
        let ehr = self.core.ehr()?;
        ehr.undo().await
    }
}
