//! The EHR as screens show it: plain views of appointments, free times, patients and the day's
//! schedule, and what the person's EHR access allows. FHIR resources never leave this module.

use crate::fhir::{instant, Appointment, Bundle, Patient, Practitioner, Resource};
use std::collections::BTreeMap;

/// Where an appointment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitStatus {
    /// Booked (the usual case: nothing to say).
    Booked,
    /// The patient arrived or checked in.
    Arrived,
    /// Seen.
    Fulfilled,
    /// Cancelled.
    Cancelled,
    /// The patient did not come.
    NoShow,
    /// Proposed or pending, not yet booked.
    Pending,
    /// Anything else the EHR records (its own word).
    Other(String),
}

impl VisitStatus {
    fn from_fhir(status: &str) -> Self {
        match status {
            "booked" => VisitStatus::Booked,
            "arrived" | "checked-in" => VisitStatus::Arrived,
            "fulfilled" => VisitStatus::Fulfilled,
            "cancelled" => VisitStatus::Cancelled,
            "noshow" => VisitStatus::NoShow,
            "proposed" | "pending" | "waitlist" => VisitStatus::Pending,
            other => VisitStatus::Other(other.to_owned()),
        }
    }

    /// How a schedule tags it (nothing for a booked appointment).
    pub fn tag(&self) -> Option<&str> {
        match self {
            VisitStatus::Booked => None,
            VisitStatus::Arrived => Some("Arrived"),
            VisitStatus::Fulfilled => Some("Seen"),
            VisitStatus::Cancelled => Some("Cancelled"),
            VisitStatus::NoShow => Some("No-show"),
            VisitStatus::Pending => Some("Pending"),
            VisitStatus::Other(word) => Some(word),
        }
    }
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Its id in the EHR.
    pub id: String,
    /// Start (ms since the epoch), when set.
    pub start: Option<u64>,
    /// End.
    pub end: Option<u64>,
    /// The practitioner's name, as the EHR gives it.
    pub practitioner: Option<String>,
    /// The patient's name (on the day's schedule).
    pub patient: Option<String>,
    /// The patient's record (`Patient/<id>`), which threads about them name.
    pub patient_record: Option<String>,
    /// Booked, cancelled, …
    pub status: VisitStatus,
}

/// A free time in a practitioner's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeTime {
    /// The slot's id.
    pub id: String,
    /// Start (ms since the epoch).
    pub start: u64,
    /// End.
    pub end: u64,
}

/// A patient as the EHR records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    /// The full name.
    pub full: String,
    /// How staff refer to them (`Sara M.`).
    pub short: String,
    /// Date of birth, if the person may see it.
    pub birth_date: Option<String>,
    /// Medical record number, where the EHR has one and the person may see it.
    pub mrn: Option<String>,
}

impl PatientRecord {
    /// Whether a thread's free-text label names this patient (case and accents aside).
    pub fn matches(&self, label: &str) -> bool {
        let label = crate::domain::thread::fold(label.trim());
        [&self.full, &self.short]
            .iter()
            .any(|n| crate::domain::thread::fold(n.trim()) == label)
    }
}

/// A patient matching a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientMatch {
    /// `Patient/<id>`.
    pub reference: String,
    /// How staff refer to them in threads (`Sara M.`).
    pub short: String,
    /// The full name.
    pub full: String,
    /// Date of birth (`YYYY-MM-DD`), if the person may see it: two patients of one name are
    /// told apart by it and by the record number.
    pub birth_date: Option<String>,
    /// Medical record number, where the EHR has one.
    pub mrn: Option<String>,
}

/// One practitioner's appointments on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The practitioner.
    pub practitioner: String,
    /// Their appointments, by start.
    pub visits: Vec<Visit>,
}

/// What someone may do in the EHR: Rounds offers what the person's EHR access allows, and the
/// EHR refuses anything else on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Read patients' records.
    SeePatients,
    /// Read a patient's appointments.
    SeeAppointments,
    /// Read the day's schedule.
    SeeSchedule,
    /// Reschedule and cancel appointments.
    ChangeAppointments,
    /// File threads to the patient's chart.
    FileToChart,
}

impl Capability {
    /// The SMART scope that grants it: resource type and interaction letter.
    pub(super) fn scope(self) -> (&'static str, char) {
        match self {
            Capability::SeePatients => (Patient::TYPE, 'r'),
            Capability::SeeAppointments => (Appointment::TYPE, 'r'),
            Capability::SeeSchedule => (Appointment::TYPE, 's'),
            Capability::ChangeAppointments => (Appointment::TYPE, 'u'),
            Capability::FileToChart => ("Communication", 'c'),
        }
    }
}

/// An appointment as screens show it; names from the bundles it came with.
pub(super) fn visit(
    a: &Appointment,
    patients: &BTreeMap<String, String>,
    practitioners: &BTreeMap<String, String>,
) -> Visit {
    let name_of = |kind: &str, known: &BTreeMap<String, String>| {
        let actor = a.actor(kind)?;
        actor
            .reference
            .as_ref()
            .and_then(|r| known.get(r).cloned())
            .or_else(|| actor.display.clone())
    };
    Visit {
        id: a.id.clone().unwrap_or_default(),
        start: a.start.as_deref().and_then(instant::parse),
        end: a.end.as_deref().and_then(instant::parse),
        practitioner: name_of(Practitioner::TYPE, practitioners),
        patient: name_of(Patient::TYPE, patients),
        patient_record: a.actor(Patient::TYPE).and_then(|actor| actor.reference.clone()),
        status: VisitStatus::from_fhir(&a.status),
    }
}

/// An appointment alone (no names to look up).
pub(super) fn bare_visit(a: &Appointment) -> Visit {
    visit(a, &BTreeMap::new(), &BTreeMap::new())
}

/// `reference → name` of the resources of type `R` in `bundle`.
pub(super) fn names<R: Resource>(bundle: &Bundle, name: impl Fn(&R) -> Option<String>) -> BTreeMap<String, String> {
    bundle
        .resources::<R>()
        .iter()
        .filter_map(|r| Some((format!("{}/{}", R::TYPE, r.id()?), name(r)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_staff_say_them() {
        assert_eq!(VisitStatus::from_fhir("booked").tag(), None);
        assert_eq!(VisitStatus::from_fhir("noshow").tag(), Some("No-show"));
        assert_eq!(VisitStatus::from_fhir("checked-in"), VisitStatus::Arrived);
        assert_eq!(
            VisitStatus::from_fhir("entered-in-error").tag(),
            Some("entered-in-error")
        );
    }
}
