//! The outbox against a real Synapse, over an in-memory store: order, exactly once across
//! restarts and devices, transient versus permanent failures, a thread written offline.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{bodies, flaky_client, new_device, new_room, new_user, run, unique, Flaky};
use rounds::api::rounds::ThreadMeta;
use rounds::api::Client;
use rounds::domain::{Status, ThreadInfo};
use rounds::store::{LocalStore, MemoryStore, OutboxState};
use rounds::sync::{Alarm, Command, NativePlatform, Outbox, OutboxEvent};
use std::cell::RefCell;
use std::rc::Rc;

fn reply(text: &str) -> Command {
    Command::Reply {
        text: text.to_owned(),
        mentions: Vec::new(),
    }
}

fn outbox<T: rounds::api::Transport>(
    client: Client<T>,
    store: &Rc<MemoryStore>,
) -> Outbox<T, MemoryStore, NativePlatform> {
    Outbox::new(client, store.clone(), NativePlatform::default(), Alarm::default())
}

/// A room with one thread root; returns (room, root).
fn thread(user: &common::TestClient) -> (String, String) {
    let room = new_room(user);
    let meta = ThreadMeta {
        topic: "Friday coverage".into(),
        patient: None,
        priority: Default::default(),
        to_roles: Vec::new(),
        category: None,
    };
    let root = run(user.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &meta.root_content("Who can cover?"),
    ))
    .unwrap();
    (room, root)
}

#[test]
fn items_are_kept_before_sending_and_go_out_once_each_in_order() {
    let user = new_user("order");
    let (room, root) = thread(&user);
    let store = Rc::new(MemoryStore::default());
    let queue = outbox(user.clone(), &store);
    let texts: Vec<String> = (1..=4).map(|i| unique(&format!("message {i} "))).collect();
    for text in &texts {
        run(queue.queue(&room, Some(&root), &root, &reply(text))).unwrap();
    }
    // Persisted before any attempt: a crash from here on loses nothing.
    assert_eq!(run(store.outbox()).unwrap().len(), 4);
    run(queue.drain());
    assert!(queue.is_empty());
    assert!(run(store.outbox()).unwrap().is_empty());
    let sent: Vec<String> = bodies(&user, &room).into_iter().filter(|b| texts.contains(b)).collect();
    assert_eq!(sent, texts);
}

#[test]
fn a_restart_after_an_unconfirmed_send_reuses_the_txn_id_and_stores_it_once() {
    let user = new_user("restart");
    let (room, root) = thread(&user);
    let store = Rc::new(MemoryStore::default());
    let text = unique("Sent just before the crash ");
    let item = run(outbox(user.clone(), &store).queue(&room, Some(&root), &root, &reply(&text))).unwrap();
    // The first attempt reached the server, but the app died before it heard the answer.
    run(user.send_event(&item.room_id, &item.event_type, &item.txn_id, &item.content)).unwrap();

    let after_restart = outbox(user.clone(), &store);
    run(after_restart.load()).unwrap();
    assert_eq!(after_restart.items().len(), 1);
    run(after_restart.drain());
    assert_eq!(bodies(&user, &room).iter().filter(|b| **b == text).count(), 1);
    assert!(run(store.outbox()).unwrap().is_empty());
}

#[test]
fn signing_in_again_on_a_new_device_does_not_send_twice() {
    let user = new_user("device");
    let (room, root) = thread(&user);
    let store = Rc::new(MemoryStore::default());
    let (sent, never) = (unique("Reached the server "), unique("Never attempted "));
    let first = outbox(user.clone(), &store);
    let item = run(first.queue(&room, Some(&root), &root, &reply(&sent))).unwrap();
    run(first.queue(&room, Some(&root), &root, &reply(&never))).unwrap();
    run(user.send_event(&item.room_id, &item.event_type, &item.txn_id, &item.content)).unwrap();

    // Idle logoff, sign in again: a new device, whose txn ids the server has never seen.
    let again = new_device(&user);
    assert_ne!(again.session().unwrap().device_id, user.session().unwrap().device_id);
    let second = outbox(again, &store);
    run(second.load()).unwrap();
    run(second.drain());
    let all = bodies(&user, &room);
    assert_eq!(all.iter().filter(|b| **b == sent).count(), 1, "found, not sent again");
    assert_eq!(all.iter().filter(|b| **b == never).count(), 1, "and the other one sent");
}

