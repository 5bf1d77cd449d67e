//! Session lifetime as Synapse enforces it: short-lived access tokens renewed with a refresh
//! token, and a session that cannot be renewed once it has been left unused too long.
//! The test homeserver (`scripts/synapse.sh test`) gives access tokens 30 s and refresh tokens
//! 60 s, so these tests wait real time rather than mocking the clock.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{homeserver, new_user, run};
use rounds::api::{refresh_tokens, NativeTransport};
use std::time::Duration;

const ACCESS_LIFETIME: Duration = Duration::from_secs(30);
const REFRESH_LIFETIME: Duration = Duration::from_secs(60);

#[test]
fn an_expired_access_token_is_renewed_and_the_call_goes_through() {
    let user = new_user("renew");
    let first = user.tokens().unwrap();
    assert!(first.refresh_token.is_some(), "sign-in asks for a refresh token");
    let sharing = user.clone();
    std::thread::sleep(ACCESS_LIFETIME + Duration::from_secs(2));
    let me = run(user.whoami()).expect("renewed on the way");
    assert_eq!(Some(me.user_id.as_str()), user.session().map(|s| s.user_id.as_str()));
    let renewed = user.tokens().unwrap();
    assert_ne!(renewed.access_token, first.access_token);
    assert_eq!(
        sharing.tokens(),
        Some(renewed),
        "every service of the session uses the new token"
    );
}

#[test]
fn a_refresh_token_cannot_be_replayed_once_its_successor_was_used() {
    let user = new_user("replay");
    let old = user.tokens().unwrap().refresh_token.unwrap();
    let next = run(refresh_tokens(&NativeTransport::default(), &homeserver(), &old)).unwrap();
    let next_refresh = next.refresh_token.expect("rotated");
    run(refresh_tokens(
        &NativeTransport::default(),
        &homeserver(),
        &next_refresh,
    ))
    .unwrap();
    let err = run(refresh_tokens(&NativeTransport::default(), &homeserver(), &old)).unwrap_err();
    assert!(err.is_unknown_token(), "{err:?}");
}

#[test]
fn a_session_left_unused_past_the_refresh_lifetime_is_over() {
    let user = new_user("idle");
    std::thread::sleep(REFRESH_LIFETIME + Duration::from_secs(2));
    let err = run(user.whoami()).unwrap_err();
    assert!(err.is_unknown_token(), "the server ends it, not the app: {err:?}");
}
