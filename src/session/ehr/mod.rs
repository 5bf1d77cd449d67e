//! The clinic's EHR as staff see it: patients, next appointments, free times, the day's
//! schedule, scheduling changes and filing to the chart. FHIR resources stay in here (the
//! versions `If-Match` needs among them); screens get plain views and outcomes.

mod changes;
mod chart;
mod link;
mod records;
mod views;

pub use changes::{AppointmentChange, HalfDone, Outcome, Unfinished};
pub use chart::ChartSaved;
pub use records::RecordCheck;
pub use views::{Capability, Column, FreeTime, PatientMatch, PatientRecord, Visit, VisitStatus};

use super::error::SessionError;
use crate::api::Transport;
use crate::fhir::schedule;
use crate::fhir::schedule::Partial;
use crate::fhir::{instant, Appointment, FhirClient, Patient, Practitioner, Resource, Versioned};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use views::{bare_visit, names, visit};

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

    /// Whether the person's EHR access allows `capability` (`None`: not connected to the EHR):
    /// what Rounds offers. The EHR decides, and refuses, on every request.
    pub fn can(&self, capability: Capability) -> Option<bool> {
        let (kind, letter) = capability.scope();
        let scope = self.scope.borrow();
        scope
            .as_ref()
            .map(|scope| crate::fhir::smart::scope_allows(scope, kind, letter))
    }

    /// The patient `reference` (`Patient/<id>`) as the EHR records them.
    pub async fn patient(&self, reference: &str) -> Result<PatientRecord, SessionError> {
        let id = reference.strip_prefix("Patient/").unwrap_or(reference);
        let patient = self.client.read::<Patient>(id).await?.resource;
        let name = patient.name.first().cloned().unwrap_or_default();
        Ok(PatientRecord {
            full: name.full(),
            short: name.short(),
            mrn: patient.mrn().map(str::to_owned),
            birth_date: patient.birth_date,
        })
    }

    /// Patients whose name matches `text`.
    pub async fn find_patients(&self, text: &str) -> Result<Vec<PatientMatch>, SessionError> {
        let found = schedule::find_patients(&self.client, text).await?;
        Ok(found
            .into_iter()
            .filter_map(|p| {
                let name = p.name.first()?;
                Some(PatientMatch {
                    reference: format!("Patient/{}", p.id.clone()?),
                    short: name.short(),
                    full: name.full(),
                    birth_date: p.birth_date.clone(),
                    mrn: p.mrn().map(str::to_owned),
                })
            })
            .collect())
    }

    /// The patient's booked appointments from `from` on, soonest first.
    pub async fn upcoming(&self, patient: &str, from: u64) -> Result<Vec<Visit>, SessionError> {
        let found = schedule::upcoming(&self.client, patient, &instant::format(from)).await?;
        let visits = found.iter().map(|a| bare_visit(&a.resource)).collect();
        let mut known = self.appointments.borrow_mut();
        for a in found {
            known.insert(a.resource.id.clone().unwrap_or_default(), a);
        }
        Ok(visits)
    }

    /// Free times between `from` and `to` in the schedule of the appointment's practitioner.
    pub async fn free_times(&self, appointment: &str, from: u64, to: u64) -> Result<Vec<FreeTime>, SessionError> {
        let target = self.loaded(appointment).map_err(SessionError::Refused)?;
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
    pub async fn appointment_now(&self, now: u64) -> Result<Option<u64>, SessionError> {
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
    pub async fn day(&self, from: u64, to: u64) -> Result<Vec<Column>, SessionError> {
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
}
