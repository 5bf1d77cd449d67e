//! What the watch reads of the EHR: the resources of each type it follows changed since a
//! checkpoint (FHIR search by `_lastUpdated`, oldest change first, every page).

use crate::api::Transport;
use crate::fhir::{instant, Appointment, FhirClient, FhirError, Resource, ServiceRequest};

/// Changes read per page (the EHR's largest page).
const PAGE: usize = 100;

/// A resource type the watch follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// Appointments (missed visits, cancellations, bookings).
    Appointments,
    /// Service requests (referrals).
    Referrals,
}

impl Followed {
    /// Every type the watch follows.
    pub const ALL: [Followed; 2] = [Followed::Appointments, Followed::Referrals];

    /// Its FHIR type (`Appointment`): the record's checkpoints are keyed by it.
    pub fn resource_type(self) -> &'static str {
        match self {
            Followed::Appointments => Appointment::TYPE,
            Followed::Referrals => ServiceRequest::TYPE,
        }
    }
}

/// One changed resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Changed {
    /// A visit.
    Appointment(Appointment),
    /// A referral or order.
    Referral(ServiceRequest),
}

impl Changed {
    /// The followed type it is of.
    pub fn followed(&self) -> Followed {
        match self {
            Changed::Appointment(_) => Followed::Appointments,
            Changed::Referral(_) => Followed::Referrals,
        }
    }

    /// `Appointment/1/_history/2`: this version of it.
    pub fn version_key(&self) -> String {
        format!(
            "{}/{}/_history/{}",
            self.followed().resource_type(),
            self.id().unwrap_or_default(),
            self.meta().and_then(|m| m.version_id.as_deref()).unwrap_or_default()
        )
    }

    /// When the EHR changed it (its `lastUpdated`, as written).
    pub fn last_updated(&self) -> Option<&str> {
        self.meta()?.last_updated.as_deref()
    }

    /// [`Changed::last_updated`] in epoch milliseconds.
    pub fn updated_ms(&self) -> Option<u64> {
        self.last_updated().and_then(instant::parse)
    }

    /// The patient it is about (`Patient/…`).
    pub fn patient(&self) -> Option<&str> {
        match self {
            Changed::Appointment(a) => a.actor("Patient")?.reference.as_deref(),
            Changed::Referral(r) => r.subject.as_ref()?.reference.as_deref(),
        }
    }

    fn id(&self) -> Option<&str> {
        match self {
            Changed::Appointment(a) => a.id(),
            Changed::Referral(r) => r.id(),
        }
    }

    fn meta(&self) -> Option<&crate::fhir::resources::Meta> {
        match self {
            Changed::Appointment(a) => a.meta.as_ref(),
            Changed::Referral(r) => r.meta.as_ref(),
        }
    }
}

/// Every resource of the `followed` type changed at or after `since`, oldest change first. (`ge`,
/// not `gt`: two changes in the same instant are both read; what was read already is
/// recognised by its version.)
pub async fn changed_since<T: Transport>(
    ehr: &FhirClient<T>,
    followed: Followed,
    since: &str,
) -> Result<Vec<Changed>, FhirError> {
    Ok(match followed {
        Followed::Appointments => read::<T, Appointment>(ehr, since)
            .await?
            .into_iter()
            .map(Changed::Appointment)
            .collect(),
        Followed::Referrals => read::<T, ServiceRequest>(ehr, since)
            .await?
            .into_iter()
            .map(Changed::Referral)
            .collect(),
    })
}

async fn read<T: Transport, R: Resource>(ehr: &FhirClient<T>, since: &str) -> Result<Vec<R>, FhirError> {
    let params = [
        ("_lastUpdated", format!("ge{since}")),
        ("_sort", "_lastUpdated".to_owned()),
        ("_count", PAGE.to_string()),
    ];
    let mut page = ehr.search::<R>(&params).await?;
    let mut all = page.resources::<R>();
    while let Some(next) = ehr.next_page(&page).await? {
        all.extend(next.resources::<R>());
        page = next;
    }
    Ok(all)
}
