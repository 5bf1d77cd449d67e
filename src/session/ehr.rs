//! The clinic's EHR as staff see it: patients, next appointments, free times, the day's
//! schedule, and scheduling changes with their outcome. FHIR resources stay in here (the
//! versions `If-Match` needs among them); screens get plain views and outcomes.

use crate::api::rounds::AppointmentChange;
use crate::api::Transport;
use crate::fhir::schedule::{self, ChangeError, Partial, Step};
use crate::fhir::{instant, Appointment, Bundle, FhirClient, FhirError, Patient, Practitioner, Resource, Versioned};
use crate::sync::Command;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// An appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Its id in the EHR.
    pub id: String,
    /// Start and end (ms since the epoch), when set.
    pub start: Option<u64>,
    /// End.
    pub end: Option<u64>,
    /// The practitioner's name, as the EHR gives it.
    pub practitioner: Option<String>,
    /// The patient's name (on the day's schedule).
    pub patient: Option<String>,
    /// `booked`, `cancelled`, …
    pub status: String,
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
}

/// One practitioner's appointments on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The practitioner.
    pub practitioner: String,
    /// Their appointments, by start.
    pub visits: Vec<Visit>,
}

/// A change the EHR holds only partly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HalfDone {
    /// Where the appointment was moved (`None`: it was cancelled).
    pub moved_to: Option<u64>,
    /// What could not be written.
    pub failed: Step,
    /// Why.
    pub error: String,
}

/// What a scheduling change came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one value per click on a button: boxing would buy nothing
pub enum Outcome {
    /// The EHR holds the whole change.
    Done {
        /// The appointment before.
        before: Visit,
        /// And after.
        after: Visit,
    },
    /// Someone changed the appointment meanwhile; nothing was written.
    Conflict,
    /// Nothing was written (the EHR could not be reached, or refused), with why.
    NothingChanged(String),
    /// Written in part: finish it ([`Ehr::finish`]) or undo it ([`Ehr::undo`]).
    HalfDone(HalfDone),
}

/// The EHR client of a session, with what it read (the versions changes are written against)
/// and what the person's authorization allows.
pub struct Ehr<T> {
    client: FhirClient<T>,
    /// The scopes granted, once the person connected Rounds to the EHR.
    scope: RefCell<Option<String>>,
    appointments: RefCell<HashMap<String, Versioned<Appointment>>>,
    slots: RefCell<HashMap<String, Versioned<crate::fhir::Slot>>>,
    partial: RefCell<Option<Partial>>,
}

fn visit(a: &Appointment, patients: &BTreeMap<String, String>, practitioners: &BTreeMap<String, String>) -> Visit {
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
        status: a.status.clone(),
    }
}

fn names<R: Resource>(bundle: &Bundle, name: impl Fn(&R) -> Option<String>) -> BTreeMap<String, String> {
    bundle
        .resources::<R>()
        .iter()
        .filter_map(|r| Some((format!("{}/{}", R::TYPE, r.id()?), name(r)?)))
        .collect()
}

impl<T: Transport> Ehr<T> {
    /// The EHR at `client`.
    pub fn new(client: FhirClient<T>) -> Self {
        Ehr {
            client,
            scope: RefCell::new(None),
            appointments: RefCell::new(HashMap::new()),
            slots: RefCell::new(HashMap::new()),
            partial: RefCell::new(None),
        }
    }

    /// The client (to renew its token).
    pub fn client(&self) -> &FhirClient<T> {
        &self.client
    }

    /// The person's authorization: the access token (kept in memory) and the scopes granted.
    pub fn connect(&self, access_token: Option<String>, scope: &str) {
        if access_token.is_some() {
            self.client.set_token(access_token);
        }
        *self.scope.borrow_mut() = Some(scope.to_owned());
    }

    /// Forgets the authorization (the EHR no longer accepts it).
    pub fn disconnect(&self) {
        self.client.set_token(None);
        *self.scope.borrow_mut() = None;
    }

    /// Whether the person connected Rounds to the EHR.
    pub fn is_connected(&self) -> bool {
        self.scope.borrow().is_some()
    }

