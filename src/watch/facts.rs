//! What an EHR resource says that needs someone's work (a missed visit, a cancellation by the
//! patient, a new referral), and whether a later change shows that work done. Pure: resources
//! in, facts out.

use super::changes::Changed;
use crate::domain::WatchKind;
use crate::fhir::{instant, Appointment, Resource, ServiceRequest};
use serde::{Deserialize, Serialize};

/// The code system of `Appointment.cancelationReason` whose codes `pat…` name the patient.
const CANCELLATION_REASONS: &str = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason";

/// One EHR fact that needs work: one thread, whatever happens after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What kind of work.
    pub kind: WatchKind,
    /// The resource it is about (`Appointment/maya-r-1`): with the kind, the fact's identity.
    pub resource: String,
    /// The resource's version that showed it.
    pub version: String,
    /// The patient (`Patient/maya-r`).
    pub patient: String,
    /// The service (`Speech-language pathology`), so that a booking for the same one resolves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// When the visit was (a FHIR instant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// When the EHR recorded the fact (the version's `lastUpdated`, epoch ms).
    pub seen_at: u64,
}

impl Fact {
    /// The fact's identity, whatever its version: `missed-visit Appointment/maya-r-1`.
    pub fn key(&self) -> String {
        format!("{} {}", self.kind.id(), self.resource)
    }
}

/// What showed a fact's work done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// A visit was booked (starting then, if the EHR says).
    Booked {
        /// Its start (a FHIR instant).
        start: Option<String>,
    },
    /// The referral was closed in the EHR (`completed`, `revoked`, …).
    ReferralClosed {
        /// Its new status.
        status: String,
    },
}

/// The fact `changed` shows, if any.
pub fn fact_of(changed: &Changed) -> Option<Fact> {
    match changed {
        Changed::Appointment(a) => appointment_fact(a),
        Changed::Referral(r) => referral_fact(r),
    }
}

/// Whether `changed`, read after `fact` was recorded, shows its work done, and how.
pub fn resolution(fact: &Fact, changed: &Changed) -> Option<Done> {
    let booked = |a: &Appointment| Done::Booked { start: a.start.clone() };
    match (fact.kind, changed) {
        (WatchKind::MissedVisit | WatchKind::PatientCancelled, Changed::Appointment(a)) => {
            resolves(fact, a).then(|| booked(a))
        }
        (WatchKind::NewReferral, Changed::Appointment(a)) => booked_since(fact, a).then(|| booked(a)),
        (WatchKind::NewReferral, Changed::Referral(r)) => {
            let same = r
                .id()
                .is_some_and(|id| fact.resource == format!("{}/{id}", ServiceRequest::TYPE));
            (same && CLOSED_REFERRAL.contains(&r.status.as_str())).then(|| Done::ReferralClosed {
                status: r.status.clone(),
            })
        }
        _ => None,
    }
}

/// Referral statuses that end the follow-up.
const CLOSED_REFERRAL: [&str; 3] = ["completed", "revoked", "entered-in-error"];
/// Referral intents that ask the clinic for a service.
const REFERRAL_INTENTS: [&str; 3] = ["proposal", "order", "original-order"];

/// The fact `referral` shows, if any: a referral the clinic has to follow up.
fn referral_fact(referral: &ServiceRequest) -> Option<Fact> {
    if referral.status != "active" || !REFERRAL_INTENTS.contains(&referral.intent.as_str()) {
        return None;
    }
    let meta = referral.meta.as_ref()?;
    let code = referral.code.as_ref();
    Some(Fact {
        kind: WatchKind::NewReferral,
        resource: format!("{}/{}", ServiceRequest::TYPE, referral.id()?),
        version: meta.version_id.clone()?,
        patient: referral.subject.as_ref()?.reference.clone()?,
        service: code.and_then(|c| c.text.clone()),
        start: None,
        seen_at: meta.last_updated.as_deref().and_then(instant::parse)?,
    })
}

/// The fact `appointment` shows, if any: a visit the patient missed or cancelled.
fn appointment_fact(appointment: &Appointment) -> Option<Fact> {
    let kind = match appointment.status.as_str() {
        "noshow" => WatchKind::MissedVisit,
        "cancelled" if cancelled_by_patient(appointment) => WatchKind::PatientCancelled,
        _ => return None,
    };
    let meta = appointment.meta.as_ref()?;
    Some(Fact {
        kind,
        resource: format!("{}/{}", Appointment::TYPE, appointment.id()?),
        version: meta.version_id.clone()?,
        patient: appointment.actor("Patient")?.reference.clone()?,
        service: service(appointment),
        start: appointment.start.clone(),
        seen_at: meta.last_updated.as_deref().and_then(instant::parse)?,
    })
}

