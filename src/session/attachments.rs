//! Attached files read back from the homeserver (see `staging` for attaching them).

use super::error::SessionError;
use super::Session;
use crate::api::{MediaId, ThumbnailSize, Transport};
use crate::store::LocalStore;
use crate::sync::Platform;

/// The size photos are shown at in a thread (the homeserver scales them to fit).
const THUMBNAIL: ThumbnailSize = ThumbnailSize {
    width: 320,
    height: 240,
};

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
