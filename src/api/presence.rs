//! Presence: `PUT /presence/{userId}/status` and the `m.presence` events `/sync` brings.

use super::client::{encode, Client, Empty};
use super::error::Error;
use super::transport::Transport;
use serde::{Deserialize, Serialize};

/// A person's presence as the homeserver keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceState {
    /// Online and available.
    Online,
    /// Online but busy or away.
    Unavailable,
    /// Offline.
    Offline,
}

impl PresenceState {
    /// The value `/sync`'s `set_presence` and the presence API use.
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceState::Online => "online",
            PresenceState::Unavailable => "unavailable",
            PresenceState::Offline => "offline",
        }
    }
}

/// The content of an `m.presence` event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PresenceContent {
    /// The presence.
    pub presence: PresenceState,
    /// The person's status message, if they set one.
    #[serde(default)]
    pub status_msg: Option<String>,
}

/// An `m.presence` event from `/sync` (`presence.events`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PresenceEvent {
    /// Whose presence.
    pub sender: String,
    /// The raw content (decode with [`PresenceEvent::presence`]).
    #[serde(default)]
    pub content: serde_json::Value,
}

impl PresenceEvent {
    /// The content, if it has the shape of a presence.
    pub fn presence(&self) -> Option<PresenceContent> {
        serde_json::from_value(self.content.clone()).ok()
    }
}

impl<T: Transport> Client<T> {
    /// `PUT /presence/{userId}/status`: sets the signed-in person's presence and status message.
    pub async fn set_presence(&self, presence: PresenceState, status_msg: Option<&str>) -> Result<(), Error> {
        #[derive(Serialize)]
        struct Status<'a> {
            presence: PresenceState,
            #[serde(skip_serializing_if = "Option::is_none")]
            status_msg: Option<&'a str>,
        }
        let path = format!("/_matrix/client/v3/presence/{}/status", encode(self.user_id()?));
        let _: Empty = self.put(&path, &Status { presence, status_msg }).await?;
        Ok(())
    }
}