/// Whether `appointment` is a visit for the fact's patient booked since the fact.
fn booked_since(fact: &Fact, appointment: &Appointment) -> bool {
    appointment.status == "booked"
        && appointment
            .meta
            .as_ref()
            .and_then(|m| m.last_updated.as_deref())
            .and_then(instant::parse)
            .is_some_and(|at| at > fact.seen_at)
        && appointment.actor("Patient").and_then(|a| a.reference.as_deref()) == Some(fact.patient.as_str())
}

/// Whether `appointment`, changed after `fact` was recorded, shows a missed or cancelled visit
/// made up: one for the same patient and service booked since, starting after it.
fn resolves(fact: &Fact, appointment: &Appointment) -> bool {
    let later = match (
        appointment.start.as_deref().and_then(instant::parse),
        fact.start.as_deref().and_then(instant::parse),
    ) {
        (Some(new), Some(old)) => new > old,
        (Some(_), None) => true,
        (None, _) => false,
    };
    booked_since(fact, appointment) && later && (fact.service.is_none() || service(appointment) == fact.service)
}

fn cancelled_by_patient(appointment: &Appointment) -> bool {
    let Some(reason) = &appointment.cancelation_reason else {
        return false;
    };
    reason["coding"].as_array().is_some_and(|codings| {
        codings.iter().any(|c| {
            c["system"].as_str() == Some(CANCELLATION_REASONS)
                && c["code"].as_str().is_some_and(|code| code.starts_with("pat"))
        })
    })
}

