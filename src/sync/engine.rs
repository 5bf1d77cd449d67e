//! The long-poll `/sync` engine: one call to [`SyncEngine::poll`] is one sync plus whatever it
//! takes to leave no silent hole (gap pagination of `limited` timelines).

use super::convert;
use crate::api::events::ClientEvent;
use crate::api::rounds::CLINIC_STATE;
use crate::api::{Client, Direction, Error, Filter, PresenceState, SyncRequest, SyncResponse, Transport};
use crate::domain::{Availability, ClinicPolicy, Incoming, Person};
use std::collections::HashSet;
use std::time::Duration;

/// Events kept per room in a sync (the rest comes from gap pagination and history).
pub const TIMELINE_LIMIT: u32 = 100;
/// Pages of history fetched at most to fill one gap before giving up on it.
const MAX_GAP_PAGES: usize = 10;

/// Everything one sync brought, translated for the domain.
#[derive(Debug, Default)]
pub struct Batch {
    /// New facts for the inbox, oldest first.
    pub incoming: Vec<Incoming>,
    /// Rooms the user is joined to according to this batch.
    pub joined: Vec<String>,
    /// Rooms the user left or was removed from.
    pub left: Vec<String>,
    /// Rooms the user is invited to.
    pub invited: Vec<String>,
    /// Direct conversations the user is invited to: `(room, who invited them)`.
    pub conversation_invites: Vec<(String, String)>,
    /// The clinic policy, when it changed (or on the first sync).
    pub policy: Option<ClinicPolicy>,
    /// Staff directory entries the clinic's admins published or changed.
    pub staff: Vec<(String, Person)>,
    /// Colleagues whose availability changed (`None`: nothing to show).
    pub availability: Vec<(String, Option<Availability>)>,
}

/// The sync state of one signed-in session.
pub struct SyncEngine<T> {
    client: Client<T>,
    clinic_space: String,
    policy: ClinicPolicy,
    /// The filter, sent inline with every sync: uploading it first would cost a round trip
    /// before the first sync of every start.
    filter: Option<String>,
    since: Option<String>,
    /// What each sync reports as the person's presence.
    presence: PresenceState,
    /// The direct conversations the person is in (their rooms' state says so once, when
    /// joined; later syncs only bring their events).
    conversations: HashSet<String>,
    /// Rooms made as direct conversations whose member list has not arrived yet (a sync woken
    /// by a room's creation can bring its first events without the rest of its state).
    made_as_conversations: HashSet<String>,
}

impl<T: Transport> SyncEngine<T> {
    /// An engine for the clinic whose space and policy the sign-in step found.
    pub fn new(client: Client<T>, clinic_space: String, policy: ClinicPolicy) -> Self {
        SyncEngine {
            client,
            clinic_space,
            policy,
            filter: serde_json::to_string(&Filter::rounds(TIMELINE_LIMIT)).ok(),
            since: None,
            presence: PresenceState::Online,
            conversations: HashSet::new(),
            made_as_conversations: HashSet::new(),
        }
    }

