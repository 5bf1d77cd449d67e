//! Authenticated media: uploading files and reading them back with the session's token.
//!
//! Downloads use the client-server v1 media endpoints, which require the `Authorization`
//! header: a token never appears in a media URL, so a copied link opens nothing.

use super::client::{encode, query, Client};
use super::error::Error;
use super::transport::{Body, Method, Transport, UploadWatch};
use serde::Deserialize;
use std::rc::Rc;
use std::time::Duration;

/// How long an upload may go without progress before it is given up (and retried by the
/// outbox); native transports, which report no progress, take it as the whole upload's limit.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a download may take.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// A media item on a homeserver, parsed from its `mxc://server/id` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaId {
    /// The server that holds it.
    pub server: String,
    /// Its id there.
    pub media_id: String,
}

impl MediaId {
    /// Parses an `mxc://` URI; `None` for anything else (a message may carry any text there).
    pub fn parse(uri: &str) -> Option<MediaId> {
        let (server, media_id) = uri.strip_prefix("mxc://")?.split_once('/')?;
        let server_ok = !server.is_empty()
            && server
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        let id_ok = !media_id.is_empty()
            && media_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
        (server_ok && id_ok).then(|| MediaId {
            server: server.to_owned(),
            media_id: media_id.to_owned(),
        })
    }

    /// Where it is downloaded from on `homeserver` (with an access token: the address alone
    /// opens nothing).
    pub fn download_url(&self, homeserver: &str) -> String {
        format!(
            "{}/_matrix/client/v1/media/download/{}",
            homeserver.trim_end_matches('/'),
            self.path()
        )
    }

    fn path(&self) -> String {
        format!("{}/{}", encode(&self.server), encode(&self.media_id))
    }
}

/// A thumbnail's size: the homeserver scales the picture to fit within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThumbnailSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

#[derive(Deserialize)]
struct Uploaded {
    content_uri: String,
}

impl<T: Transport> Client<T> {
    /// `POST /_matrix/media/v3/upload`: stores `data` on the homeserver and returns its
    /// `mxc://` URI. `watch` hears the progress and can cancel it (the call then fails with
    /// [`Error::Aborted`]). The homeserver refuses files over its `max_upload_size` (413).
    pub async fn upload_media(
        &self,
        content_type: &str,
        filename: &str,
        data: Rc<[u8]>,
        watch: &UploadWatch,
    ) -> Result<String, Error> {
        let path = format!(
            "/_matrix/media/v3/upload{}",
            query(&[("filename", Some(filename.to_owned()))])
        );
        let body = Body::Bytes {
            content_type: content_type.to_owned(),
            data,
        };
        let bytes = self
            .exchange(Method::Post, &path, Some(body), UPLOAD_TIMEOUT, Some(watch))
            .await?;
        let uploaded: Uploaded = super::client::decode(&bytes)?;
        MediaId::parse(&uploaded.content_uri).ok_or_else(|| Error::BadResponse {
            status: 200,
            detail: "the upload's answer is not an mxc:// URI".into(),
        })?;
        Ok(uploaded.content_uri)
    }

    /// `GET /_matrix/client/v1/media/download/…`: the file's bytes.
    pub async fn download_media(&self, media: &MediaId) -> Result<Vec<u8>, Error> {
        let path = format!("/_matrix/client/v1/media/download/{}", media.path());
        self.exchange(Method::Get, &path, None, DOWNLOAD_TIMEOUT, None).await
    }

    /// `GET /_matrix/client/v1/media/thumbnail/…`: a picture scaled to fit `size`.
    pub async fn thumbnail(&self, media: &MediaId, size: ThumbnailSize) -> Result<Vec<u8>, Error> {
        let path = format!(
            "/_matrix/client/v1/media/thumbnail/{}{}",
            media.path(),
            query(&[
                ("width", Some(size.width.to_string())),
                ("height", Some(size.height.to_string())),
                ("method", Some("scale".into())),
            ])
        );
        self.exchange(Method::Get, &path, None, DOWNLOAD_TIMEOUT, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mxc_uris_and_refuses_anything_else() {
        assert_eq!(
            MediaId::parse("mxc://localhost:8008/AbC_12-x"),
            Some(MediaId {
                server: "localhost:8008".into(),
                media_id: "AbC_12-x".into()
            })
        );
        for bad in [
            "",
            "https://x/y",
            "mxc://",
            "mxc://server",
            "mxc://server/",
            "mxc://s/../x",
            "mxc://s e/x",
        ] {
            assert_eq!(MediaId::parse(bad), None, "{bad}");
        }
    }
}
