//! The typed Matrix client against a real Synapse (started by `scripts/test.sh`).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{canned_server, new_user, run, unique, TestClient, PASSWORD};
use rounds::api::events::{ReceiptContent, MESSAGE, RECEIPT};
use rounds::api::rounds::thread_reply_content;
use rounds::api::{Client, CreateRoom, Error, NativeTransport, SyncRequest, ThreadsInclude};
use serde_json::json;
use std::time::Duration;

fn room(client: &TestClient) -> String {
    let request = CreateRoom {
        room_version: Some("10".into()),
        preset: Some("private_chat".into()),
        ..CreateRoom::default()
    };
    run(client.create_room(&request)).expect("create room")
}

fn text(body: &str) -> serde_json::Value {
    json!({ "msgtype": "m.text", "body": body })
}

#[test]
fn versions_and_login_with_good_and_bad_password() {
    let user = new_user("login");
    let versions = run(user.versions()).unwrap();
    assert!(versions.versions.iter().any(|v| v.starts_with("v1.")));
    let me = run(user.whoami()).unwrap();
    assert_eq!(me.user_id, user.user_id().unwrap());

    let mut stranger = Client::new(NativeTransport::default(), &common::homeserver());
    let err = run(stranger.login(&me.user_id, "wrong password", None)).unwrap_err();
    assert_eq!(err.errcode(), Some("M_FORBIDDEN"));
    assert_eq!(err.status(), Some(403));
    assert!(!err.is_retryable());
    assert!(stranger.session().is_none());

    // Logging out kills the token on the server: the next call is M_UNKNOWN_TOKEN.
    let session = run(stranger.login(&me.user_id, PASSWORD, None)).unwrap();
    let stale = Client::new(NativeTransport::default(), &common::homeserver()).with_session(session);
    run(stranger.logout()).unwrap();
    let err = run(stale.whoami()).unwrap_err();
    assert!(err.is_unknown_token(), "{err:?}");
}

#[test]
fn sync_round_trip_sees_sent_message() {
    let user = new_user("sync");
    let room = room(&user);
    let first = run(user.sync(&SyncRequest::default())).unwrap();
    assert!(first.rooms.join.contains_key(&room));
    let sent = run(user.send_event(&room, MESSAGE, &unique("txn"), &text("hello"))).unwrap();
    let next = run(user.sync(&SyncRequest {
        since: Some(first.next_batch.clone()),
        timeout: Some(Duration::from_secs(5)),
        ..SyncRequest::default()
    }))
    .unwrap();
    let events = &next.rooms.join[&room].timeline.events;
    let echoed = events.iter().find(|e| e.event_id == sent).expect("sent event in sync");
    assert_eq!(echoed.content["body"], "hello");
    assert!(echoed.transaction_id().is_some(), "own send carries its txn id");
    assert_ne!(next.next_batch, first.next_batch);
}

#[test]
fn same_txn_id_returns_same_event() {
    let user = new_user("txn");
    let room = room(&user);
    let txn = unique("t");
    let a = run(user.send_event(&room, MESSAGE, &txn, &text("once"))).unwrap();
    let b = run(user.send_event(&room, MESSAGE, &txn, &text("once"))).unwrap();
    assert_eq!(a, b);
    let page = run(user.messages(&room, None, rounds::api::Direction::Backward, 50)).unwrap();
    assert_eq!(page.chunk.iter().filter(|e| e.content["body"] == "once").count(), 1);
}

#[test]
fn thread_reply_relations_and_threads_list() {
    let user = new_user("thread");
    let room = room(&user);
    let root = run(user.send_event(&room, MESSAGE, &unique("t"), &text("root"))).unwrap();
    let reply = run(user.send_event(
        &room,
        MESSAGE,
        &unique("t"),
        &thread_reply_content(&root, &root, "reply"),
    ))
    .unwrap();
    let threads = run(user.threads(&room, ThreadsInclude::All, None, 10)).unwrap();
    assert_eq!(threads.chunk.len(), 1);
    assert_eq!(threads.chunk[0].event_id, root);
    let relations = run(user.relations(&room, &root, "m.thread", None, 10)).unwrap();
    assert_eq!(relations.chunk.len(), 1);
    assert_eq!(relations.chunk[0].event_id, reply);
    assert_eq!(relations.chunk[0].thread_root(), Some(root.as_str()));
    let fetched = run(user.event(&room, &reply)).unwrap();
    assert_eq!(fetched.content["body"], "reply");
}

