//! Checking a card against the EHR. "Saved to chart" and "Schedule change" cards are what their
//! sender says they did; the EHR, read with this person's own access, says whether the record
//! they name is there and as they say. Screens show the card as the sender's claim until then.

use super::Ehr;
use crate::api::Transport;
use crate::domain::EhrClaim;
use crate::fhir::resources::Communication;
use crate::fhir::{instant, Appointment, FhirError, Practitioner, Resource};

/// What the EHR says about a card's claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordCheck {
    /// The thread's record is in the EHR, filed by `by` (as the EHR names them); `as_claimed`:
    /// the card's sender is that person.
    Filed {
        /// The author the EHR records.
        by: String,
        /// Whether that is the card's sender.
        as_claimed: bool,
    },
    /// The appointment as the EHR holds it now; `as_claimed`: as the card says.
    Appointment {
        /// Its start (ms since the epoch), if any.
        start: Option<u64>,
        /// Whether it is cancelled.
        cancelled: bool,
        /// Whether the card says the same.
        as_claimed: bool,
    },
    /// The EHR has no such record for this thread.
    Missing,
    /// Not checked: the person has no EHR sign-in, or their role may not read such records,
    /// or the EHR did not answer.
    Unchecked,
}

impl<T: Transport> Ehr<T> {
    /// What the EHR says of `claim`, made by `sender` (their name) in the thread `thread` (its
    /// `matrix:` URI, as filed).
    pub async fn check(&self, claim: &EhrClaim, thread: &str, sender: &str) -> RecordCheck {
        match claim {
            EhrClaim::Filed { record } => self.check_filed(record, thread, sender).await,
            EhrClaim::Appointment {
                appointment,
                start,
                cancelled,
            } => self.check_appointment(appointment, start.as_deref(), *cancelled).await,
        }
    }

    fn may_read(&self, kind: &str) -> bool {
        let scope = self.scope.borrow();
        scope
            .as_deref()
            .is_some_and(|scope| crate::fhir::smart::scope_allows(scope, kind, 'r'))
    }

    /// The resource a card names (`<Type>/<id>`), or what to say when it cannot be read.
    async fn read_claimed<R: Resource>(&self, reference: &str) -> Result<R, RecordCheck> {
        let id = reference
            .strip_prefix(R::TYPE)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or(RecordCheck::Missing)?;
        if !self.may_read(R::TYPE) {
            return Err(RecordCheck::Unchecked);
        }
        match self.client.read::<R>(id).await {
            Ok(found) => Ok(found.resource),
            Err(FhirError::Refused { status: 404 | 410, .. }) => Err(RecordCheck::Missing),
            Err(_) => Err(RecordCheck::Unchecked),
        }
    }

    async fn check_filed(&self, record: &str, thread: &str, sender: &str) -> RecordCheck {
        let filed = match self.read_claimed::<Communication>(record).await {
            Ok(filed) => filed,
            Err(check) => return check,
        };
        if !filed.identifier.iter().any(|i| i.value.as_deref() == Some(thread)) {
            return RecordCheck::Missing;
        }
        let author = filed.sender.and_then(|s| s.reference);
        let by = match author.as_deref() {
            Some(author) => self
                .read_claimed::<Practitioner>(author)
                .await
                .ok()
                .and_then(|p| p.name.first().map(|n| n.full())),
            None => None,
        };
        let by = by.or(author).unwrap_or_default();
        RecordCheck::Filed {
            as_claimed: same_person(&by, sender),
            by,
        }
    }

    async fn check_appointment(&self, appointment: &str, start: Option<&str>, cancelled: bool) -> RecordCheck {
        let now = match self.read_claimed::<Appointment>(appointment).await {
            Ok(now) => now,
            Err(check) => return check,
        };
        let (is_cancelled, at) = (now.status == "cancelled", now.start.as_deref().and_then(instant::parse));
        let as_claimed = if cancelled {
            is_cancelled
        } else {
            !is_cancelled && at.is_some() && at == start.and_then(instant::parse)
        };
        RecordCheck::Appointment {
            start: at,
            cancelled: is_cancelled,
            as_claimed,
        }
    }
}

/// Whether the EHR's name for a person and Rounds' display name are the same person's.
fn same_person(ehr: &str, rounds: &str) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    !ehr.trim().is_empty() && words(ehr) == words(rounds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_compare_by_their_words() {
        assert!(super::same_person("Priya  Shah", "priya shah"));
        assert!(!super::same_person("Priya Shah", "Jordan Ellis"));
        assert!(!super::same_person("", ""));
    }
}
