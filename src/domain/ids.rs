//! Typed ids: a room, an event, and the identity a thread keeps on this device.
//!
//! A thread started here is known by its transaction id until the homeserver stores its first
//! message and names it by an event id. Its [`ThreadKey`] does not change then: the inbox maps
//! the event id to the same key, so whatever shows the thread (its view, composer, draft and
//! route) carries on as it was.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as the homeserver writes it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A room (a category room, or the clinic's space).
    RoomId
);

id_type!(
    /// An event: a message, or anything else in a room's timeline.
    EventId
);

id_type!(
    /// What a thread is known by on this device: its first message's event id, or, for a
    /// thread started here, the transaction id it was created with (kept after the homeserver
    /// names it).
    ThreadId
);

/// A thread's identity on this device: its room and [`ThreadId`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ThreadKey {
    /// The room the thread lives in.
    pub room: RoomId,
    /// The thread in it.
    pub id: ThreadId,
}

impl ThreadKey {
    /// The thread `id` (an event or transaction id) in `room`.
    pub fn new(room: impl Into<RoomId>, id: impl Into<ThreadId>) -> Self {
        ThreadKey {
            room: room.into(),
            id: id.into(),
        }
    }

    /// The room, as a string.
    pub fn room_str(&self) -> &str {
        self.room.as_str()
    }

    /// The thread id, as a string.
    pub fn id_str(&self) -> &str {
        self.id.as_str()
    }
}

impl fmt::Display for ThreadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.id, self.room)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_serialise_as_the_plain_strings_the_homeserver_uses() {
        let key = ThreadKey::new("!room:x", "$root");
        assert_eq!(key.room_str(), "!room:x");
        assert_eq!(key.id_str(), "$root");
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, r#"{"room":"!room:x","id":"$root"}"#);
        assert_eq!(serde_json::from_str::<ThreadKey>(&json).unwrap(), key);
        assert_eq!(EventId::from("$e").to_string(), "$e");
    }
}
