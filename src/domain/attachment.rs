//! Files staff attach: what the clinic allows, checked against the bytes themselves.
//!
//! A file's name and the type the browser reports come from its extension, which anyone can
//! change. Rounds reads the first bytes (the format's signature) and sends only files whose
//! bytes are of an allowed type and agree with the type they claim; the homeserver's own upload
//! limit (`max_upload_size`) stops anything larger than it accepts.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The clinic's rules for attachments (part of [`ClinicPolicy`](super::ClinicPolicy)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRules {
    /// The largest file accepted, in bytes. Keep it at or below the homeserver's
    /// `max_upload_size`, which refuses anything larger whatever the client says.
    pub max_bytes: u64,
    /// The content types accepted (of those Rounds can recognise, see [`KNOWN_TYPES`]).
    pub types: Vec<String>,
}

impl Default for AttachmentRules {
    fn default() -> Self {
        AttachmentRules {
            max_bytes: 10 * 1024 * 1024,
            types: KNOWN_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

/// The types Rounds recognises by their bytes: photos (JPEG, PNG, WebP, GIF) and PDF documents.
pub const KNOWN_TYPES: [&str; 5] = ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"];

/// Bytes needed to recognise any of [`KNOWN_TYPES`].
pub const SNIFF_BYTES: usize = 12;

/// The content type the bytes are, by their signature; `None` if none Rounds knows.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Whether a content type is shown as a picture: one of the photo formats Rounds recognises
/// (any other, SVG say, is a file to download, never rendered).
pub fn is_image(content_type: &str) -> bool {
    KNOWN_TYPES.contains(&content_type) && content_type.starts_with("image/")
}

/// Why a file cannot be attached, in words staff can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRefusal {
    /// The file has no content.
    Empty {
        /// Its name.
        name: String,
    },
    /// Larger than the clinic allows.
    TooLarge {
        /// Its name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The clinic's limit in bytes.
        limit: u64,
    },
    /// Not a type the clinic accepts (or not one Rounds recognises).
    NotAllowed {
        /// Its name.
        name: String,
    },
    /// Its bytes are of another type than its name or the browser claims.
    Disguised {
        /// Its name.
        name: String,
        /// What it claims to be.
        claimed: String,
        /// What its bytes are.
        actual: String,
    },
}

impl fmt::Display for FileRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileRefusal::Empty { name } => write!(f, "{name} is empty: nothing to send."),
            FileRefusal::TooLarge { name, size, limit } => write!(
                f,
                "{name} is too large to send ({}; the clinic allows up to {}).",
                human_size(*size),
                human_size(*limit)
            ),
            FileRefusal::NotAllowed { name } => write!(
                f,
                "{name} cannot be sent: the clinic accepts photos (JPEG, PNG, WebP, GIF) and PDF documents only."
            ),
            FileRefusal::Disguised { name, claimed, actual } => write!(
                f,
                "{name} was not sent: it claims to be {claimed} but its content is {actual}. Check the file and attach it again."
            ),
        }
    }
}

impl AttachmentRules {
    /// The largest limit a policy may set: beyond it, files belong in the EHR's document store
    /// (and the app reads no answer over 64 MB).
    pub const MAX_LIMIT_BYTES: u64 = 50 * 1024 * 1024;

    /// Whether the rules are usable: a limit between one byte and [`Self::MAX_LIMIT_BYTES`],
    /// and only types Rounds recognises (others could never pass the content check).
    pub fn validate(&self) -> Result<(), String> {
        if self.max_bytes == 0 || self.max_bytes > Self::MAX_LIMIT_BYTES {
            return Err(format!(
                "the size limit must be between 1 byte and {}",
                human_size(Self::MAX_LIMIT_BYTES)
            ));
        }
        if let Some(unknown) = self.types.iter().find(|t| !KNOWN_TYPES.contains(&t.as_str())) {
            return Err(format!(
                "'{unknown}' cannot be recognised by its content (use {})",
                KNOWN_TYPES.join(", ")
            ));
        }
        Ok(())
    }

    /// Checks a file's size before anything else is read of it.
    pub fn check_size(&self, name: &str, size: u64) -> Result<(), FileRefusal> {
        if size == 0 {
            return Err(FileRefusal::Empty { name: name.to_owned() });
        }
        if size > self.max_bytes {
            return Err(FileRefusal::TooLarge {
                name: name.to_owned(),
                size,
                limit: self.max_bytes,
            });
        }
        Ok(())
    }

    /// Checks a file's first bytes (at least [`SNIFF_BYTES`]) against the type it `claims` (the
    /// browser's, from its extension; may be empty) and the clinic's types. Returns the content
    /// type to send it as: the one its bytes are.
    pub fn check_content(&self, name: &str, claims: &str, head: &[u8]) -> Result<&'static str, FileRefusal> {
        let actual = sniff(head);
        let claims = match claims.trim().to_ascii_lowercase() {
            // What some systems call JPEG.
            jpg if jpg == "image/jpg" || jpg == "image/pjpeg" => "image/jpeg".to_owned(),
            other => other,
        };
        match actual {
            Some(actual) if !claims.is_empty() && claims != actual => Err(FileRefusal::Disguised {
                name: name.to_owned(),
                claimed: claims,
                actual: actual.to_owned(),
            }),
            Some(actual) if self.types.iter().any(|t| t == actual) => Ok(actual),
            _ => Err(FileRefusal::NotAllowed { name: name.to_owned() }),
        }
    }
}

