//! The sync engine against a real Synapse: a gap larger than one sync's timeline is paginated,
//! so no message goes missing, and nothing is counted twice.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{new_user, run, unique};
use rounds::api::events::MESSAGE;
use rounds::api::rounds::{thread_reply_content, ThreadMeta};
use rounds::api::{Client, CreateRoom, NativeTransport};
use rounds::domain::{ClinicPolicy, Inbox, Incoming};
use rounds::sync::{SyncEngine, TIMELINE_LIMIT};
use std::collections::HashSet;
use std::time::Duration;

#[test]
fn a_limited_timeline_is_filled_from_history() {
    let user = new_user("gap");
    let room = run(user.create_room(&CreateRoom {
        room_version: Some("10".into()),
        preset: Some("private_chat".into()),
        ..CreateRoom::default()
    }))
    .unwrap();
    let mut policy = ClinicPolicy::with_defaults("Gap Clinic");
    policy.categories[0].room = Some(room.clone());
    let mut engine = SyncEngine::new(user.clone(), "!no-space:localhost".into(), policy);
    let mut inbox = Inbox::new(user.user_id().unwrap());

    let meta = ThreadMeta {
        topic: "Busy thread".into(),
        patient: None,
        priority: Default::default(),
        to_roles: Vec::new(),
        category: None,
    };
    let root = run(user.send_event(&room, MESSAGE, &unique("t"), &meta.root_content("start"))).unwrap();
    let batch = run(engine.poll(Duration::from_millis(100), |id| inbox.knows(id))).unwrap();
    inbox.apply(batch.incoming);
    assert_eq!(
        inbox
            .thread(&rounds::domain::ThreadKey::new(room.as_str(), root.as_str()))
            .unwrap()
            .messages
            .len(),
        1
    );

    // More replies than one sync returns, sent while the client was away.
    let replies = TIMELINE_LIMIT as usize + 50;
    let mut latest = root.clone();
    for i in 0..replies {
        let content = thread_reply_content(&root, &latest, &format!("reply {i}"));
        latest = run(user.send_event(&room, MESSAGE, &unique("t"), &content)).unwrap();
    }
    let batch = run(engine.poll(Duration::from_millis(100), |id| inbox.knows(id))).unwrap();
    let ids: Vec<&str> = batch
        .incoming
        .iter()
        .filter_map(|i| match i {
            Incoming::InThread { message, .. } => Some(message.id.as_str()),
            _ => None,
        })
        .collect();
    let unique_ids: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique_ids.len(), replies, "every reply arrives, the gap included");
    inbox.apply(batch.incoming.clone());
    // Applying the same batch again (a retried sync) changes nothing.
    inbox.apply(batch.incoming);
    let thread = inbox
        .thread(&rounds::domain::ThreadKey::new(room.as_str(), root.as_str()))
        .unwrap();
    assert_eq!(thread.messages.len(), replies + 1);
    let texts: Vec<String> = thread.messages[1..]
        .iter()
        .map(|m| match &m.body {
            rounds::domain::Body::Text(t) => t.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    let expected: Vec<String> = (0..replies).map(|i| format!("reply {i}")).collect();
    assert_eq!(texts, expected, "in order");
}

#[test]
fn an_expired_token_is_reported_as_unknown_token() {
    let mut user = new_user("expired");
    // Clones share tokens (so a refresh reaches every service); a separate client keeps the old one.
    let stale =
        Client::new(NativeTransport::default(), user.homeserver()).with_session(user.session().unwrap().clone());
    run(user.logout()).unwrap();
    let mut engine = SyncEngine::new(stale, "!x:localhost".into(), ClinicPolicy::with_defaults("X"));
    let err = run(engine.poll(Duration::from_millis(10), |_| false)).unwrap_err();
    assert!(err.is_unknown_token(), "{err:?}");
}

#[test]
fn a_root_that_cannot_be_fetched_is_tried_again_only_after_a_backoff() {
    let user = new_user("roots");
    let room = run(user.create_room(&CreateRoom {
        room_version: Some("10".into()),
        preset: Some("private_chat".into()),
        ..CreateRoom::default()
    }))
    .unwrap();
    let meta = ThreadMeta {
        topic: "Found".into(),
        patient: None,
        priority: Default::default(),
        to_roles: Vec::new(),
        category: None,
    };
    let real = run(user.send_event(&room, MESSAGE, &unique("t"), &meta.root_content("here"))).unwrap();
    let missing = vec![
        (room.clone(), real.clone()),
        (room.clone(), "$no-such-event".to_owned()),
    ];
    let mut fetcher = rounds::sync::RootFetcher::default();

    let found = run(fetcher.fetch(&user, &missing, 0));
    assert!(matches!(&found[0], Incoming::Root { message, .. } if message.id == real));
    assert_eq!(
        found[1],
        Incoming::RootUnavailable {
            room_id: room.clone(),
            root_id: "$no-such-event".into()
        },
        "the replies show at once under a stand-in"
    );
    // Not asked again at the next sync, only once the backoff has passed, then less often.
    assert!(run(fetcher.fetch(&user, &missing[1..], 30_000)).is_empty());
    assert_eq!(run(fetcher.fetch(&user, &missing[1..], 60_000)).len(), 1);
    assert!(run(fetcher.fetch(&user, &missing[1..], 150_000)).is_empty());
    assert_eq!(run(fetcher.fetch(&user, &missing[1..], 180_000)).len(), 1);
}
