//! The person's device secret: kept by the homeserver as their account data, so a device can
//! open what it keeps for them only after they have signed in (`docs/SECURITY.md`).

use super::SessionError;
use crate::api::rounds::DEVICE_SECRET;
use crate::api::{Client, Transport};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};

/// Secrets shorter than this are not used (someone else's client wrote something else there).
const SECRET_LEN: usize = 32;

#[derive(Serialize, Deserialize)]
struct Content {
    key: String,
}

fn decode(content: &Content) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(&content.key)
        .ok()
        .filter(|bytes| bytes.len() >= SECRET_LEN)
}

/// The signed-in person's device secret, created from `fresh` (random bytes the caller drew)
/// when they have none yet. What the homeserver holds afterwards wins, so two devices signing in
/// for the first time at once end up with the same secret.
pub async fn device_secret<T: Transport>(client: &Client<T>, fresh: &[u8]) -> Result<Vec<u8>, SessionError> {
    if let Some(secret) = client
        .account_data::<Content>(DEVICE_SECRET)
        .await?
        .as_ref()
        .and_then(decode)
    {
        return Ok(secret);
    }
    if fresh.len() < SECRET_LEN {
        return Err(SessionError::Refused(
            "this browser gave no random key, so drafts cannot be kept on it".into(),
        ));
    }
    let content = Content {
        key: Base64UrlUnpadded::encode_string(fresh),
    };
    client.set_account_data(DEVICE_SECRET, &content).await?;
    client
        .account_data::<Content>(DEVICE_SECRET)
        .await?
        .as_ref()
        .and_then(decode)
        .ok_or_else(|| {
            SessionError::Refused(
                "the homeserver did not keep your device key, so drafts cannot be kept on this device".into(),
            )
        })
}