/// A size as staff read it: `820 bytes`, `14 KB`, `2.4 MB`.
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        // A size from someone else's message may be anything.
        let tenths = bytes.saturating_mul(10).div_ceil(MB);
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// A file picked for a reply and kept (sealed) on the device until Send: nobody else sees it
/// before the person means it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedFile {
    /// Where its bytes are kept on the device.
    pub id: String,
    /// The file's name.
    pub name: String,
    /// Its content type, as its bytes showed it.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

impl StagedFile {
    /// Whether it is shown as a picture.
    pub fn is_image(&self) -> bool {
        is_image(&self.content_type)
    }
}

/// A file in a message, as the thread shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name.
    pub name: String,
    /// Its content type.
    pub content_type: String,
    /// Its size in bytes (0 when the sender did not say).
    pub size: u64,
    /// Where the homeserver keeps it (`mxc://server/id`); empty while it is being uploaded.
    pub url: String,
}

impl Attachment {
    /// Whether it is shown as a picture.
    pub fn is_image(&self) -> bool {
        is_image(&self.content_type)
    }

    /// How it reads in plain text (audit export, chart, search).
    pub fn describe(&self) -> String {
        let kind = if self.is_image() { "Photo" } else { "File" };
        if self.size == 0 {
            format!("{kind}: {} ({})", self.name, self.content_type)
        } else {
            format!(
                "{kind}: {} ({}, {})",
                self.name,
                self.content_type,
                human_size(self.size)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    #[test]
    fn recognises_each_known_type_by_its_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(PNG), Some("image/png"));
        assert_eq!(sniff(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
        assert!(is_image("image/png") && !is_image("image/svg+xml") && !is_image("application/pdf"));
    }

    #[test]
    fn size_is_checked_against_the_clinic_limit() {
        let rules = AttachmentRules::default();
        assert_eq!(rules.check_size("a.pdf", 10 * 1024 * 1024), Ok(()));
        assert!(matches!(
            rules.check_size("a.pdf", 10 * 1024 * 1024 + 1),
            Err(FileRefusal::TooLarge { .. })
        ));
        assert!(matches!(rules.check_size("a.pdf", 0), Err(FileRefusal::Empty { .. })));
        let message = rules.check_size("scan.pdf", 11 * 1024 * 1024).unwrap_err().to_string();
        assert_eq!(
            message,
            "scan.pdf is too large to send (11 MB; the clinic allows up to 10 MB)."
        );
    }

    #[test]
    fn content_must_be_allowed_and_what_it_claims() {
        let rules = AttachmentRules::default();
        assert_eq!(rules.check_content("card.png", "image/png", PNG), Ok("image/png"));
        assert_eq!(rules.check_content("card", "", PNG), Ok("image/png"));
        assert_eq!(
            rules.check_content("card.jpg", "image/jpg", &[0xFF, 0xD8, 0xFF, 0]),
            Ok("image/jpeg")
        );
        let disguised = rules.check_content("letter.pdf", "application/pdf", PNG);
        assert!(matches!(disguised, Err(FileRefusal::Disguised { ref actual, .. }) if actual == "image/png"));
        let unknown = rules.check_content("run.pdf", "application/pdf", b"MZ\x90\0\0\0\0\0\0\0\0\0");
        assert!(matches!(unknown, Err(FileRefusal::NotAllowed { .. })));
        let pdf_only = AttachmentRules {
            types: vec!["application/pdf".into()],
            ..AttachmentRules::default()
        };
        assert!(matches!(
            pdf_only.check_content("card.png", "image/png", PNG),
            Err(FileRefusal::NotAllowed { .. })
        ));
    }

    #[test]
    fn rules_allow_only_recognisable_types_and_a_sensible_limit() {
        assert_eq!(AttachmentRules::default().validate(), Ok(()));
        let exe = AttachmentRules {
            types: vec!["application/x-msdownload".into()],
            ..AttachmentRules::default()
        };
        assert!(exe.validate().unwrap_err().contains("cannot be recognised"));
        let none = AttachmentRules {
            max_bytes: 0,
            ..AttachmentRules::default()
        };
        assert!(none.validate().is_err());
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(820), "820 bytes");
        assert_eq!(human_size(14 * 1024 - 10), "14 KB");
        assert_eq!(human_size(10 * 1024 * 1024), "10 MB");
        assert_eq!(human_size(2_400_000), "2.3 MB");
        assert!(human_size(u64::MAX).ends_with(" MB"));
    }
}