#[test]
fn transient_failures_wait_and_retry_permanent_ones_fail_and_later_items_go_on() {
    let user = new_user("failures");
    let (room, root) = thread(&user);
    let (client, flaky) = flaky_client(&user);
    let store = Rc::new(MemoryStore::default());
    let queue = outbox(client, &store);
    let events = Rc::new(RefCell::new(Vec::new()));
    {
        let (events, flaky) = (events.clone(), flaky.clone());
        queue.listen(move |event| {
            // The network comes back while the outbox waits.
            if matches!(event, OutboxEvent::Waiting { .. }) {
                flaky.offline.set(false);
            }
            events.borrow_mut().push(event);
        });
    }
    // A room the person is not in: the homeserver refuses (403), for good.
    let stranger = new_user("stranger");
    let closed = new_room(&stranger);
    let (offline, refused, after) = (
        unique("Written offline "),
        unique("Not allowed "),
        unique("After the refusal "),
    );
    flaky.offline.set(true);
    run(queue.queue(&room, Some(&root), &root, &reply(&offline))).unwrap();
    run(queue.queue(&closed, Some("$elsewhere"), "$elsewhere", &reply(&refused))).unwrap();
    run(queue.queue(&room, Some(&root), &root, &reply(&after))).unwrap();
    run(queue.drain());

    let seen = events.borrow().clone();
    assert!(
        seen.iter().any(|e| matches!(e, OutboxEvent::Waiting { .. })),
        "offline waits"
    );
    let failed: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            OutboxEvent::Failed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(failed, ["You can no longer post in this thread."]);
    let all = bodies(&user, &room);
    assert_eq!(all.iter().filter(|b| **b == offline || **b == after).count(), 2);
    // The refused one is kept, failed, for Retry or Delete.
    let kept = run(store.outbox()).unwrap();
    assert_eq!(kept.len(), 1);
    assert!(matches!(kept[0].state, OutboxState::Failed(_)));
    run(queue.delete(&kept[0].txn_id)).unwrap();
    assert!(run(store.outbox()).unwrap().is_empty());
}

#[test]
fn a_thread_written_offline_is_created_once_with_its_replies_in_it() {
    let user = new_user("offline-thread");
    let room = new_room(&user);
    let (client, flaky) = flaky_client(&user);
    let store = Rc::new(MemoryStore::default());
    flaky.offline.set(true);
    let queue: Outbox<Flaky, MemoryStore, NativePlatform> = outbox(client, &store);
    let topic = unique("Written in a dead zone ");
    let info = ThreadInfo {
        topic: topic.clone(),
        ..ThreadInfo::default()
    };
    let root = run(queue.queue(
        &room,
        None,
        "",
        &Command::NewThread {
            info,
            text: "Who can cover?".into(),
            mentions: Vec::new(),
        },
    ))
    .unwrap();
    assert!(root.is_thread_root());
    let follow_up = unique("A reply written before the thread was sent ");
    run(queue.queue(&room, Some(&root.txn_id), &root.txn_id, &reply(&follow_up))).unwrap();
    run(queue.queue(
        &room,
        Some(&root.txn_id),
        &root.txn_id,
        &Command::SetStatus(Status::Resolved),
    ))
    .unwrap();

    // A restart while still offline, then the network returns.
    let restarted = outbox(
        Client::new(flaky.clone(), &common::homeserver()).with_session(user.session().unwrap().clone()),
        &store,
    );
    run(restarted.load()).unwrap();
    let sent = Rc::new(RefCell::new(Vec::new()));
    {
        let (sent, flaky) = (sent.clone(), flaky.clone());
        restarted.listen(move |event| match event {
            OutboxEvent::Waiting { .. } => flaky.offline.set(false),
            OutboxEvent::Sent { item, event_id } => sent.borrow_mut().push((item.txn_id.clone(), event_id)),
            _ => {}
        });
    }
    run(restarted.drain());
    assert!(restarted.is_empty());
    let sent = sent.borrow();
    assert_eq!(sent.len(), 3);
    let root_id = &sent
        .iter()
        .find(|(txn, _)| *txn == root.txn_id)
        .expect("the root was sent")
        .1;
    // The reply and the status change are in the new thread, under its real event id.
    let in_thread = run(user.relations(&room, root_id, "m.thread", None, 10)).unwrap();
    let texts: Vec<&str> = in_thread
        .chunk
        .iter()
        .filter_map(|e| e.content.get("body")?.as_str())
        .collect();
    assert!(texts.contains(&follow_up.as_str()), "{texts:?}");
    assert_eq!(in_thread.chunk.len(), 2);
    let roots: Vec<String> = bodies(&user, &room)
        .into_iter()
        .filter(|b| b.contains(&topic))
        .collect();
    assert_eq!(roots.len(), 1, "created exactly once");
}

