//! Attachments: checking a file against the clinic's rules, queueing it with its bytes, and
//! reading attached files back from the homeserver.

use super::error::SessionError;
use super::thread::ThreadHandle;
use super::Session;
use crate::api::{MediaId, ThumbnailSize, Transport};
use crate::domain::attachment::SNIFF_BYTES;
use crate::store::LocalStore;
use crate::sync::{Command, Platform};

/// The size photos are shown at in a thread (the homeserver scales them to fit).
const THUMBNAIL: ThumbnailSize = ThumbnailSize {
    width: 320,
    height: 240,
};

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// Whether a file of `size` bytes may be attached (checked before it is read): the
    /// refusal, in words, if not.
    pub fn check_file_size(&self, name: &str, size: u64) -> Result<(), SessionError> {
        let rules = self.core.policy().attachments;
        rules
            .check_size(name, size)
            .map_err(|r| SessionError::Refused(r.to_string()))
    }

    /// Attaches `data` (a file called `name`, which the browser says is `claims`): checked
    /// against the clinic's size and type rules and its own bytes, then queued with them, so
    /// it goes out once even after a reload or offline.
    pub async fn attach(&self, name: &str, claims: &str, data: &[u8]) -> Result<(), SessionError> {
        let rules = self.core.policy().attachments;
        let refused = |r: crate::domain::FileRefusal| SessionError::Refused(r.to_string());
        rules.check_size(name, data.len() as u64).map_err(refused)?;
        let head = &data[..data.len().min(SNIFF_BYTES)];
        let content_type = rules.check_content(name, claims, head).map_err(refused)?;
        let command = Command::Attach {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size: data.len() as u64,
        };
        self.core.post_file(&self.key, command, data).await
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// An attached file's bytes (`thumbnail`: a photo scaled for the thread, or the file itself
    /// when the homeserver has no thumbnail), read with the session's token.
    pub async fn media(&self, uri: &str, thumbnail: bool) -> Result<Vec<u8>, SessionError> {
        let media =
            MediaId::parse(uri).ok_or_else(|| SessionError::Refused("the file's address is not valid".into()))?;
        let client = &self.core.client;
        if thumbnail {
            if let Ok(bytes) = client.thumbnail(&media, THUMBNAIL).await {
                return Ok(bytes);
            }
        }
        client.download_media(&media).await.map_err(|e| match e.status() {
            Some(404) => SessionError::Refused("the file is no longer available (it may have been retracted)".into()),
            _ => e.into(),
        })
    }
}
