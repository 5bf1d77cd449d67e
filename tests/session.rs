//! The session service against a real Synapse, natively: it syncs into the inbox, keeps the
//! inbox on the device, paints from it after a restart with no network, continues from the kept
//! token, and shows queued messages as Sending until they are on the server.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{flaky_client, new_room, new_user, run, unique, Flaky};
use rounds::api::rounds::{thread_reply_content, ThreadMeta};
use rounds::domain::{Body, ClinicPolicy, Delivery};
use rounds::provision::Clinic;
use rounds::session::{Change, Labels, Session, Start};
use rounds::store::{LocalStore, MemoryStore};
use rounds::sync::NativePlatform;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

type TestSession = Session<Flaky, MemoryStore, NativePlatform>;

/// A clinic of one category room, for `user`.
fn clinic(room: &str) -> Clinic {
    let mut policy = ClinicPolicy::with_defaults("Session Clinic");
    policy.categories[0].room = Some(room.to_owned());
    Clinic {
        space: "!no-space:localhost".into(),
        policy,
    }
}

fn session(client: rounds::api::Client<Flaky>, room: &str, store: &Rc<MemoryStore>) -> TestSession {
    let cache = run(store.load_cache()).unwrap();
    let start = Start {
        client,
        clinic: clinic(room),
        joined: BTreeSet::from([room.to_owned()]),
        display_name: None,
        cache,
    };
    Session::new(start, store.clone(), NativePlatform::default(), Labels::default())
}

fn texts(s: &TestSession, room: &str, root: &str) -> Vec<(String, Delivery)> {
    s.with_inbox(|i| {
        i.thread(room, root)
            .map(|t| {
                t.messages
                    .iter()
                    .filter_map(|m| match &m.body {
                        Body::Text(text) => Some((text.clone(), m.delivery.clone())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

#[test]
fn the_inbox_is_kept_on_the_device_painted_offline_and_synced_on_from_its_token() {
    let user = new_user("kept");
    let room = new_room(&user);
    let meta = ThreadMeta {
        topic: "Authorization renewal".into(),
        patient: None,
        priority: Default::default(),
        to_roles: Vec::new(),
    };
    let root = run(user.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &meta.root_content("Expires Friday."),
    ))
    .unwrap();
    let store = Rc::new(MemoryStore::default());

    let (client, _) = flaky_client(&user);
    let first = session(client, &room, &store);
    run(first.sync_once(Duration::from_millis(100))).unwrap();
    assert_eq!(
        texts(&first, &room, &root),
        [("Expires Friday.".to_owned(), Delivery::Sent)]
    );
    run(first.persist());
    assert!(run(store.load_cache()).unwrap().is_some_and(|c| c.since.is_some()));

    // A reply arrives while the app is closed; then the app starts in a dead zone.
    let reply = unique("Renewal approved ");
    run(user.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &thread_reply_content(&root, &root, &reply),
    ))
    .unwrap();
    drop(first);
    let (client, flaky) = flaky_client(&user);
    flaky.offline.set(true);
    let restarted = session(client, &room, &store);
    // Painted from the device, no network involved.
    assert_eq!(restarted.with_inbox(|i| i.len()), 1);
    assert_eq!(
        restarted.with_inbox(|i| i.thread(&room, &root).unwrap().info.title()),
        "Authorization renewal"
    );

    // Back online: only what happened since the kept token arrives, nothing twice.
    flaky.offline.set(false);
    run(restarted.sync_once(Duration::from_millis(100))).unwrap();
    let shown: Vec<String> = texts(&restarted, &room, &root).into_iter().map(|(t, _)| t).collect();
    assert_eq!(shown, ["Expires Friday.".to_owned(), reply]);
}

#[test]
fn a_reply_written_offline_shows_as_sending_after_a_restart_and_is_sent_once() {
    let user = new_user("queued");
    let room = new_room(&user);
    let meta = ThreadMeta {
        topic: "Friday coverage".into(),
        patient: None,
        priority: Default::default(),
        to_roles: Vec::new(),
    };
    let root = run(user.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &meta.root_content("Who can cover?"),
    ))
    .unwrap();
    let store = Rc::new(MemoryStore::default());
    let (client, flaky) = flaky_client(&user);
    let first = session(client, &room, &store);
    run(first.sync_once(Duration::from_millis(100))).unwrap();
    run(first.persist());

    flaky.offline.set(true);
    let text = unique("I can take the 2 pm ");
    run(first.reply(&room, &root, &text)).unwrap();
    assert_eq!(
        texts(&first, &room, &root).last().unwrap(),
        &(text.clone(), Delivery::Sending)
    );

    // Reload, still offline: the thread and the queued reply are there, marked Sending.
    let (client, flaky) = flaky_client(&user);
    flaky.offline.set(true);
    let restarted = session(client, &room, &store);
    let changes = Rc::new(RefCell::new(Vec::new()));
    {
        let changes = changes.clone();
        restarted.listen(move |c| changes.borrow_mut().push(c.clone()));
    }
    run(restarted.start());
    assert_eq!(
        texts(&restarted, &room, &root).last().unwrap(),
        &(text.clone(), Delivery::Sending)
    );
    assert!(changes.borrow().contains(&Change::Inbox));

    flaky.offline.set(false);
    run(restarted.send_queued());
    assert_eq!(restarted.unsent(), 0);
    run(restarted.sync_once(Duration::from_millis(100))).unwrap();
    let shown = texts(&restarted, &room, &root);
    assert_eq!(shown.iter().filter(|(t, _)| *t == text).count(), 1);
    assert_eq!(shown.last().unwrap().1, Delivery::Sent);
    assert_eq!(common::bodies(&user, &room).iter().filter(|b| **b == text).count(), 1);
}