#[test]
fn threaded_receipt_is_seen_by_the_other_user() {
    let alice = new_user("alice");
    let bob = new_user("bob");
    let room = room(&alice);
    run(alice.invite(&room, bob.user_id().unwrap())).unwrap();
    run(bob.join(&room, &[])).unwrap();
    let root = run(alice.send_event(&room, MESSAGE, &unique("t"), &text("root"))).unwrap();
    let reply = run(alice.send_event(&room, MESSAGE, &unique("t"), &thread_reply_content(&root, &root, "r"))).unwrap();
    let before = run(alice.sync(&SyncRequest::default())).unwrap();
    run(bob.send_read_receipt(&room, &reply, Some(&root))).unwrap();
    let after = run(alice.sync(&SyncRequest {
        since: Some(before.next_batch),
        timeout: Some(Duration::from_secs(5)),
        ..SyncRequest::default()
    }))
    .unwrap();
    let receipts: Vec<ReceiptContent> = after.rooms.join[&room]
        .ephemeral
        .events
        .iter()
        .filter(|e| e.kind == RECEIPT)
        .filter_map(|e| serde_json::from_value(e.content.clone()).ok())
        .collect();
    let bobs = receipts
        .iter()
        .find_map(|r| r.get(&reply)?.get("m.read")?.get(bob.user_id().unwrap()).cloned())
        .expect("bob's receipt on the reply");
    assert_eq!(bobs.thread_id.as_deref(), Some(root.as_str()));
}

#[test]
fn state_put_and_get() {
    let user = new_user("state");
    let room = room(&user);
    let missing: Option<serde_json::Value> = run(user.state(&room, "app.rounds.test", "k")).unwrap();
    assert!(missing.is_none());
    run(user.put_state(&room, "app.rounds.test", "k", &json!({"n": 1}))).unwrap();
    let got: Option<serde_json::Value> = run(user.state(&room, "app.rounds.test", "k")).unwrap();
    assert_eq!(got, Some(json!({"n": 1})));
}

#[test]
fn forbidden_is_a_typed_error() {
    let owner = new_user("owner");
    let outsider = new_user("outsider");
    let room = room(&owner);
    let err = run(outsider.send_event(&room, MESSAGE, &unique("t"), &text("let me in"))).unwrap_err();
    match &err {
        Error::Server(e) => {
            assert_eq!(e.status, 403);
            assert_eq!(e.errcode, "M_FORBIDDEN");
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    assert!(!err.is_retryable());
}

#[test]
fn rate_limit_reports_retry_after_and_retry_succeeds() {
    let user = new_user("limited");
    let room = room(&user);
    let (proxy, refused) = common::rate_limiting_proxy("/send/", 1);
    let through_proxy = Client::new(NativeTransport::default(), &proxy).with_session(user.session().unwrap().clone());
    let txn = unique("t");
    let err = run(through_proxy.send_event(&room, MESSAGE, &txn, &text("patient"))).unwrap_err();
    assert_eq!(err.errcode(), Some("M_LIMIT_EXCEEDED"));
    assert!(err.is_retryable());
    let wait = err.retry_after_ms().expect("retry-after");
    assert_eq!(wait, 1000, "the Retry-After header wins over the body");
    std::thread::sleep(Duration::from_millis(wait));
    let id = run(through_proxy.send_event(&room, MESSAGE, &txn, &text("patient"))).unwrap();
    assert!(id.starts_with('$'));
    assert_eq!(refused.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A tool's client can wait the limit out itself.
    let (proxy, refused) = common::rate_limiting_proxy("/send/", 1);
    let patient = Client::new(NativeTransport::default(), &proxy)
        .with_session(user.session().unwrap().clone())
        .waiting_out_rate_limits(Duration::from_secs(5));
    let started = std::time::Instant::now();
    run(patient.send_event(&room, MESSAGE, &unique("t"), &text("waited"))).unwrap();
    assert_eq!(refused.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "it waited as the server asked"
    );
}

#[test]
fn malformed_answers_are_errors_not_panics() {
    let cases = [
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"versions\":[1",
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]",
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>",
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\nnope!!",
    ];
    for raw in cases {
        let client = Client::new(NativeTransport::default(), &canned_server(raw));
        let err = run(client.versions()).unwrap_err();
        assert!(matches!(err, Error::BadResponse { .. }), "{raw}: {err:?}");
    }
    let dead = Client::new(NativeTransport::default(), "http://127.0.0.1:9");
    assert!(matches!(run(dead.versions()), Err(Error::Connection(_))));
}
