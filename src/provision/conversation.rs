//! Direct conversations: an invite-only room among a few colleagues, with the same rules as the
//! clinic's category rooms (retraction window, retention) and its members fixed for good (the
//! homeserver's Rounds module refuses any other invite or state change; `deploy/synapse`).

use super::rooms::{common_state, invite_join_rule, required_power_levels, ADMIN_POWER};
use super::{Clinic, ProvisionError, Step};
use crate::api::rounds::{Conversation, CONVERSATION, RETRACTION_STATE, ROOM_VERSION};
use crate::api::{Client, CreateRoom, InitialState, Transport};
use serde_json::json;

/// The room state Matrix purges expired events by.
const RETENTION_STATE: &str = "m.room.retention";
/// The creator's power in a conversation: enough to send its first state (those event types are
/// at this level), not enough to kick, ban, retract others' messages, upgrade the room or
/// change power levels (all at [`ADMIN_POWER`], which nobody in a conversation holds). The
/// homeserver's module refuses a conversation made otherwise.
const CREATOR_POWER: i64 = 50;

/// Starts a direct conversation between the signed-in person and `others`; returns its room
/// and its members (the person included). No name or topic: those travel in invites, and a
/// conversation is found by its people.
pub async fn start_conversation<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    others: &[String],
) -> Result<(String, Vec<String>), ProvisionError> {
    let me = client.user_id().step(|| "sign in first".into())?.to_owned();
    let mut members: Vec<String> = others.iter().filter(|p| **p != me).cloned().collect();
    members.sort();
    members.dedup();
    let invite = members.clone();
    members.insert(0, me);
    let room = client
        .create_room(&conversation_request(clinic, &members, invite, &members[0]))
        .await
        .step(|| "starting a direct conversation".into())?;
    Ok((room, members))
}

fn conversation_request(clinic: &Clinic, members: &[String], invite: Vec<String>, creator: &str) -> CreateRoom {
    let policy = &clinic.policy;
    let state = |kind: &str, content| InitialState {
        kind: kind.into(),
        state_key: String::new(),
        content,
    };
    let mut initial_state: Vec<InitialState> = common_state().into_iter().map(|(k, c)| state(k, c)).collect();
    initial_state.push(state("m.room.join_rules", invite_join_rule()));
    initial_state.push(state(
        RETRACTION_STATE,
        json!({ "window_minutes": policy.retraction_window_minutes }),
    ));
    if let Some(ms) = policy.conversation_retention_ms() {
        initial_state.push(state(RETENTION_STATE, json!({ "max_lifetime": ms })));
    }
    let listed = Conversation {
        members: members.to_vec(),
        clinic: Some(clinic.space.clone()),
    };
    initial_state.push(state(CONVERSATION, json!(listed)));
    CreateRoom {
        room_version: Some(ROOM_VERSION.into()),
        name: None,
        room_alias_name: None,
        preset: Some("private_chat".into()),
        creation_content: Some(json!({ "type": CONVERSATION })),
        initial_state,
        power_level_content_override: Some(conversation_power_levels(creator)),
        invite,
        is_direct: true,
    }
}

/// A category room's power levels, with the creator at [`CREATOR_POWER`] and the state the
/// room is made with (and its invites) at that level.
fn conversation_power_levels(creator: &str) -> serde_json::Value {
    let mut levels = required_power_levels(0);
    levels["users"] = json!({ creator: CREATOR_POWER });
    levels["invite"] = json!(CREATOR_POWER);
    let first_state = [
        "m.room.join_rules",
        "m.room.history_visibility",
        "m.room.guest_access",
        RETENTION_STATE,
        RETRACTION_STATE,
        CONVERSATION,
    ];
    for kind in first_state {
        levels["events"][kind] = json!(CREATOR_POWER);
    }
    for kind in ["m.room.tombstone", "m.room.encryption", "m.room.server_acl"] {
        levels["events"][kind] = json!(ADMIN_POWER);
    }
    levels
}