    /// Whether the person's authorization allows `letter` (`r`, `s`, `u`) on `kind`: what Rounds
    /// offers. The EHR decides, and refuses, on every request.
    pub fn allows(&self, kind: &str, letter: char) -> bool {
        let scope = self.scope.borrow();
        scope
            .as_ref()
            .is_some_and(|scope| crate::fhir::smart::scope_allows(scope, kind, letter))
    }

    /// The patient `reference` (`Patient/<id>`) as the EHR records them.
    pub async fn patient(&self, reference: &str) -> Result<PatientRecord, FhirError> {
        let id = reference.strip_prefix("Patient/").unwrap_or(reference);
        let patient = self.client.read::<Patient>(id).await?.resource;
        let name = patient.name.first().cloned().unwrap_or_default();
        Ok(PatientRecord {
            full: name.full(),
            short: name.short(),
            birth_date: patient.birth_date,
        })
    }

    /// Patients whose name matches `text` (a failed search just means no suggestions).
    pub async fn find_patients(&self, text: &str) -> Vec<PatientMatch> {
        let found = schedule::find_patients(&self.client, text).await.unwrap_or_default();
        found
            .into_iter()
            .filter_map(|p| {
                let name = p.name.first()?;
                Some(PatientMatch {
                    reference: format!("Patient/{}", p.id.clone()?),
                    short: name.short(),
                    full: name.full(),
                })
            })
            .collect()
    }

    /// The patient's booked appointments from `from` on, soonest first.
    pub async fn upcoming(&self, patient: &str, from: u64) -> Result<Vec<Visit>, FhirError> {
        let found = schedule::upcoming(&self.client, patient, &instant::format(from)).await?;
        let visits = found
            .iter()
            .map(|a| visit(&a.resource, &BTreeMap::new(), &BTreeMap::new()))
            .collect();
        let mut known = self.appointments.borrow_mut();
        for a in found {
            known.insert(a.resource.id.clone().unwrap_or_default(), a);
        }
        Ok(visits)
    }

    /// Free times between `from` and `to` in the schedule of the appointment's practitioner.
    pub async fn free_times(&self, appointment: &str, from: u64, to: u64) -> Result<Vec<FreeTime>, FhirError> {
        let target = self.appointment(appointment)?;
        let found = schedule::free_slots(
            &self.client,
            &target.resource,
            &instant::format(from),
            &instant::format(to),
        )
        .await?;
        let times = found
            .iter()
            .filter_map(|s| {
                Some(FreeTime {
                    id: s.resource.id.clone()?,
                    start: instant::parse(&s.resource.start)?,
                    end: instant::parse(&s.resource.end)?,
                })
            })
            .collect();
        let mut known = self.slots.borrow_mut();
        for s in found {
            known.insert(s.resource.id.clone().unwrap_or_default(), s);
        }
        Ok(times)
    }

    /// When the appointment the person is in at `now` ends, if their EHR schedule has one (as
    /// the practitioner their EHR token names; `None` without one).
    pub async fn appointment_now(&self, now: u64) -> Result<Option<u64>, FhirError> {
        let Some(me) = self
            .client
            .token_claim("fhirUser")
            .filter(|u| u.starts_with("Practitioner/"))
        else {
            return Ok(None);
        };
        // Appointments that started in the last half day (the search is by start).
        let from = instant::format(now.saturating_sub(12 * 3_600_000));
        let bundle = schedule::between(&self.client, &from, &instant::format(now + 60_000)).await?;
        let ends = bundle
            .resources::<Appointment>()
            .into_iter()
            .filter(|a| matches!(a.status.as_str(), "booked" | "arrived" | "checked-in"))
            .filter(|a| a.actor(Practitioner::TYPE).and_then(|r| r.reference.as_deref()) == Some(me.as_str()))
            .filter_map(|a| {
                let start = a.start.as_deref().and_then(instant::parse)?;
                let end = a.end.as_deref().and_then(instant::parse)?;
                (start <= now && now < end).then_some(end)
            })
            .max();
        Ok(ends)
    }

