//! Attachments: checking a file against the clinic's rules, queueing it with its bytes, and
//! reading attached files back from the homeserver.

use super::service::Session;
use crate::api::{MediaId, ThumbnailSize, Transport};
use crate::domain::attachment::SNIFF_BYTES;
use crate::store::LocalStore;
use crate::sync::{Command, Platform};

/// The size photos are shown at in a thread (the homeserver scales them to fit).
const THUMBNAIL: ThumbnailSize = ThumbnailSize {
    width: 320,
    height: 240,
};

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// Whether a file of `size` bytes may be attached (checked before it is read).
    pub fn check_file_size(&self, name: &str, size: u64) -> Result<(), String> {
        self.policy()
            .attachments
            .check_size(name, size)
            .map_err(|r| r.to_string())
    }

    /// Attaches `data` (a file called `name`, which the browser says is `claims`) to the thread
    /// `root` of `room`: checked against the clinic's size and type rules and its own bytes,
    /// then queued with them, so it goes out once even after a reload or offline.
    pub async fn attach(&self, room: &str, root: &str, name: &str, claims: &str, data: &[u8]) -> Result<(), String> {
        let rules = self.policy().attachments;
        rules.check_size(name, data.len() as u64).map_err(|r| r.to_string())?;
        let head = &data[..data.len().min(SNIFF_BYTES)];
        let content_type = rules.check_content(name, claims, head).map_err(|r| r.to_string())?;
        let command = Command::Attach {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size: data.len() as u64,
        };
        let latest = self.latest(room, root);
        self.queue()
            .queue_file(room, root, &latest, &command, data)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// An attached file's bytes (`thumbnail`: a photo scaled for the thread, or the file itself
    /// when the homeserver has no thumbnail), read with the session's token.
    pub async fn media(&self, uri: &str, thumbnail: bool) -> Result<Vec<u8>, String> {
        let media = MediaId::parse(uri).ok_or("The file's address is not valid.")?;
        let client = self.client();
        if thumbnail {
            if let Ok(bytes) = client.thumbnail(&media, THUMBNAIL).await {
                return Ok(bytes);
            }
        }
        client.download_media(&media).await.map_err(|e| match e.status() {
            Some(404) => "The file is no longer available (it may have been retracted).".to_owned(),
            _ => format!("The file could not be loaded: {e}"),
        })
    }
}
