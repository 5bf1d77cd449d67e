//! Direct conversations against a real Synapse: private to the people they were made for, fixed
//! to them, and saying about patients only what every member's roles may see. The homeserver
//! (its Rounds module, `deploy/synapse/rounds_conversations.py`) refuses the rest.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clinic, new_user, run, staff_member, unique, TestClient};
use rounds::api::rounds::{Conversation, CONVERSATION, PATIENT_LINK, THREAD_KEY};
use rounds::api::{CreateRoom, InitialState};
use rounds::domain::clinic::roles::{BILLING, CLINICIAN, FRONT_DESK};
use rounds::provision::{self, Clinic};
use serde_json::{json, Value};

fn id(user: &TestClient) -> String {
    user.user_id().unwrap().to_owned()
}

fn send(user: &TestClient, room: &str, kind: &str, content: Value) -> Result<String, u16> {
    run(user.send_event(room, kind, &unique("txn"), &content)).map_err(|e| e.status().unwrap_or(0))
}

/// A thread root about `patient` filed under `category` (or none).
fn patient_root(category: Option<&str>) -> Value {
    let mut meta = json!({ "topic": "Friday coverage", "patient": { "display": "Sara M.", "id": "Patient/sara" } });
    if let Some(category) = category {
        meta["category"] = json!(category);
    }
    json!({ "msgtype": "m.text", "body": "Sara M. – Friday coverage\n\nCan one of you take her?", THREAD_KEY: meta })
}

struct Team {
    clinic: Clinic,
    priya: TestClient,
    jordan: TestClient,
    dana: TestClient,
    sam: TestClient,
}

fn team() -> Team {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    Team {
        priya: staff_member(&admin, &clinic, &prefix, CLINICIAN),
        jordan: staff_member(&admin, &clinic, &prefix, CLINICIAN),
        dana: staff_member(&admin, &clinic, &prefix, FRONT_DESK),
        sam: staff_member(&admin, &clinic, &prefix, BILLING),
        clinic,
    }
}

/// `starter` starts a conversation with `others`, who join it.
fn conversation(team: &Team, starter: &TestClient, others: &[&TestClient]) -> String {
    let ids: Vec<String> = others.iter().map(|o| id(o)).collect();
    let (room, members) = run(provision::start_conversation(starter, &team.clinic, &ids)).unwrap();
    assert_eq!(members.len(), others.len() + 1);
    for other in others {
        run(other.join(&room, &[])).unwrap();
    }
    room
}

#[test]
fn a_conversation_is_private_to_its_people() {
    let team = team();
    let room = conversation(&team, &team.priya, &[&team.jordan]);
    let create: Value = run(team.priya.state(&room, "m.room.create", "")).unwrap().unwrap();
    assert_eq!(create["type"], CONVERSATION);
    let rule: Value = run(team.priya.state(&room, "m.room.join_rules", "")).unwrap().unwrap();
    assert_eq!(rule["join_rule"], "invite");
    let listed: Conversation = run(team.jordan.state(&room, CONVERSATION, "")).unwrap().unwrap();
    assert_eq!(listed.members.len(), 2);
    // Nobody in it holds the power to kick, ban, retract others' messages or change it.
    let levels: Value = run(team.priya.state(&room, "m.room.power_levels", ""))
        .unwrap()
        .unwrap();
    assert_eq!(levels["users"][id(&team.priya)], 50);
    for key in ["kick", "ban", "redact", "state_default"] {
        assert_eq!(levels[key], 100, "{key}");
    }

    let hello = json!({ "msgtype": "m.text", "body": "Can you cover Friday?" });
    send(&team.priya, &room, "m.room.message", hello).unwrap();
    assert_eq!(common::bodies(&team.jordan, &room), ["Can you cover Friday?"]);

    // A colleague outside it can neither join nor read it.
    assert_eq!(run(team.dana.join(&room, &[])).unwrap_err().status(), Some(403));
    assert_eq!(
        run(team.dana.messages(&room, None, rounds::api::Direction::Backward, 10))
            .unwrap_err()
            .status(),
        Some(403)
    );
}

#[test]
fn nobody_adds_people_or_changes_a_conversation_afterwards() {
    let team = team();
    let room = conversation(&team, &team.priya, &[&team.jordan]);
    // The creator holds power 100 in the room; the homeserver still refuses.
    let invite = run(team.priya.invite(&room, &id(&team.sam))).unwrap_err();
    assert_eq!(invite.status(), Some(403), "{invite:?}");
    let public = run(team
        .priya
        .put_state(&room, "m.room.join_rules", "", &json!({ "join_rule": "public" })));
    assert_eq!(public.unwrap_err().status(), Some(403));
    let widened = Conversation {
        members: vec![id(&team.priya), id(&team.jordan), id(&team.sam)],
        clinic: None,
    };
    let relisted = run(team.priya.put_state(&room, CONVERSATION, "", &widened));
    assert_eq!(relisted.unwrap_err().status(), Some(403));
    let forever = run(team.priya.put_state(&room, "m.room.retention", "", &json!({})));
    assert_eq!(forever.unwrap_err().status(), Some(403));
    assert_eq!(run(team.sam.join(&room, &[])).unwrap_err().status(), Some(403));
    let kicked = run(team.priya.kick(&room, &id(&team.jordan), "not wanted"));
    assert_eq!(kicked.unwrap_err().status(), Some(403));
    // Retracting the member list (or the retention, or the window) would empty it: refused.
    let state: Vec<String> = run(team.priya.room_state(&room))
        .unwrap()
        .into_iter()
        .filter(|e| [CONVERSATION, "m.room.retention", "app.rounds.retraction"].contains(&e.kind.as_str()))
        .map(|e| e.event_id)
        .collect();
    assert!(!state.is_empty());
    for event in state {
        let emptied = run(team.priya.redact(&room, &event, &unique("txn"), &json!({})));
        assert_eq!(emptied.unwrap_err().status(), Some(403), "{event}");
    }

    // Nobody retracts someone else's message; one's own, within the window, goes.
    let text = |body: &str| json!({ "msgtype": "m.text", "body": body });
    let jordans = send(&team.jordan, &room, "m.room.message", text("I can")).unwrap();
    let priyas = send(&team.priya, &room, "m.room.message", text("Thanks")).unwrap();
    let refused = run(team.priya.redact(&room, &jordans, &unique("txn"), &json!({})));
    assert_eq!(refused.unwrap_err().status(), Some(403));
    run(team.priya.redact(&room, &priyas, &unique("txn"), &json!({}))).unwrap();
}

