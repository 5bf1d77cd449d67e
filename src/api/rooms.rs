//! Rooms and spaces: create, join, invite, kick, leave, state, hierarchy, aliases, members.

use super::client::{encode, query, Client, Empty};
use super::error::Error;
use super::events::ClientEvent;
use super::messages::EventId;
use super::transport::Transport;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `POST /createRoom` body. Fields left `None` take the server's defaults.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateRoom {
    /// Room version; Rounds always chooses one explicitly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_version: Option<String>,
    /// `m.room.name`. Never patient details: names travel in invites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Local part of a canonical alias to create (`rounds.clinical` → `#rounds.clinical:server`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_alias_name: Option<String>,
    /// `private_chat`, `public_chat` or `trusted_private_chat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Extra `m.room.create` content, such as `{"type": "m.space"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_content: Option<Value>,
    /// State events applied after the preset.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub initial_state: Vec<InitialState>,
    /// Merged over the default power levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_level_content_override: Option<Value>,
    /// Users to invite at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invite: Vec<String>,
    /// Whether the invites are to a direct conversation (other clients list it as such).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_direct: bool,
}

/// One state event in [`CreateRoom::initial_state`].
#[derive(Debug, Clone, Serialize)]
pub struct InitialState {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// State key.
    pub state_key: String,
    /// Content.
    pub content: Value,
}

/// One room or space in a `/hierarchy` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct HierarchyRoom {
    /// Room id.
    pub room_id: String,
    /// Room name, if any.
    pub name: Option<String>,
    /// `m.space` for spaces.
    pub room_type: Option<String>,
    /// Join rule.
    pub join_rule: Option<String>,
    /// Number of joined members.
    #[serde(default)]
    pub num_joined_members: u64,
    /// Stripped `m.space.child` events.
    #[serde(default)]
    pub children_state: Vec<Value>,
}

/// A page of `/hierarchy`.
#[derive(Debug, Clone, Deserialize)]
pub struct Hierarchy {
    /// Rooms, the requested one first.
    #[serde(default, deserialize_with = "super::events::lenient_vec")]
    pub rooms: Vec<HierarchyRoom>,
    /// Token for the next page.
    pub next_batch: Option<String>,
}

/// A result of the user directory search.
#[derive(Debug, Clone, Deserialize)]
pub struct DirectoryUser {
    /// User id.
    pub user_id: String,
    /// Display name, if set.
    pub display_name: Option<String>,
}

/// A joined member with profile as known in the room.
#[derive(Debug, Clone, Deserialize)]
pub struct JoinedMember {
    /// Display name in the room.
    pub display_name: Option<String>,
}

/// `m.room.member` content (the parts Rounds reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberContent {
    /// `join`, `invite`, `leave`, `ban` or `knock`.
    pub membership: String,
    /// Display name in this room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayname: Option<String>,
}

