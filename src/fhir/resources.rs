//! The FHIR R4 resources Rounds reads and writes, with only the elements it uses. Unknown
//! elements are kept (`extra`) so that an update never drops what another system wrote.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A resource type with its REST name.
pub trait Resource: Serialize + for<'de> Deserialize<'de> + Clone {
    /// `Patient`, `Appointment`, …
    const TYPE: &'static str;
    /// The logical id.
    fn id(&self) -> Option<&str>;
}

/// `Meta` (the version id is what `If-Match` is built from).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Server-assigned version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// When the server last changed it (a FHIR instant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Reference`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `Patient/123`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Text for the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `HumanName`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HumanName {
    /// Full text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

impl HumanName {
    /// `Sara Martinez`.
    pub fn full(&self) -> String {
        self.text.clone().unwrap_or_else(|| {
            let mut parts = self.given.clone();
            parts.extend(self.family.clone());
            parts.join(" ")
        })
    }

    /// `Sara M.` — how staff refer to patients in threads.
    pub fn short(&self) -> String {
        match (self.given.first(), &self.family) {
            (Some(given), Some(family)) => {
                format!(
                    "{given} {}.",
                    family.chars().next().map(String::from).unwrap_or_default()
                )
            }
            _ => self.full(),
        }
    }
}

/// `Identifier`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// What kind of identifier (a medical record number is coded `MR`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<Concept>,
    /// Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

macro_rules! resource {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// This resource's type (as read from the server).
            #[serde(default)]
            pub resource_type: String,
            /// Logical id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub id: Option<String>,
            /// Version and more.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub meta: Option<Meta>,
            $($(#[$fdoc])* #[serde(default, skip_serializing_if = "Empty::is_empty")] pub $field: $ty,)*
            /// Elements Rounds does not use, kept as they are.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        impl Resource for $name {
            const TYPE: &'static str = stringify!($name);
            fn id(&self) -> Option<&str> {
                self.id.as_deref()
            }
        }
    };
}

/// FHIR forbids `null` and empty arrays: such elements are left out when writing.
trait Empty {
    fn is_empty(&self) -> bool;
}

impl<T> Empty for Option<T> {
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}

impl<T> Empty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl Empty for String {
    fn is_empty(&self) -> bool {
        String::is_empty(self)
    }
}

resource!(
    /// `Patient`.
    Patient {
        /// Identifiers (the medical record number among them, where the EHR has one).
        identifier: Vec<Identifier>,
        /// Names.
        name: Vec<HumanName>,
        /// Date of birth (`YYYY-MM-DD`).
        birth_date: Option<String>,
    }
);

/// The HL7 v2 identifier type of a medical record number.
const MEDICAL_RECORD_NUMBER: &str = "MR";

impl Patient {
    /// The medical record number (the identifier typed `MR`), where the EHR has one.
    pub fn mrn(&self) -> Option<&str> {
        let is_mrn = |kind: &Concept| {
            kind.coding
                .iter()
                .any(|c| c.code.as_deref() == Some(MEDICAL_RECORD_NUMBER))
        };
        self.identifier
            .iter()
            .find(|i| i.kind.as_ref().is_some_and(is_mrn))
            .and_then(|i| i.value.as_deref())
    }
}

resource!(
    /// `Practitioner`.
    Practitioner {
        /// Names.
        name: Vec<HumanName>,
        /// Identifiers (Rounds looks for the Matrix user id).
        identifier: Vec<Identifier>,
    }
);

resource!(
    /// `PractitionerRole`.
    PractitionerRole {
        /// The practitioner.
        practitioner: Option<Reference>,
    }
);

resource!(
    /// `Schedule`.
    Schedule {
        /// Whose schedule.
        actor: Vec<Reference>,
    }
);

resource!(
    /// `Slot`.
    Slot {
        /// The schedule.
        schedule: Option<Reference>,
        /// `free`, `busy`, …
        status: String,
        /// Start instant.
        start: String,
        /// End instant.
        end: String,
    }
);

/// An `Appointment.participant`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Reference>,
    /// Everything else (status, type, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

resource!(
    /// `Appointment`.
    Appointment {
        /// `booked`, `cancelled`, …
        status: String,
        /// Start instant.
        start: Option<String>,
        /// End instant.
        end: Option<String>,
        /// The slots it takes.
        slot: Vec<Reference>,
        /// Patient, practitioner, …
        participant: Vec<Participant>,
        /// Why it was cancelled (a CodeableConcept; Rounds writes its `text`).
        cancelation_reason: Option<Value>,
        /// The service (`Speech-language pathology`).
        service_type: Vec<Concept>,
    }
);

