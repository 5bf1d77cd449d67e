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

/// Pages of a search followed at most (100 entries each): a server that keeps sending `next`
/// links must not keep the app fetching for ever.
pub const MAX_PAGES: usize = 20;

/// Appointments between `from` and `to` (any status but cancelled), with their patients and
/// practitioners, for the day view.
pub async fn between<T: Transport>(client: &FhirClient<T>, from: &str, to: &str) -> Result<Bundle, FhirError> {
    let bundle = client
        .search::<Appointment>(&[
            ("date", format!("ge{from}")),
            ("date", format!("lt{to}")),
            ("_sort", "date".into()),
            ("_count", "100".into()),
            ("_include", "Appointment:patient".into()),
            ("_include", "Appointment:practitioner".into()),
        ])
        .await?;
    follow_pages(client, bundle, "the schedule for this day").await
}

/// `first` with the entries of every following page, at most [`MAX_PAGES`] pages in all; more
/// is an error naming `what`, never a silently shortened list.
async fn follow_pages<T: Transport>(
    client: &FhirClient<T>,
    mut first: Bundle,
    what: &str,
) -> Result<Bundle, FhirError> {
    for _ in 1..MAX_PAGES {
        let Some(Bundle { link, entry }) = client.next_page(&first).await? else {
            return Ok(first);
        };
        first.entry.extend(entry);
        first.link = link;
    }
    match first.next() {
        None => Ok(first),
        Some(_) => Err(FhirError::BadResponse(format!(
            "{what} has more than {MAX_PAGES} pages; it was not loaded"
        ))),
    }
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

/// The practitioner's schedule an appointment belongs to: the schedule of its current slot, or
/// else the one whose actor is the appointment's practitioner.
async fn schedule_of<T: Transport>(client: &FhirClient<T>, appointment: &Appointment) -> Result<String, FhirError> {
    if let Some(slot) = appointment.slot.first().and_then(|s| s.reference.as_deref()) {
        let id = slot.trim_start_matches("Slot/");
        if let Some(schedule) = client
            .read::<Slot>(id)
            .await?
            .resource
            .schedule
            .and_then(|s| s.reference)
        {
            return Ok(schedule);
        }
    }
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
        .ok_or_else(|| FhirError::BadResponse("the practitioner has no schedule".into()))?;
    Ok(format!("Schedule/{id}"))
}

/// Every free slot between `from` and `to` in the schedule of the appointment's practitioner,
/// soonest first, so staff can move it to any day of the coming weeks.
pub async fn free_slots<T: Transport>(
    client: &FhirClient<T>,
    appointment: &Appointment,
    from: &str,
    to: &str,
) -> Result<Vec<Versioned<Slot>>, FhirError> {
    let schedule = schedule_of(client, appointment).await?;
    let bundle = client
        .search::<Slot>(&[
            ("schedule", schedule),
            ("status", "free".into()),
            ("start", format!("ge{from}")),
            ("start", format!("lt{to}")),
            ("_sort", "start".into()),
            ("_count", "100".into()),
        ])
        .await?;
    let all = follow_pages(client, bundle, "the free times asked for").await?;
    Ok(with_versions(&all))
}

/// One write of a scheduling change, in the order they are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The appointment's new time (or its cancellation) was written.
    Appointment,
    /// The new slot was marked busy.
    TakeSlot,
    /// The appointment's previous slots were marked free.
    FreeSlots,
}

/// Why a scheduling change did not complete.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeError {
    /// Nothing was written (the appointment write itself was refused or failed).
    NothingWritten(FhirError),
    /// The appointment was written but a later step failed: the EHR holds a half-done change
    /// that staff must finish ([`finish`]) or undo ([`undo`]).
    Partial(Box<Partial>),
}

impl From<FhirError> for ChangeError {
    fn from(error: FhirError) -> Self {
        ChangeError::NothingWritten(error)
    }
}

/// A change that stopped after some of its writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// The appointment as it was before the change.
    pub before: Appointment,
    /// The appointment as it now is on the server.
    pub now: Versioned<Appointment>,
    /// The slot the appointment moved to (`None` for a cancellation).
    pub new_slot: Option<Versioned<Slot>>,
    /// What was written.
    pub done: Vec<Step>,
    /// The step that failed.
    pub failed: Step,
    /// Why.
    pub error: FhirError,
}

/// Moves an appointment to `slot`: the appointment first (failing with
/// [`ChangeError::NothingWritten`] and [`FhirError::Conflict`] if it changed since it was read),
/// then the new slot becomes busy and the old ones free. A failure after the first write is a
/// [`ChangeError::Partial`] saying exactly what was written.
pub async fn reschedule<T: Transport>(
    client: &FhirClient<T>,
    appointment: &Versioned<Appointment>,
    slot: &Versioned<Slot>,
) -> Result<Versioned<Appointment>, ChangeError> {
    let slot_id = slot
        .resource
        .id
        .clone()
        .ok_or_else(|| FhirError::BadResponse("slot without id".into()))?;
    let mut moved = appointment.resource.clone();
    moved.start = Some(slot.resource.start.clone());
    moved.end = Some(slot.resource.end.clone());
    moved.slot = vec![Reference {
        reference: Some(format!("Slot/{slot_id}")),
        display: None,
    }];
    let now = client.update(&moved, &appointment.version).await?;
    let partial = Partial {
        before: appointment.resource.clone(),
        now,
        new_slot: Some(slot.clone()),
        done: vec![Step::Appointment],
        failed: Step::TakeSlot,
        error: FhirError::Conflict,
    };
    complete(client, partial).await
}

