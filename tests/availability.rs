//! Availability through the homeserver: what one person sets, a colleague's sync reads back.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{new_user, run};
use rounds::api::{CreateRoom, PresenceState, SyncRequest};
use rounds::domain::Availability;

#[test]
fn with_a_patient_reaches_a_colleague_through_presence() {
    let priya = new_user("priya");
    let dana = new_user("dana");
    let room = run(priya.create_room(&CreateRoom {
        preset: Some("private_chat".into()),
        invite: vec![dana.user_id().unwrap().to_owned()],
        ..CreateRoom::default()
    }))
    .unwrap();
    run(dana.join(&room, &[])).unwrap();
    let set = Availability::WithPatient;
    run(priya.set_presence(PresenceState::Unavailable, Some(set.label()))).unwrap();

    let sync = run(dana.sync(&SyncRequest::default())).unwrap();
    let seen = sync
        .presence
        .events
        .iter()
        .filter(|e| e.sender == priya.user_id().unwrap())
        .find_map(|e| e.presence())
        .expect("priya's presence in dana's sync");
    assert_eq!(seen.presence, PresenceState::Unavailable);
    let online = seen.presence == PresenceState::Online;
    assert_eq!(
        Availability::from_presence(online, seen.status_msg.as_deref()),
        Some(set)
    );
}