impl Appointment {
    /// The participant whose reference starts with `Patient/` or `Practitioner/`.
    pub fn actor(&self, resource_type: &str) -> Option<&Reference> {
        self.participant.iter().filter_map(|p| p.actor.as_ref()).find(|a| {
            a.reference
                .as_deref()
                .is_some_and(|r| r.starts_with(&format!("{resource_type}/")))
        })
    }
}

resource!(
    /// `ServiceRequest`: a referral or an order for a service.
    ServiceRequest {
        /// `active`, `completed`, `revoked`, …
        status: String,
        /// `order`, `proposal`, …
        intent: String,
        /// Whom it is for (`Patient/…`).
        subject: Option<Reference>,
        /// What is asked for.
        code: Option<Concept>,
        /// Who asked for it.
        requester: Option<Reference>,
    }
);

/// A `CodeableConcept` (Rounds writes its text only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concept {
    /// Codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A `Coding`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    /// The code system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A `Communication.payload`: one message's text, or a reference to an attached file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_string: Option<String>,
    /// A file, by reference (its bytes stay on the homeserver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_attachment: Option<FhirAttachment>,
}

/// A FHIR `Attachment` given by `url` (not inline data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FhirAttachment {
    /// Its content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Where it can be read (with a homeserver access token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Its file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

resource!(
    /// `Communication`: a care-team thread filed to a patient's chart.
    Communication {
        /// Business identifiers (Rounds': the thread's `matrix:` URI).
        identifier: Vec<Identifier>,
        /// `completed` once filed.
        status: String,
        /// Kind of communication.
        category: Vec<Concept>,
        /// The patient.
        subject: Option<Reference>,
        /// What it is about (the thread's topic).
        topic: Option<Concept>,
        /// When the newest message filed was sent.
        sent: Option<String>,
        /// Who filed it.
        sender: Option<Reference>,
        /// The messages, one payload each.
        payload: Vec<Payload>,
    }
);

/// One issue of an `OperationOutcome`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// `error`, `warning`, …
    #[serde(default)]
    pub severity: String,
    /// `invalid`, `not-found`, …
    #[serde(default)]
    pub code: String,
    /// Human-readable detail.
    #[serde(default)]
    pub diagnostics: Option<String>,
    /// Coded detail text.
    #[serde(default)]
    pub details: Option<Value>,
}

impl Issue {
    /// The most readable text of the issue.
    pub fn text(&self) -> String {
        self.diagnostics
            .clone()
            .or_else(|| self.details.as_ref()?.get("text")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| self.code.clone())
    }
}

/// `OperationOutcome`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationOutcome {
    /// Issues.
    #[serde(default)]
    pub issue: Vec<Issue>,
}

/// A `Bundle` link (`self`, `next`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Relation.
    pub relation: String,
    /// URL.
    pub url: String,
}

/// A `Bundle` entry: resources stay JSON until the caller picks their type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The resource.
    #[serde(default)]
    pub resource: Option<Value>,
}

/// A search result `Bundle`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Links.
    #[serde(default)]
    pub link: Vec<Link>,
    /// Entries (matches and `_include`d resources).
    #[serde(default)]
    pub entry: Vec<Entry>,
}

impl Bundle {
    /// The resources of type `R` (skipping others and malformed ones).
    pub fn resources<R: Resource>(&self) -> Vec<R> {
        self.entry
            .iter()
            .filter_map(|e| e.resource.as_ref())
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(R::TYPE))
            .filter_map(|r| serde_json::from_value(r.clone()).ok())
            .collect()
    }

    /// The `next` page URL.
    pub fn next(&self) -> Option<&str> {
        self.link.iter().find(|l| l.relation == "next").map(|l| l.url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_number_is_the_identifier_typed_mr() {
        let patient: Patient = serde_json::from_value(serde_json::json!({
            "resourceType": "Patient",
            "identifier": [
                { "system": "urn:other", "value": "X-1" },
                { "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }] },
                  "system": "https://clinic.example/mrn", "value": "RT-1001" }
            ],
            "name": []
        }))
        .unwrap();
        assert_eq!(patient.mrn(), Some("RT-1001"));
        let without: Patient = serde_json::from_value(
            serde_json::json!({ "resourceType": "Patient", "identifier": [{ "value": "X-1" }] }),
        )
        .unwrap();
        assert_eq!(without.mrn(), None);
    }
}