/// Cancels an appointment (with `If-Match`), recording `reason` in the EHR, and frees its slots.
pub async fn cancel<T: Transport>(
    client: &FhirClient<T>,
    appointment: &Versioned<Appointment>,
    reason: &str,
) -> Result<Versioned<Appointment>, ChangeError> {
    let mut cancelled = appointment.resource.clone();
    cancelled.status = "cancelled".into();
    cancelled.cancelation_reason = Some(serde_json::json!({ "text": reason }));
    let now = client.update(&cancelled, &appointment.version).await?;
    let partial = Partial {
        before: appointment.resource.clone(),
        now,
        new_slot: None,
        done: vec![Step::Appointment],
        failed: Step::FreeSlots,
        error: FhirError::Conflict,
    };
    complete(client, partial).await
}

/// Finishes a half-done change: makes the writes it still lacks (reading the new slot afresh,
/// since the failed attempt may have been a conflict on it).
pub async fn finish<T: Transport>(
    client: &FhirClient<T>,
    mut partial: Partial,
) -> Result<Versioned<Appointment>, ChangeError> {
    if !partial.done.contains(&Step::TakeSlot) {
        if let Some(id) = partial.new_slot.as_ref().and_then(|s| s.resource.id.clone()) {
            match client.read::<Slot>(&id).await {
                Ok(fresh) => partial.new_slot = Some(fresh),
                Err(error) => {
                    partial.error = error;
                    return Err(ChangeError::Partial(Box::new(partial)));
                }
            }
        }
    }
    complete(client, partial).await
}

/// The steps after the appointment write that `partial` has not done yet, in order.
async fn complete<T: Transport>(
    client: &FhirClient<T>,
    mut partial: Partial,
) -> Result<Versioned<Appointment>, ChangeError> {
    if let Some(slot) = partial.new_slot.clone() {
        if !partial.done.contains(&Step::TakeSlot) {
            if let Err(error) = take(client, &slot).await {
                partial.failed = Step::TakeSlot;
                partial.error = error;
                return Err(ChangeError::Partial(Box::new(partial)));
            }
            partial.done.push(Step::TakeSlot);
        }
    }
    let new_slot_ref = partial
        .new_slot
        .as_ref()
        .and_then(|s| s.resource.id.clone())
        .map(|id| format!("Slot/{id}"));
    let old: Vec<Reference> = partial
        .before
        .slot
        .iter()
        .filter(|r| r.reference.is_some() && r.reference != new_slot_ref)
        .cloned()
        .collect();
    if !partial.done.contains(&Step::FreeSlots) {
        if let Err(error) = free(client, &old).await {
            partial.failed = Step::FreeSlots;
            partial.error = error;
            return Err(ChangeError::Partial(Box::new(partial)));
        }
        partial.done.push(Step::FreeSlots);
    }
    Ok(partial.now)
}

/// Undoes a half-done change: the appointment goes back to how it was (with `If-Match` on what
/// the change wrote) and a slot taken for it is freed again.
pub async fn undo<T: Transport>(
    client: &FhirClient<T>,
    partial: &Partial,
) -> Result<Versioned<Appointment>, FhirError> {
    let mut restored = partial.before.clone();
    restored.meta = partial.now.resource.meta.clone();
    let back = client.update(&restored, &partial.now.version).await?;
    if partial.done.contains(&Step::TakeSlot) {
        if let Some(slot) = &partial.new_slot {
            free(
                client,
                &[Reference {
                    reference: slot.resource.id.as_ref().map(|id| format!("Slot/{id}")),
                    display: None,
                }],
            )
            .await?;
        }
    }
    Ok(back)
}

/// Marks a slot busy, written against the version it was read at: a change in between is a
/// conflict, and a slot taken meanwhile is refused, never booked twice.
async fn take<T: Transport>(client: &FhirClient<T>, slot: &Versioned<Slot>) -> Result<(), FhirError> {
    if slot.resource.status != "free" {
        return Err(FhirError::Refused {
            status: 409,
            issues: vec!["that time has been taken meanwhile".into()],
        });
    }
    let mut taken = slot.resource.clone();
    taken.status = "busy".into();
    client.update(&taken, &slot.version).await?;
    Ok(())
}

async fn free<T: Transport>(client: &FhirClient<T>, slots: &[Reference]) -> Result<(), FhirError> {
    for id in slots
        .iter()
        .filter_map(|s| s.reference.as_deref()?.strip_prefix("Slot/"))
    {
        let current = client.read::<Slot>(id).await?;
        if current.resource.status == "free" {
            continue;
        }
        let mut freed = current.resource.clone();
        freed.status = "free".into();
        client.update(&freed, &current.version).await?;
    }
    Ok(())
}
