//! "Save to chart": a care-team thread filed to the patient's record in the EHR as one FHIR
//! `Communication`, found again by the thread's identifier so that saving again updates it.

use super::client::{FhirClient, FhirError};
use super::instant;
use super::resources::{Communication, Concept, FhirAttachment, Identifier, Payload, Reference};
use crate::api::{encode, Transport};

/// Identifier system of the thread's URI (RFC 3986: the value is a URI).
pub const URI_SYSTEM: &str = "urn:ietf:rfc:3986";

/// One message as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledMessage {
    /// Who wrote it (their name).
    pub author: String,
    /// When (milliseconds since the epoch).
    pub ts: u64,
    /// What it says.
    pub text: String,
    /// The file it is, if it is one.
    pub file: Option<FiledFile>,
}

/// An attached file as filed: by reference to where the homeserver keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledFile {
    /// Its name.
    pub name: String,
    /// Its content type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its authenticated download address on the homeserver.
    pub url: String,
}

/// What a clinician files: the thread, its patient, its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartEntry {
    /// The thread's `matrix:` URI ([`thread_uri`]).
    pub thread: String,
    /// `Patient/<id>`.
    pub patient: String,
    /// The patient's name as the thread shows it.
    pub patient_display: String,
    /// The thread's topic.
    pub topic: String,
    /// The messages, oldest first.
    pub messages: Vec<FiledMessage>,
    /// Who files it (`Practitioner/<id>`, from their EHR sign-in), if known.
    pub filed_by: Option<String>,
}

/// The `matrix:` URI (Matrix specification, appendix "URIs") of the thread whose root is
/// `root` in `room`: Rounds' identifier for the thread's chart record.
pub fn thread_uri(room: &str, root: &str) -> String {
    let room = room.strip_prefix('!').unwrap_or(room);
    let root = root.strip_prefix('$').unwrap_or(root);
    format!("matrix:roomid/{}/e/{}", encode(room), encode(root))
}

/// The `Communication` for `entry` (`id` and version are the server's).
pub fn communication(entry: &ChartEntry) -> Communication {
    Communication {
        resource_type: "Communication".into(),
        identifier: vec![Identifier {
            system: Some(URI_SYSTEM.into()),
            value: Some(entry.thread.clone()),
            ..Identifier::default()
        }],
        status: "completed".into(),
        category: vec![Concept {
            text: Some("Care team thread".into()),
            ..Concept::default()
        }],
        subject: Some(Reference {
            reference: Some(entry.patient.clone()),
            display: Some(entry.patient_display.clone()),
        }),
        topic: Some(Concept {
            text: Some(entry.topic.clone()),
            ..Concept::default()
        }),
        sent: entry.messages.iter().map(|m| m.ts).max().map(instant::format),
        sender: entry.filed_by.as_ref().map(|by| Reference {
            reference: Some(by.clone()),
            display: None,
        }),
        payload: entry.messages.iter().flat_map(payloads).collect(),
        ..Communication::default()
    }
}

/// A message's payloads: its text, and the file it attaches as a reference.
fn payloads(message: &FiledMessage) -> Vec<Payload> {
    let text = Payload {
        content_string: Some(format!(
            "{} · {}\n{}",
            message.author,
            instant::format(message.ts),
            message.text
        )),
        content_attachment: None,
    };
    let file = message.file.as_ref().map(|f| Payload {
        content_string: None,
        content_attachment: Some(FhirAttachment {
            content_type: Some(f.content_type.clone()),
            url: Some(f.url.clone()),
            size: (f.size > 0).then_some(f.size),
            title: Some(f.name.clone()),
        }),
    });
    std::iter::once(text).chain(file).collect()
}

/// A filed thread: its record, and whether an earlier one was updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    /// `Communication/<id>`.
    pub record: String,
    /// Whether the thread had been filed before (its record was updated, not duplicated).
    pub updated: bool,
}

/// Files `entry`: updates the thread's record its filer made if the EHR has one, creates it
/// otherwise. A record keeps its author (the EHR refuses changes by anyone else), so a
/// colleague filing the same thread files a record of their own.
pub async fn file<T: Transport>(client: &FhirClient<T>, entry: &ChartEntry) -> Result<Filed, FhirError> {
    let mut record = communication(entry);
    let mut search = vec![("identifier", format!("{URI_SYSTEM}|{}", entry.thread))];
    if let Some(by) = &entry.filed_by {
        search.push(("sender", by.clone()));
    }
    let found = client.search::<Communication>(&search).await?;
    let saved = match found.resources::<Communication>().into_iter().next() {
        Some(existing) => {
            record.id = existing.id.clone();
            let version = existing
                .meta
                .and_then(|m| m.version_id)
                .ok_or_else(|| FhirError::BadResponse("Communication without a version".into()))?;
            (client.update(&record, &version).await?, true)
        }
        None => (client.create(&record).await?, false),
    };
    let id = saved
        .0
        .resource
        .id
        .ok_or_else(|| FhirError::BadResponse("Communication without an id".into()))?;
    Ok(Filed {
        record: format!("Communication/{id}"),
        updated: saved.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_files_as_one_communication_about_its_patient() {
        let entry = ChartEntry {
            thread: thread_uri("!abc:clinic.example", "$Root/1"),
            patient: "Patient/sara-m".into(),
            patient_display: "Sara M.".into(),
            topic: "Renewal".into(),
            messages: vec![
                FiledMessage {
                    author: "Dana Brooks".into(),
                    ts: 0,
                    text: "Expires Friday".into(),
                    file: None,
                },
                FiledMessage {
                    author: "Priya Shah".into(),
                    ts: 60_000,
                    text: "Calling at 3".into(),
                    file: None,
                },
                FiledMessage {
                    author: "Priya Shah".into(),
                    ts: 90_000,
                    text: "Photo: card.png (image/png, 14 KB)".into(),
                    file: Some(FiledFile {
                        name: "card.png".into(),
                        content_type: "image/png".into(),
                        size: 14_000,
                        url: "https://matrix.clinic.example/_matrix/client/v1/media/download/clinic.example/abc".into(),
                    }),
                },
            ],
            filed_by: Some("Practitioner/priya".into()),
        };
        assert_eq!(entry.thread, "matrix:roomid/abc%3Aclinic.example/e/Root%2F1");
        let json = serde_json::to_value(communication(&entry)).unwrap();
        assert_eq!(json["resourceType"], "Communication");
        assert_eq!(json["subject"]["reference"], "Patient/sara-m");
        assert_eq!(json["sender"]["reference"], "Practitioner/priya");
        assert_eq!(json["sent"], "1970-01-01T00:01:30Z");
        assert_eq!(json["identifier"][0]["system"], URI_SYSTEM);
        assert_eq!(
            json["payload"][1]["contentString"],
            "Priya Shah · 1970-01-01T00:01:00Z\nCalling at 3"
        );
        // The photo: its description, then the file itself by reference.
        assert_eq!(
            json["payload"][2]["contentString"],
            "Priya Shah · 1970-01-01T00:01:30Z\nPhoto: card.png (image/png, 14 KB)"
        );
        let file = &json["payload"][3]["contentAttachment"];
        assert_eq!(file["contentType"], "image/png");
        assert_eq!(file["title"], "card.png");
        assert_eq!(file["size"], 14_000);
        assert!(file["url"]
            .as_str()
            .unwrap()
            .ends_with("/_matrix/client/v1/media/download/clinic.example/abc"));
        assert!(json.get("id").is_none());
    }
}
