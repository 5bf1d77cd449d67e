//! The device secret that opens a person's records on a device (#24 §3): the homeserver keeps
//! it for them alone, every sign-in gets the same one, and nobody else's token reads it.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{homeserver, new_device, new_user, run};
use rounds::api::rounds::DEVICE_SECRET;
use rounds::api::{encode, Body, HttpRequest, Method, NativeTransport, Transport};
use rounds::session::device_secret;
use std::time::Duration;

#[test]
fn every_sign_in_of_a_person_gets_the_same_secret_and_a_first_one_is_created_once() {
    let priya = new_user("priya");
    let first = run(device_secret(&priya, &[1; 32])).unwrap();
    assert_eq!(first, vec![1; 32], "the first sign-in creates it from its random bytes");
    // Another device (after idle logoff, another tablet) brings other random bytes: the kept
    // secret wins, so the records sealed before open again.
    let tablet = new_device(&priya);
    assert_eq!(run(device_secret(&tablet, &[2; 32])).unwrap(), first);
}

#[test]
fn something_else_in_the_account_data_is_replaced_and_short_random_bytes_are_refused() {
    let priya = new_user("priya");
    run(priya.set_account_data(DEVICE_SECRET, &serde_json::json!({ "key": "c2hvcnQ" }))).unwrap();
    assert!(run(device_secret(&priya, &[3; 8])).is_err(), "8 bytes are not a key");
    assert_eq!(run(device_secret(&priya, &[3; 32])).unwrap(), vec![3; 32]);
}

#[test]
fn another_persons_token_cannot_read_or_replace_the_secret() {
    let priya = new_user("priya");
    run(device_secret(&priya, &[4; 32])).unwrap();
    let sam = new_user("sam");
    let path = format!(
        "{}/_matrix/client/v3/user/{}/account_data/{}",
        homeserver(),
        encode(priya.user_id().unwrap()),
        encode(DEVICE_SECRET)
    );
    let token = sam.tokens().unwrap().access_token;
    let transport = NativeTransport::default();
    let ask = |method: Method, body: Option<Body>| {
        run(transport.send(HttpRequest {
            method,
            url: path.clone(),
            access_token: Some(token.clone()),
            body,
            if_match: None,
            timeout: Duration::from_secs(10),
        }))
        .unwrap()
    };
    let read = ask(Method::Get, None);
    assert_eq!(read.status, 403, "{}", String::from_utf8_lossy(&read.body));
    let written = ask(
        Method::Put,
        Some(Body::Json(
            r#"{"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#.into(),
        )),
    );
    assert_eq!(written.status, 403, "{}", String::from_utf8_lossy(&written.body));
    assert_eq!(run(device_secret(&priya, &[5; 32])).unwrap(), vec![4; 32], "still hers");
}