    /// Every appointment between `from` and `to`, by practitioner.
    pub async fn day(&self, from: u64, to: u64) -> Result<Vec<Column>, FhirError> {
        let bundle = schedule::between(&self.client, &instant::format(from), &instant::format(to)).await?;
        let full_name = |names: &[crate::fhir::resources::HumanName]| names.first().map(|n| n.full());
        let patients = names::<Patient>(&bundle, |p| full_name(&p.name));
        let practitioners = names::<Practitioner>(&bundle, |p| full_name(&p.name));
        let mut columns: BTreeMap<String, Vec<Visit>> = BTreeMap::new();
        for a in bundle.resources::<Appointment>() {
            let v = visit(&a, &patients, &practitioners);
            let who = v.practitioner.clone().unwrap_or_else(|| "Unassigned".into());
            columns.entry(who).or_default().push(v);
        }
        Ok(columns
            .into_iter()
            .map(|(practitioner, mut visits)| {
                visits.sort_by_key(|v| v.start);
                Column { practitioner, visits }
            })
            .collect())
    }

    fn appointment(&self, id: &str) -> Result<Versioned<Appointment>, FhirError> {
        self.appointments
            .borrow()
            .get(id)
            .cloned()
            .ok_or_else(|| FhirError::BadResponse(format!("appointment {id} was not loaded")))
    }

    /// Moves the appointment to the free time `slot`.
    pub async fn reschedule(&self, appointment: &str, slot: &str) -> Outcome {
        let target = match self.appointment(appointment) {
            Ok(a) => a,
            Err(e) => return Outcome::NothingChanged(e.to_string()),
        };
        let Some(chosen) = self.slots.borrow().get(slot).cloned() else {
            return Outcome::NothingChanged(format!("the time {slot} was not loaded"));
        };
        let result = schedule::reschedule(&self.client, &target, &chosen).await;
        self.outcome(&target.resource, result)
    }

    /// Cancels the appointment, recording `reason` in the EHR.
    pub async fn cancel(&self, appointment: &str, reason: &str) -> Outcome {
        let target = match self.appointment(appointment) {
            Ok(a) => a,
            Err(e) => return Outcome::NothingChanged(e.to_string()),
        };
        let result = schedule::cancel(&self.client, &target, reason).await;
        self.outcome(&target.resource, result)
    }

    /// Finishes the half-done change.
    pub async fn finish(&self) -> Outcome {
        let Some(partial) = self.partial.borrow_mut().take() else {
            return Outcome::NothingChanged("there is no unfinished change".into());
        };
        let before = partial.before.clone();
        let result = schedule::finish(&self.client, partial).await;
        self.outcome(&before, result)
    }

    /// Undoes the half-done move: the appointment as it was.
    pub async fn undo(&self) -> Result<Visit, FhirError> {
        let partial = self
            .partial
            .borrow()
            .clone()
            .ok_or_else(|| FhirError::BadResponse("there is no unfinished change".into()))?;
        let back = schedule::undo(&self.client, &partial).await?;
        *self.partial.borrow_mut() = None;
        Ok(visit(&back.resource, &BTreeMap::new(), &BTreeMap::new()))
    }

    fn outcome(&self, before: &Appointment, result: Result<Versioned<Appointment>, ChangeError>) -> Outcome {
        let none = BTreeMap::new();
        match result {
            Ok(after) => Outcome::Done {
                before: visit(before, &none, &none),
                after: visit(&after.resource, &none, &none),
            },
            Err(ChangeError::NothingWritten(FhirError::Conflict)) => Outcome::Conflict,
            Err(ChangeError::NothingWritten(e)) => Outcome::NothingChanged(e.to_string()),
            Err(ChangeError::Partial(partial)) => {
                let half = HalfDone {
                    moved_to: partial
                        .new_slot
                        .as_ref()
                        .and_then(|_| partial.now.resource.start.as_deref().and_then(instant::parse)),
                    failed: partial.failed,
                    error: partial.error.to_string(),
                };
                *self.partial.borrow_mut() = Some(*partial);
                Outcome::HalfDone(half)
            }
        }
    }
}

/// The thread announcement of a change the EHR holds (`summary` is what other clients show).
pub fn announcement(before: &Visit, after: &Visit, summary: String) -> Command {
    Command::Appointment {
        change: AppointmentChange {
            appointment: format!("Appointment/{}", after.id),
            old_start: before.start.map(instant::format),
            new_start: (after.status != "cancelled")
                .then(|| after.start.map(instant::format))
                .flatten(),
            status: after.status.clone(),
        },
        summary,
    }
}