#[test]
fn a_patient_is_named_only_in_a_category_every_member_may_see() {
    let team = team();
    // Front desk may not see Clinical; everyone here may see Scheduling.
    let room = conversation(&team, &team.priya, &[&team.dana]);
    assert_eq!(
        send(&team.priya, &room, "m.room.message", patient_root(Some("clinical"))),
        Err(403)
    );
    assert_eq!(send(&team.priya, &room, "m.room.message", patient_root(None)), Err(403));
    assert_eq!(
        send(&team.priya, &room, "m.room.message", patient_root(Some("no-such"))),
        Err(403)
    );
    let root = send(&team.priya, &room, "m.room.message", patient_root(Some("scheduling"))).unwrap();

    // A thread without a patient may be linked later only the same way.
    let plain = json!({ "msgtype": "m.text", "body": "Coverage", THREAD_KEY: { "topic": "Coverage" } });
    let plain = send(&team.dana, &room, "m.room.message", plain).unwrap();
    let link = |category: &str| {
        json!({
            "patient": { "display": "Sara M.", "id": "Patient/sara" },
            "category": category,
            "body": "Linked to patient Sara M.",
            "m.relates_to": { "rel_type": "m.thread", "event_id": plain },
        })
    };
    assert_eq!(send(&team.dana, &room, PATIENT_LINK, link("clinical")), Err(403));
    send(&team.dana, &room, PATIENT_LINK, link("scheduling")).unwrap();

    // An edit cannot slip a patient in under a category someone may not see.
    let edit = json!({
        "msgtype": "m.text",
        "body": "* edited",
        "m.new_content": patient_root(Some("clinical")),
        "m.relates_to": { "rel_type": "m.replace", "event_id": root },
    });
    assert_eq!(send(&team.priya, &room, "m.room.message", edit), Err(403));

    // Billing may see Authorization but not Scheduling: with Sam in it, only Authorization goes.
    let billing = conversation(&team, &team.dana, &[&team.sam]);
    assert_eq!(
        send(&team.dana, &billing, "m.room.message", patient_root(Some("scheduling"))),
        Err(403)
    );
    send(
        &team.dana,
        &billing,
        "m.room.message",
        patient_root(Some("authorization")),
    )
    .unwrap();

    // Category rooms are not touched by the rule.
    let scheduling = team.clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    send(&team.dana, &scheduling, "m.room.message", patient_root(None)).unwrap();
}

#[test]
fn a_conversation_made_otherwise_than_rounds_makes_it_is_refused() {
    let team = team();
    let priya = id(&team.priya);
    let sam = id(&team.sam);
    let request = |join_rule: &str, members: Vec<String>, invite: Vec<String>, creator_power: i64| {
        let state = |kind: &str, content: Value| InitialState {
            kind: kind.into(),
            state_key: String::new(),
            content,
        };
        CreateRoom {
            room_version: Some("10".into()),
            preset: Some("private_chat".into()),
            creation_content: Some(json!({ "type": CONVERSATION })),
            initial_state: vec![
                state("m.room.join_rules", json!({ "join_rule": join_rule })),
                state("m.room.guest_access", json!({ "guest_access": "forbidden" })),
                state("m.room.history_visibility", json!({ "history_visibility": "shared" })),
                state(CONVERSATION, json!({ "members": members })),
            ],
            invite,
            power_level_content_override: Some(json!({
                "users": { priya.clone(): creator_power },
                "kick": 100, "ban": 100, "redact": 100, "state_default": 100, "invite": 50,
                "events": {
                    "m.room.join_rules": 50, "m.room.guest_access": 50,
                    "m.room.history_visibility": 50, CONVERSATION: 50,
                },
            })),
            ..CreateRoom::default()
        }
    };
    let create = |request: &CreateRoom| run(team.priya.create_room(request)).map_err(|e| e.status());
    let both = vec![priya.clone(), id(&team.jordan)];
    // As Rounds makes it: accepted.
    create(&request("invite", both.clone(), vec![id(&team.jordan)], 50)).unwrap();
    // Open to anyone, the creator all-powerful, someone invited who is not listed, or no list.
    assert_eq!(
        create(&request("public", both.clone(), vec![], 50)).unwrap_err(),
        Some(403)
    );
    assert_eq!(
        create(&request("invite", both.clone(), vec![], 100)).unwrap_err(),
        Some(403)
    );
    assert_eq!(
        create(&request("invite", both.clone(), vec![sam], 50)).unwrap_err(),
        Some(403)
    );
    assert_eq!(
        create(&request("invite", vec![id(&team.jordan)], vec![], 50)).unwrap_err(),
        Some(403)
    );
}