    /// The same engine knowing the direct conversations `rooms` (kept on the device with the
    /// inbox and its sync token).
    pub fn knowing_conversations<'a>(mut self, rooms: impl IntoIterator<Item = &'a str>) -> Self {
        self.conversations.extend(rooms.into_iter().map(str::to_owned));
        self
    }

    /// The same engine continuing from `since` (a token kept on the device with the inbox it
    /// belongs to): the next sync brings only what happened after it.
    pub fn resuming_from(mut self, since: Option<String>) -> Self {
        self.since = since;
        self
    }

    /// Syncs from now on report the person as online (available) or unavailable (busy).
    pub fn set_online(&mut self, online: bool) {
        self.presence = if online {
            PresenceState::Online
        } else {
            PresenceState::Unavailable
        };
    }

    /// The token of the last sync applied.
    pub fn since(&self) -> Option<&str> {
        self.since.as_deref()
    }

    /// The client (for sends from the same session).
    pub fn client(&self) -> &Client<T> {
        &self.client
    }

    /// The current clinic policy.
    pub fn policy(&self) -> &ClinicPolicy {
        &self.policy
    }

    /// Whether the first sync has completed.
    pub fn has_synced(&self) -> bool {
        self.since.is_some()
    }

    /// One long-poll sync (`timeout` long), with gaps filled. `knows` tells which events the
    /// inbox already has, so gap pagination stops where the known history starts.
    pub async fn poll(&mut self, timeout: Duration, knows: impl Fn(&str) -> bool) -> Result<Batch, Error> {
        let response = self
            .client
            .sync(&SyncRequest {
                filter: self.filter.clone(),
                since: self.since.clone(),
                // The first sync returns at once; later ones wait for news.
                timeout: self.since.as_ref().map(|_| timeout),
                full_state: false,
                set_presence: Some(self.presence),
            })
            .await?;
        let batch = self.translate(&response, &knows).await?;
        self.since = Some(response.next_batch);
        Ok(batch)
    }

    async fn translate(&mut self, response: &SyncResponse, knows: &impl Fn(&str) -> bool) -> Result<Batch, Error> {
        let availability = response
            .presence
            .events
            .iter()
            .filter_map(|e| {
                let p = e.presence()?;
                let online = p.presence == PresenceState::Online;
                Some((
                    e.sender.clone(),
                    Availability::from_presence(online, p.status_msg.as_deref()),
                ))
            })
            .collect();
        let mut batch = Batch {
            availability,
            ..Batch::default()
        };
        if let Some(space) = response.rooms.join.get(&self.clinic_space) {
            let events = space.state.events.iter().chain(space.timeline.events.iter());
            batch.staff = events.clone().filter_map(convert::staff_entry).collect();
            if let Some(policy) = events
                .filter(|e| e.kind == CLINIC_STATE && e.state_key.as_deref() == Some(""))
                .filter_map(|e| e.content_as::<ClinicPolicy>())
                .rfind(|p| p.validate().is_ok())
            {
                self.policy = policy.clone();
                batch.policy = Some(policy);
            }
        }
        for (room_id, room) in &response.rooms.join {
            batch.joined.push(room_id.clone());
            let state = room.state.events.iter().chain(room.timeline.events.iter());
            if state.clone().any(convert::is_conversation_creation) {
                self.made_as_conversations.insert(room_id.clone());
            }
            let listed = state.filter_map(convert::conversation).next_back();
            let known = self.made_as_conversations.contains(room_id) || self.conversations.contains(room_id);
            if let Some(members) = listed.filter(|_| known) {
                self.made_as_conversations.remove(room_id);
                self.conversations.insert(room_id.clone());
                batch.incoming.push(Incoming::Conversation {
                    room_id: room_id.clone(),
                    members,
                });
            }
            if self.policy.category_by_room(room_id).is_none() && !self.conversations.contains(room_id) {
                continue;
            }
            let names = room.state.events.iter().filter(|e| e.kind == "m.room.member");
            batch.incoming.extend(names.filter_map(convert::member_name));
            if room.timeline.limited && self.since.is_some() {
                if let Some(from) = &room.timeline.prev_batch {
                    batch.incoming.extend(self.fill_gap(room_id, from, knows).await?);
                }
            }
            let timeline = room.timeline.events.iter();
            batch
                .incoming
                .extend(timeline.filter_map(|e| convert::timeline_event(room_id, e)));
            for event in &room.ephemeral.events {
                batch.incoming.extend(convert::ephemeral(room_id, event));
            }
        }
        for room_id in response.rooms.leave.keys() {
            self.conversations.remove(room_id);
            self.made_as_conversations.remove(room_id);
            batch.left.push(room_id.clone());
            batch.incoming.push(Incoming::RoomGone {
                room_id: room_id.clone(),
            });
        }
        batch.invited = response.rooms.invite.keys().cloned().collect();
        batch.conversation_invites = response
            .rooms
            .invite
            .iter()
            .filter_map(|(room_id, room)| Some((room_id.clone(), convert::conversation_invite(room)?)))
            .collect();
        Ok(batch)
    }

    /// Pages back from `from` until reaching known history, oldest first.
    async fn fill_gap(&self, room_id: &str, from: &str, knows: &impl Fn(&str) -> bool) -> Result<Vec<Incoming>, Error> {
        let mut events: Vec<ClientEvent> = Vec::new();
        let mut token = Some(from.to_owned());
        for _ in 0..MAX_GAP_PAGES {
            let Some(from) = token.take() else { break };
            let page = self
                .client
                .messages(room_id, Some(&from), Direction::Backward, TIMELINE_LIMIT)
                .await?;
            let reached_known = page.chunk.iter().any(|e| knows(&e.event_id));
            events.extend(page.chunk.into_iter().take_while(|e| !knows(&e.event_id)));
            if reached_known {
                break;
            }
            token = page.end;
        }
        Ok(events
            .iter()
            .rev()
            .filter_map(|e| convert::timeline_event(room_id, e))
            .collect())
    }
}
