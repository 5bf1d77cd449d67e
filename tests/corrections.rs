//! Edits and retraction against a real Synapse with Rounds' module: the homeserver, not the
//! app, decides who may retract what and until when.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clinic, run, staff_member, unique, TestClient};
use rounds::api::events::REL_REPLACE;
use rounds::api::rounds::{replacement_content, thread_reply_content, RETRACTION_STATE};
use rounds::domain::clinic::roles::CLINICIAN;
use rounds::sync::convert;
use serde_json::json;

fn say(user: &TestClient, room: &str, text: &str) -> String {
    let content = json!({ "msgtype": "m.text", "body": text });
    run(user.send_event(room, "m.room.message", &unique("txn"), &content)).unwrap()
}

fn retract(user: &TestClient, room: &str, event: &str) -> Result<String, rounds::api::Error> {
    let content = json!({ "reason": "Posted in the wrong thread" });
    run(user.redact(room, event, &unique("txn"), &content))
}

#[test]
fn staff_retract_their_own_messages_within_the_window_admins_any() {
    let admin = common::new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let room = clinic.policy.category("clinical").unwrap().room.clone().unwrap();
    let dana = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let priya = staff_member(&admin, &clinic, &prefix, CLINICIAN);

    // Within the window: one's own message, yes; someone else's, no.
    let own = say(&dana, &room, "DOB 02/03/1990");
    let redaction = retract(&dana, &room, &own).unwrap();
    let removed = run(admin.event(&room, &own)).unwrap();
    assert!(removed.is_redacted());
    assert_eq!(removed.content.get("body"), None);
    assert_eq!(removed.redacted_because().unwrap().event_id, redaction);
    let theirs = say(&priya, &room, "Sara's mother called");
    assert_eq!(retract(&dana, &room, &theirs).unwrap_err().status(), Some(403));

    // Past the window (an admin sets it to nothing): the sender is refused, an admin is not.
    run(admin.put_state(&room, RETRACTION_STATE, "", &json!({ "window_minutes": 0 }))).unwrap();
    let late = say(&dana, &room, "Insurance ID 12345");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let refused = retract(&dana, &room, &late).unwrap_err();
    assert_eq!((refused.status(), refused.errcode()), (Some(403), Some("M_FORBIDDEN")));
    assert_eq!(
        run(admin.event(&room, &late)).unwrap().content["body"],
        "Insurance ID 12345"
    );
    retract(&admin, &room, &late).unwrap();
    assert!(run(admin.event(&room, &late)).unwrap().is_redacted());
}

#[test]
fn an_edit_is_bundled_with_its_message_and_every_version_stays_readable() {
    let admin = common::new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let room = clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let dana = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let root = say(&dana, &room, "Friday coverage");
    let reply = thread_reply_content(&root, &root, "Call at 2");
    let id = run(dana.send_event(&room, "m.room.message", &unique("txn"), &reply)).unwrap();
    for text in ["Call at 3", "Call at 4"] {
        let edit = replacement_content(&id, json!({ "msgtype": "m.text", "body": text }));
        run(dana.send_event(&room, "m.room.message", &unique("txn"), &edit)).unwrap();
    }

    let shown = run(admin.event(&room, &id)).unwrap();
    let Some(rounds::domain::Incoming::InThread { message, .. }) = convert::timeline_event(&room, &shown) else {
        panic!("not a reply: {shown:?}")
    };
    assert_eq!(message.body, rounds::domain::Body::Text("Call at 4".into()));
    assert!(message.edited_at.is_some());
    let edits = run(admin.relations(&room, &id, REL_REPLACE, None, 50)).unwrap().chunk;
    let texts: Vec<String> = convert::versions(&shown, &edits).into_iter().map(|v| v.text).collect();
    assert_eq!(texts, ["Call at 2", "Call at 3", "Call at 4"]);
}
