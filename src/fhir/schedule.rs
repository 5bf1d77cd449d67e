//! Patient context and scheduling changes through the FHIR client.
//!
//! Changes go to the FHIR server first (appointment with `If-Match`, then its slots); only a
//! change the server accepted is announced in a thread, so nothing false is ever posted.

use super::client::{FhirClient, FhirError, Versioned};
use super::resources::{Appointment, Bundle, Patient, Practitioner, Reference, Resource, Schedule, Slot};
use crate::api::Transport;

/// Patients whose name matches `text` (the server folds case and accents).
pub async fn find_patients<T: Transport>(client: &FhirClient<T>, text: &str) -> Result<Vec<Patient>, FhirError> {
    let bundle = client
        .search::<Patient>(&[("name", text.to_owned()), ("_count", "10".into())])
        .await?;
    Ok(bundle.resources())
}

/// Booked appointments of `patient` (`Patient/x`) from `from` on, soonest first, with versions.
pub async fn upcoming<T: Transport>(
    client: &FhirClient<T>,
    patient: &str,
    from: &str,
) -> Result<Vec<Versioned<Appointment>>, FhirError> {
    let bundle = client
        .search::<Appointment>(&[
            ("patient", patient.to_owned()),
            ("date", format!("ge{from}")),
            ("status", "booked".into()),
            ("_sort", "date".into()),
            ("_count", "10".into()),
        ])
        .await?;
    Ok(with_versions(&bundle))
}

/// Appointments between `from` and `to` (any status but cancelled), with their patients and
/// practitioners, for the day view.
pub async fn between<T: Transport>(client: &FhirClient<T>, from: &str, to: &str) -> Result<Bundle, FhirError> {
    let mut bundle = client
        .search::<Appointment>(&[
            ("date", format!("ge{from}")),
            ("date", format!("lt{to}")),
            ("_sort", "date".into()),
            ("_count", "100".into()),
            ("_include", "Appointment:patient".into()),
            ("_include", "Appointment:practitioner".into()),
        ])
        .await?;
    while let Some(next) = client.next_page(&bundle).await? {
        let Bundle { link, entry } = next;
        bundle.entry.extend(entry);
        bundle.link = link;
    }
    Ok(bundle)
}

fn with_versions<R: Resource>(bundle: &Bundle) -> Vec<Versioned<R>> {
    bundle
        .resources::<R>()
        .into_iter()
        .filter_map(|r| {
            let version = serde_json::to_value(&r)
                .ok()?
                .pointer("/meta/versionId")?
                .as_str()?
                .to_owned();
            Some(Versioned { resource: r, version })
        })
        .collect()
}

/// Free slots from `from` on in the schedule of the appointment's practitioner.
pub async fn free_slots<T: Transport>(
    client: &FhirClient<T>,
    appointment: &Appointment,
    from: &str,
    count: u32,
) -> Result<Vec<Versioned<Slot>>, FhirError> {
    let schedule = match appointment.slot.first().and_then(|s| s.reference.as_deref()) {
        // The practitioner's schedule is the one the current slot belongs to.
        Some(slot) => {
            let id = slot.trim_start_matches("Slot/");
            client
                .read::<Slot>(id)
                .await?
                .resource
                .schedule
                .and_then(|s| s.reference)
        }
        None => None,
    };
    let schedule = match schedule {
        Some(s) => s,
        None => {
            let practitioner = appointment
                .actor(Practitioner::TYPE)
                .and_then(|a| a.reference.clone())
                .ok_or_else(|| FhirError::BadResponse("the appointment has no practitioner".into()))?;
            let schedules = client
                .search::<Schedule>(&[("actor", practitioner)])
                .await?
                .resources::<Schedule>();
            let id = schedules
                .first()
                .and_then(|s| s.id.clone())
                .ok_or_else(|| FhirError::BadResponse("no schedule".into()))?;
            format!("Schedule/{id}")
        }
    };
    let bundle = client
        .search::<Slot>(&[
            ("schedule", schedule),
            ("status", "free".into()),
            ("start", format!("ge{from}")),
            ("_sort", "start".into()),
            ("_count", count.to_string()),
        ])
        .await?;
    Ok(with_versions(&bundle))
}

/// Moves an appointment to `slot`: the appointment first (failing with
/// [`FhirError::Conflict`] if it changed since it was read), then the new slot becomes busy and
/// the old ones free.
pub async fn reschedule<T: Transport>(
    client: &FhirClient<T>,
    appointment: &Versioned<Appointment>,
    slot: &Versioned<Slot>,
) -> Result<Versioned<Appointment>, FhirError> {
    let slot_id = slot
        .resource
        .id
        .clone()
        .ok_or_else(|| FhirError::BadResponse("slot without id".into()))?;
    let mut moved = appointment.resource.clone();
    moved.start = Some(slot.resource.start.clone());
    moved.end = Some(slot.resource.end.clone());
    let old_slots = std::mem::replace(
        &mut moved.slot,
        vec![Reference {
            reference: Some(format!("Slot/{slot_id}")),
            display: None,
        }],
    );
    let updated = client.update(&moved, &appointment.version).await?;
    let mut taken = slot.resource.clone();
    taken.status = "busy".into();
    client.update(&taken, &slot.version).await?;
    free(client, &old_slots).await?;
    Ok(updated)
}

/// Cancels an appointment (with `If-Match`) and frees its slots.
pub async fn cancel<T: Transport>(
    client: &FhirClient<T>,
    appointment: &Versioned<Appointment>,
) -> Result<Versioned<Appointment>, FhirError> {
    let mut cancelled = appointment.resource.clone();
    cancelled.status = "cancelled".into();
    let updated = client.update(&cancelled, &appointment.version).await?;
    free(client, &appointment.resource.slot).await?;
    Ok(updated)
}

async fn free<T: Transport>(client: &FhirClient<T>, slots: &[Reference]) -> Result<(), FhirError> {
    for id in slots
        .iter()
        .filter_map(|s| s.reference.as_deref()?.strip_prefix("Slot/"))
    {
        let current = client.read::<Slot>(id).await?;
        let mut freed = current.resource.clone();
        freed.status = "free".into();
        client.update(&freed, &current.version).await?;
    }
    Ok(())
}