impl<T: Transport> Client<T> {
    /// `POST /createRoom`; returns the new room id.
    pub async fn create_room(&self, request: &CreateRoom) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct Created {
            room_id: String,
        }
        let created: Created = self.post("/_matrix/client/v3/createRoom", request).await?;
        Ok(created.room_id)
    }

    /// `POST /join/{roomIdOrAlias}` with `via` servers; returns the joined room id.
    pub async fn join(&self, room_id_or_alias: &str, via: &[&str]) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct Joined {
            room_id: String,
        }
        let via: Vec<String> = via.iter().map(|s| format!("via={}", encode(s))).collect();
        let query = if via.is_empty() {
            String::new()
        } else {
            format!("?{}", via.join("&"))
        };
        let path = format!("/_matrix/client/v3/join/{}{}", encode(room_id_or_alias), query);
        let joined: Joined = self.post(&path, &Empty {}).await?;
        Ok(joined.room_id)
    }

    /// `POST /rooms/{roomId}/invite`.
    pub async fn invite(&self, room_id: &str, user_id: &str) -> Result<(), Error> {
        let path = format!("/_matrix/client/v3/rooms/{}/invite", encode(room_id));
        let _: Empty = self.post(&path, &serde_json::json!({ "user_id": user_id })).await?;
        Ok(())
    }

    /// `POST /rooms/{roomId}/kick` with a reason shown to the user.
    pub async fn kick(&self, room_id: &str, user_id: &str, reason: &str) -> Result<(), Error> {
        let path = format!("/_matrix/client/v3/rooms/{}/kick", encode(room_id));
        let body = serde_json::json!({ "user_id": user_id, "reason": reason });
        let _: Empty = self.post(&path, &body).await?;
        Ok(())
    }

    /// `POST /rooms/{roomId}/leave`.
    pub async fn leave(&self, room_id: &str) -> Result<(), Error> {
        let path = format!("/_matrix/client/v3/rooms/{}/leave", encode(room_id));
        let _: Empty = self.post(&path, &Empty {}).await?;
        Ok(())
    }

    /// `GET /rooms/{roomId}/state/{type}/{stateKey}`: the content, or `None` if not set (404).
    pub async fn state<C: serde::de::DeserializeOwned>(
        &self,
        room_id: &str,
        event_type: &str,
        state_key: &str,
    ) -> Result<Option<C>, Error> {
        let path = state_path(room_id, event_type, state_key);
        match self.get(&path).await {
            Ok(content) => Ok(Some(content)),
            Err(e) if e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PUT /rooms/{roomId}/state/{type}/{stateKey}`; returns the event id.
    pub async fn put_state(
        &self,
        room_id: &str,
        event_type: &str,
        state_key: &str,
        content: &impl Serialize,
    ) -> Result<String, Error> {
        let path = state_path(room_id, event_type, state_key);
        let created: EventId = self.put(&path, content).await?;
        Ok(created.event_id)
    }

    /// `GET /rooms/{roomId}/state`: every current state event.
    pub async fn room_state(&self, room_id: &str) -> Result<Vec<ClientEvent>, Error> {
        let path = format!("/_matrix/client/v3/rooms/{}/state", encode(room_id));
        self.get(&path).await
    }

    /// `GET /rooms/{roomId}/hierarchy` of a space.
    pub async fn hierarchy(
        &self,
        space_id: &str,
        from: Option<&str>,
        max_depth: Option<u32>,
    ) -> Result<Hierarchy, Error> {
        let path = format!(
            "/_matrix/client/v1/rooms/{}/hierarchy{}",
            encode(space_id),
            query(&[
                ("from", from.map(str::to_owned)),
                ("max_depth", max_depth.map(|d| d.to_string())),
            ])
        );
        self.get(&path).await
    }

    /// `GET /directory/room/{alias}`: the room id, or `None` if the alias is unknown.
    pub async fn resolve_alias(&self, alias: &str) -> Result<Option<String>, Error> {
        #[derive(Deserialize)]
        struct Resolved {
            room_id: String,
        }
        let path = format!("/_matrix/client/v3/directory/room/{}", encode(alias));
        match self.get::<Resolved>(&path).await {
            Ok(r) => Ok(Some(r.room_id)),
            Err(e) if e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /joined_rooms`.
    pub async fn joined_rooms(&self) -> Result<Vec<String>, Error> {
        #[derive(Deserialize)]
        struct Joined {
            joined_rooms: Vec<String>,
        }
        let joined: Joined = self.get("/_matrix/client/v3/joined_rooms").await?;
        Ok(joined.joined_rooms)
    }

    /// `GET /rooms/{roomId}/joined_members`: user id → profile.
    pub async fn joined_members(&self, room_id: &str) -> Result<BTreeMap<String, JoinedMember>, Error> {
        #[derive(Deserialize)]
        struct Members {
            joined: BTreeMap<String, JoinedMember>,
        }
        let path = format!("/_matrix/client/v3/rooms/{}/joined_members", encode(room_id));
        let members: Members = self.get(&path).await?;
        Ok(members.joined)
    }

    /// `POST /user_directory/search`.
    pub async fn search_users(&self, term: &str, limit: u32) -> Result<Vec<DirectoryUser>, Error> {
        #[derive(Deserialize)]
        struct Results {
            #[serde(default, deserialize_with = "super::events::lenient_vec")]
            results: Vec<DirectoryUser>,
        }
        let body = serde_json::json!({ "search_term": term, "limit": limit });
        let results: Results = self.post("/_matrix/client/v3/user_directory/search", &body).await?;
        Ok(results.results)
    }
}

fn state_path(room_id: &str, event_type: &str, state_key: &str) -> String {
    format!(
        "/_matrix/client/v3/rooms/{}/state/{}/{}",
        encode(room_id),
        encode(event_type),
        encode(state_key)
    )
}
