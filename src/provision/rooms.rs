//! The shape of each clinic room: the state DESIGN.md prescribes, as data.

use crate::api::rounds::ROOM_VERSION;
use crate::api::{CreateRoom, InitialState};
use serde_json::{json, Value};

/// Power level of clinic admins; everything that changes the clinic needs it.
pub const ADMIN_POWER: i64 = 100;

/// Alias local part of the clinic space (`#rounds:server`).
pub fn clinic_alias(prefix: &str) -> String {
    prefix.to_owned()
}

/// Alias local part of a role space (`#rounds.role.clinician:server`).
pub fn role_alias(prefix: &str, role: &str) -> String {
    format!("{prefix}.role.{role}")
}

/// Alias local part of a category room (`#rounds.clinical:server`).
pub fn category_alias(prefix: &str, category: &str) -> String {
    format!("{prefix}.{category}")
}

/// `#local:server`.
pub fn full_alias(local: &str, server: &str) -> String {
    format!("#{local}:{server}")
}

/// Power-level fields every clinic room must have (merged over whatever else is there):
/// only admins invite, kick, ban, redact others' events or change state, so members cannot pull
/// anyone in or delete others' clinical history. Members may retract their own messages (an
/// `m.room.redaction` at `events_default`) within the clinic's window, which the homeserver's
/// Rounds module enforces. `events_default` is 0 in category rooms and 100 in spaces.
pub fn required_power_levels(events_default: i64) -> Value {
    json!({
        "users_default": 0,
        "events_default": events_default,
        "state_default": ADMIN_POWER,
        "invite": ADMIN_POWER,
        "kick": ADMIN_POWER,
        "ban": ADMIN_POWER,
        "redact": ADMIN_POWER,
        "events": {
            "m.room.redaction": events_default,
            "m.room.power_levels": ADMIN_POWER,
            "m.room.join_rules": ADMIN_POWER,
            "m.room.history_visibility": ADMIN_POWER,
            "m.room.name": ADMIN_POWER,
            "m.room.topic": ADMIN_POWER,
            "m.room.avatar": ADMIN_POWER,
            "m.room.canonical_alias": ADMIN_POWER,
            "m.room.guest_access": ADMIN_POWER,
            "m.space.child": ADMIN_POWER,
            "m.space.parent": ADMIN_POWER,
        },
    })
}

/// `m.room.join_rules` content: restricted to members of `spaces`.
pub fn restricted_join_rule(spaces: &[String]) -> Value {
    let allow: Vec<Value> = spaces
        .iter()
        .map(|s| json!({ "type": "m.room_membership", "room_id": s }))
        .collect();
    json!({ "join_rule": "restricted", "allow": allow })
}

/// `m.room.join_rules` content for invite-only rooms (role spaces).
pub fn invite_join_rule() -> Value {
    json!({ "join_rule": "invite" })
}

/// State every clinic room shares: no guests, history visible to members from before they joined
/// (a new clinician must see the threads that exist).
pub fn common_state() -> Vec<(&'static str, Value)> {
    vec![
        ("m.room.guest_access", json!({ "guest_access": "forbidden" })),
        ("m.room.history_visibility", json!({ "history_visibility": "shared" })),
    ]
}

/// A `createRoom` request for a clinic room or space with the given state.
pub fn create_request(
    alias: &str,
    name: &str,
    is_space: bool,
    join_rule: Value,
    extra_state: Vec<InitialState>,
) -> CreateRoom {
    let mut initial_state: Vec<InitialState> = common_state()
        .into_iter()
        .map(|(kind, content)| InitialState {
            kind: kind.into(),
            state_key: String::new(),
            content,
        })
        .collect();
    initial_state.push(InitialState {
        kind: "m.room.join_rules".into(),
        state_key: String::new(),
        content: join_rule,
    });
    initial_state.extend(extra_state);
    CreateRoom {
        room_version: Some(ROOM_VERSION.into()),
        name: Some(name.into()),
        room_alias_name: Some(alias.into()),
        preset: Some("private_chat".into()),
        creation_content: is_space.then(|| json!({ "type": "m.space" })),
        initial_state,
        power_level_content_override: Some(required_power_levels(if is_space { ADMIN_POWER } else { 0 })),
        invite: Vec::new(),
        is_direct: false,
    }
}

/// Merges `required` into `current` (objects recursively, other values replaced).
pub fn merge_json(current: &mut Value, required: &Value) {
    match (current, required) {
        (Value::Object(cur), Value::Object(req)) => {
            for (k, v) in req {
                merge_json(cur.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (cur, req) => *cur = req.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_other_users_and_sets_required() {
        let mut pl = json!({"users": {"@a:x": 100, "@b:x": 50}, "kick": 50, "events": {"m.room.name": 50}});
        merge_json(&mut pl, &required_power_levels(0));
        assert_eq!(pl["users"]["@b:x"], 50);
        assert_eq!(pl["kick"], 100);
        assert_eq!(pl["events"]["m.room.name"], 100);
        assert_eq!(pl["events"]["m.room.redaction"], 0);
    }
}