#[test]
fn an_attachment_written_offline_is_uploaded_and_sent_once_and_its_bytes_forgotten() {
    let user = new_user("attach");
    let (room, root) = thread(&user);
    let (client, flaky) = flaky_client(&user);
    let store = Rc::new(MemoryStore::default());
    let queue = outbox(client, &store);
    let stored_after_upload = Rc::new(RefCell::new(None));
    {
        let (flaky, store, stored) = (flaky.clone(), store.clone(), stored_after_upload.clone());
        queue.listen(move |event| match event {
            // The network goes right after the upload: the message itself waits.
            OutboxEvent::Uploaded(item) => {
                *stored.borrow_mut() = Some(pollster::block_on(store.outbox()).unwrap());
                assert!(item.content["url"].as_str().unwrap().starts_with("mxc://"));
                flaky.offline.set(true);
            }
            OutboxEvent::Waiting { .. } => flaky.offline.set(false),
            _ => {}
        });
    }
    let name = unique("letter-") + ".pdf";
    let bytes = b"%PDF-1.4\n% Referral letter\n".to_vec();
    let attach = Command::Attach {
        name: name.clone(),
        content_type: "application/pdf".into(),
        size: bytes.len() as u64,
    };
    flaky.offline.set(true);
    let item = run(queue.queue_file(&room, &root, &root, &attach, &bytes)).unwrap();
    // The bytes are kept with the item before anything is tried.
    assert_eq!(run(store.file(&item.txn_id)).unwrap(), Some(bytes.clone()));
    run(queue.drain());

    // Once uploaded, the item was stored with the file's address before the message went.
    let stored = stored_after_upload.borrow().clone().expect("uploaded");
    assert!(stored[0].content["url"].as_str().is_some());
    assert!(queue.is_empty());
    assert_eq!(run(store.file(&item.txn_id)).unwrap(), None, "the bytes are forgotten");
    assert_eq!(
        flaky.uploads.get(),
        1,
        "uploaded once, although the message waited after it"
    );
    let page = run(user.messages(&room, None, rounds::api::Direction::Backward, 20)).unwrap();
    let sent: Vec<_> = page
        .chunk
        .iter()
        .filter(|e| e.content["body"] == name.as_str())
        .collect();
    assert_eq!(sent.len(), 1, "sent once");
    assert_eq!(sent[0].content["msgtype"], "m.file");
    assert_eq!(sent[0].content["info"]["mimetype"], "application/pdf");
    let uri = sent[0].content["url"].as_str().unwrap();
    let media = rounds::api::MediaId::parse(uri).unwrap();
    assert_eq!(run(user.download_media(&media)).unwrap(), bytes);
}

#[test]
fn cancelling_an_attachment_deletes_it_and_its_bytes() {
    let user = new_user("cancel");
    let (room, root) = thread(&user);
    let store = Rc::new(MemoryStore::default());
    let queue = outbox(user.clone(), &store);
    let attach = Command::Attach {
        name: "card.png".into(),
        content_type: "image/png".into(),
        size: 4,
    };
    let item = run(queue.queue_file(&room, &root, &root, &attach, b"\x89PNG")).unwrap();
    run(queue.delete(&item.txn_id)).unwrap();
    assert!(queue.is_empty());
    assert!(run(store.outbox()).unwrap().is_empty());
    assert_eq!(run(store.file(&item.txn_id)).unwrap(), None);
}