fn service(appointment: &Appointment) -> Option<String> {
    let concept = appointment.service_type.first()?;
    concept.text.clone().or_else(|| concept.coding.first()?.code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn appointment(status: &str, version: &str, updated: &str, start: &str, extra: serde_json::Value) -> Appointment {
        let mut resource = json!({
            "resourceType": "Appointment", "id": "maya-r-1", "status": status, "start": start,
            "meta": { "versionId": version, "lastUpdated": updated },
            "serviceType": [{ "text": "Speech-language pathology" }],
            "participant": [
                { "actor": { "reference": "Patient/maya-r" } },
                { "actor": { "reference": "Practitioner/jordan" } }
            ]
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            resource[k] = v;
        }
        serde_json::from_value(resource).expect("an appointment")
    }

    fn missed() -> Fact {
        appointment_fact(&appointment(
            "noshow",
            "3",
            "2026-12-08T15:00:00Z",
            "2026-12-08T14:00:00Z",
            json!({}),
        ))
        .expect("a missed visit")
    }

    #[test]
    fn a_noshow_is_a_missed_visit_keyed_by_its_resource() {
        let fact = missed();
        assert_eq!(fact.kind, WatchKind::MissedVisit);
        assert_eq!(fact.key(), "missed-visit Appointment/maya-r-1");
        assert_eq!((fact.version.as_str(), fact.patient.as_str()), ("3", "Patient/maya-r"));
        assert_eq!(fact.service.as_deref(), Some("Speech-language pathology"));
    }

    #[test]
    fn only_a_cancellation_by_the_patient_is_a_fact() {
        let by = |code: &str| json!({ "cancelationReason": { "coding": [{ "system": CANCELLATION_REASONS, "code": code }] } });
        let at = ("2", "2026-12-08T15:00:00Z", "2026-12-09T14:00:00Z");
        let patient = appointment_fact(&appointment("cancelled", at.0, at.1, at.2, by("pat-crs")));
        assert_eq!(patient.map(|f| f.kind), Some(WatchKind::PatientCancelled));
        assert_eq!(
            appointment_fact(&appointment("cancelled", at.0, at.1, at.2, by("prov"))),
            None
        );
        let free_text = json!({ "cancelationReason": { "text": "patient is ill" } });
        assert_eq!(
            appointment_fact(&appointment("cancelled", at.0, at.1, at.2, free_text)),
            None
        );
        assert_eq!(
            appointment_fact(&appointment("booked", at.0, at.1, at.2, json!({}))),
            None
        );
    }

    #[test]
    fn a_later_booking_for_the_same_patient_and_service_resolves_it() {
        let fact = missed();
        let booked = |updated: &str, start: &str, extra| appointment("booked", "1", updated, start, extra);
        assert!(resolves(
            &fact,
            &booked("2026-12-08T16:00:00Z", "2026-12-10T14:00:00Z", json!({}))
        ));
        // Booked before the miss was recorded: the patient's next regular visit, not a new one.
        assert!(!resolves(
            &fact,
            &booked("2026-12-01T16:00:00Z", "2026-12-10T14:00:00Z", json!({}))
        ));
        // Earlier than the visit missed.
        assert!(!resolves(
            &fact,
            &booked("2026-12-08T16:00:00Z", "2026-12-01T14:00:00Z", json!({}))
        ));
        // Another service, another patient.
        let other_service = json!({ "serviceType": [{ "text": "Occupational therapy" }] });
        assert!(!resolves(
            &fact,
            &booked("2026-12-08T16:00:00Z", "2026-12-10T14:00:00Z", other_service)
        ));
        let other_patient = json!({ "participant": [{ "actor": { "reference": "Patient/sara-m" } }] });
        assert!(!resolves(
            &fact,
            &booked("2026-12-08T16:00:00Z", "2026-12-10T14:00:00Z", other_patient)
        ));
        // The missed visit itself moved to a new time counts (Reschedule in the thread does that).
        let moved = appointment("booked", "4", "2026-12-08T16:00:00Z", "2026-12-10T14:00:00Z", json!({}));
        assert!(resolves(&fact, &moved));
    }

    fn referral(status: &str, intent: &str, version: &str, updated: &str) -> ServiceRequest {
        serde_json::from_value(json!({
            "resourceType": "ServiceRequest", "id": "ref-1", "status": status, "intent": intent,
            "meta": { "versionId": version, "lastUpdated": updated },
            "subject": { "reference": "Patient/maya-r" },
            "code": { "text": "Speech-language evaluation" }
        }))
        .expect("a service request")
    }

    #[test]
    fn an_active_referral_is_a_fact_until_a_visit_is_booked_or_it_is_closed() {
        let fact = fact_of(&Changed::Referral(referral(
            "active",
            "order",
            "1",
            "2026-12-08T15:00:00Z",
        )))
        .expect("a new referral");
        assert_eq!(fact.key(), "new-referral ServiceRequest/ref-1");
        assert_eq!(fact.service.as_deref(), Some("Speech-language evaluation"));
        for (status, intent) in [("draft", "order"), ("active", "plan"), ("completed", "order")] {
            assert_eq!(
                fact_of(&Changed::Referral(referral(
                    status,
                    intent,
                    "1",
                    "2026-12-08T15:00:00Z"
                ))),
                None
            );
        }
        // Any visit for the patient booked since, whatever its service.
        let visit = appointment("booked", "1", "2026-12-08T16:00:00Z", "2026-12-10T14:00:00Z", json!({}));
        assert_eq!(
            resolution(&fact, &Changed::Appointment(visit)),
            Some(Done::Booked {
                start: Some("2026-12-10T14:00:00Z".into())
            })
        );
        let closed = referral("revoked", "order", "2", "2026-12-08T17:00:00Z");
        assert_eq!(
            resolution(&fact, &Changed::Referral(closed)),
            Some(Done::ReferralClosed {
                status: "revoked".into()
            })
        );
        assert_eq!(
            resolution(
                &fact,
                &Changed::Referral(referral("active", "order", "2", "2026-12-08T17:00:00Z"))
            ),
            None
        );
        // A booking does not close a missed visit of another patient's referral kind, and a
        // referral's change never resolves a missed visit.
        assert_eq!(
            resolution(
                &missed(),
                &Changed::Referral(referral("completed", "order", "2", "2026-12-09T00:00:00Z"))
            ),
            None
        );
    }

    #[test]
    fn a_resource_without_version_or_patient_is_no_fact() {
        let mut no_version = appointment("noshow", "3", "2026-12-08T15:00:00Z", "2026-12-08T14:00:00Z", json!({}));
        no_version.meta = None;
        assert_eq!(appointment_fact(&no_version), None);
        let no_patient = appointment(
            "noshow",
            "3",
            "2026-12-08T15:00:00Z",
            "2026-12-08T14:00:00Z",
            json!({ "participant": [] }),
        );
        assert_eq!(appointment_fact(&no_patient), None);
    }
}
