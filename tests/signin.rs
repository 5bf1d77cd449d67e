//! Entering the clinic after the homeserver answered a sign-in: the answer of the form that works
//! before the app has loaded (`public/signin.js`) is read like the app's own, and a usual
//! sign-in reads what it needs in one round of requests (no waterfall before the main sync).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{homeserver, new_user, run, unique, Flaky, PASSWORD};
use rounds::api::{Body, HttpRequest, Method, NativeTransport, Transport};
use rounds::domain::clinic::roles::FRONT_DESK;
use rounds::domain::ClinicPolicy;
use rounds::provision;
use rounds::session::{sign_in_answered, SignInError};
use std::time::Duration;

/// `POST /login` exactly as the early sign-in form sends it; returns (status, body).
fn early_login(user: &str, password: &str) -> (u16, String) {
    let body = serde_json::json!({
        "type": "m.login.password",
        "identifier": { "type": "m.id.user", "user": user },
        "password": password,
        "initial_device_display_name": "Rounds",
        "refresh_token": true,
    });
    let response = run(NativeTransport::default().send(HttpRequest {
        method: Method::Post,
        url: format!("{}/_matrix/client/v3/login", homeserver()),
        access_token: None,
        body: Some(Body::Json(body.to_string())),
        if_match: None,
        timeout: Duration::from_secs(30),
    }))
    .unwrap();
    (response.status, String::from_utf8(response.body).unwrap())
}

fn localpart(client: &common::TestClient) -> String {
    client.user_id().unwrap()[1..].split(':').next().unwrap().to_owned()
}

#[test]
fn an_early_sign_in_enters_the_clinic_and_a_usual_one_reads_in_one_round() {
    let admin = new_user("admin");
    let prefix = unique("early");
    let (clinic, _) = run(provision::ensure_clinic(
        &admin,
        &prefix,
        ClinicPolicy::with_defaults("Early"),
    ))
    .unwrap();
    let desk = new_user("desk");
    run(provision::add_roles(
        &admin,
        &clinic,
        desk.user_id().unwrap(),
        &[FRONT_DESK.to_owned()],
    ))
    .unwrap();
    let name = localpart(&desk);

    // First sign-in: the role invite is accepted and the categories it allows are joined.
    let (status, body) = early_login(&name, PASSWORD);
    let start = run(sign_in_answered(
        Flaky::default(),
        &homeserver(),
        status,
        body.as_bytes(),
        &prefix,
    ))
    .unwrap();
    assert_eq!(start.clinic.space, clinic.space);
    assert_eq!(start.client.user_id().unwrap(), desk.user_id().unwrap());
    assert!(start.client.tokens().unwrap().refresh_token.is_some());
    let scheduling = clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let clinical = clinic.policy.category("clinical").unwrap().room.clone().unwrap();
    assert!(start.joined.contains(&scheduling));
    assert!(!start.joined.contains(&clinical));

    // The next sign-in has nothing to join: four reads (invites and the clinic policy in one
    // small sync, joined rooms, the clinic alias, the display name), made together.
    let transport = Flaky::default();
    let (status, body) = early_login(&name, PASSWORD);
    let again = run(sign_in_answered(
        transport.clone(),
        &homeserver(),
        status,
        body.as_bytes(),
        &prefix,
    ))
    .unwrap();
    assert_eq!(again.joined, start.joined);
    assert_eq!(again.clinic.policy, start.clinic.policy);
    assert_eq!(transport.sent.get(), 4);
}

#[test]
fn a_refused_or_lost_early_sign_in_reads_as_the_app_says_it() {
    let user = new_user("refused");
    let (status, body) = early_login(&localpart(&user), "not the password");
    let err = run(sign_in_answered(
        NativeTransport::default(),
        &homeserver(),
        status,
        body.as_bytes(),
        "x",
    ))
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err.to_string(), "Wrong username or password.");

    let lost = run(sign_in_answered(
        NativeTransport::default(),
        "https://matrix.clinic.example",
        0,
        b"TypeError: Failed to fetch",
        "x",
    ))
    .map(|_| ())
    .unwrap_err();
    assert!(matches!(lost, SignInError::Login { .. }));
    assert_eq!(
        lost.to_string(),
        "Cannot reach the homeserver at https://matrix.clinic.example. Check the address and your connection."
    );
}
