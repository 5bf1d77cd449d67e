//! The push gateway (`rounds-push`, started here as its own process) against the real Synapse:
//! a message makes Synapse call the gateway, which sends an encrypted, VAPID-signed Web Push
//! request to a stand-in push service run by this test. The test decrypts it with the keys its
//! "browser" subscribed with and checks that it holds ids only.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use base64ct::{Base64UrlUnpadded, Encoding};
use common::*;
use rounds::api::Pusher;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair, ES256PublicKey};
use web_push_native::jwt_simple::claims::NoCustomClaims;
use web_push_native::jwt_simple::common::VerificationOptions;
use web_push_native::p256::SecretKey;
use web_push_native::Auth;

const APP_ID: &str = "org.rounds.test";
/// How long the stand-in push service takes on `/slow/…`.
const SLOW_PUSH_SERVICE: Duration = Duration::from_secs(3);

/// One request the stand-in push service received.
#[derive(Clone)]
struct Received {
    at: Instant,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A push service: records every request; `/gone/…` answers 410 (subscription expired),
/// `/slow/…` takes 3 s (each request in its own thread), the rest 201 Created, as browsers'
/// push services do.
fn stand_in_push_service() -> (String, Arc<Mutex<Vec<Received>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind stand-in push service");
    let url = format!("http://{}", server.server_addr().to_ip().expect("ip address"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut body = Vec::new();
                let _ = request.as_reader().read_to_end(&mut body);
                let path = request.url().to_owned();
                let headers = request
                    .headers()
                    .iter()
                    .map(|h| (h.field.to_string(), h.value.to_string()))
                    .collect();
                log.lock().unwrap().push(Received {
                    at: Instant::now(),
                    path: path.clone(),
                    headers,
                    body,
                });
                if path.starts_with("/slow") {
                    std::thread::sleep(SLOW_PUSH_SERVICE);
                }
                let gone = path.starts_with("/gone/") || path.starts_with("/slow-gone/");
                let status = if gone { 410 } else { 201 };
                // Each connection serves one request, as the gateway's do (see rounds-push's cli.rs).
                let close = tiny_http::Header::from_bytes("Connection", "close").expect("static header");
                let _ = request.respond(tiny_http::Response::empty(status).with_header(close));
            });
        }
    });
    (url, received)
}

/// The gateway binary, with its own key folder, allowed to push to the stand-in.
struct Gateway {
    child: Child,
    url: String,
    public_key: String,
    _state: TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_gateway(push_service: &str) -> Gateway {
    start_gateway_with(push_service, &[])
}

fn start_gateway_with(push_service: &str, extra: &[&str]) -> Gateway {
    let state = TempDir(std::env::temp_dir().join(unique("rounds-push-")));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = env!("CARGO_BIN_EXE_rounds-push");
    let public_key = Command::new(binary)
        .arg("--state")
        .arg(&state.0)
        .arg("public-key")
        .output()
        .expect("rounds-push public-key");
    assert!(public_key.status.success(), "public-key failed");
    let public_key = String::from_utf8(public_key.stdout).unwrap().trim().to_owned();
    let child = Command::new(binary)
        .arg("--state")
        .arg(&state.0)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--app-id", APP_ID])
        .args([
            "--contact",
            "mailto:it@riverside.example",
            "--allow-endpoint",
            &format!("{push_service}/"),
        ])
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .expect("start rounds-push");
    let url = format!("http://127.0.0.1:{port}/_matrix/push/v1/notify");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "rounds-push did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Gateway {
        child,
        url,
        public_key,
        _state: state,
    }
}

/// A browser's subscription keys: the P-256 key pair and the 16-byte auth secret.
struct BrowserKeys {
    secret: SecretKey,
    p256dh: String,
    auth: Auth,
}

fn browser_keys() -> BrowserKeys {
    let secret = SecretKey::from_slice(&ES256KeyPair::generate().to_bytes()).unwrap();
    let p256dh = Base64UrlUnpadded::encode_string(
        web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&secret.public_key(), false)
            .as_bytes(),
    );
    let auth = Auth::clone_from_slice(&ES256KeyPair::generate().to_bytes()[..16]);
    BrowserKeys { secret, p256dh, auth }
}

fn subscribe(user: &TestClient, gateway: &Gateway, endpoint: &str, keys: &BrowserKeys) {
    let pusher = Pusher::web_push(
        &gateway.url,
        APP_ID,
        endpoint,
        &keys.p256dh,
        &Base64UrlUnpadded::encode_string(&keys.auth),
        "test browser",
    );
    run(user.set_pusher(&pusher)).expect("register pusher");
}

fn wait_for<T>(what: &str, seconds: u64, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn shared_room(a: &TestClient, b: &TestClient) -> String {
    let room = new_room(a);
    run(a.invite(&room, b.user_id().unwrap())).unwrap();
    run(b.join(&room, &[])).unwrap();
    room
}

#[test]
fn a_message_reaches_the_push_service_encrypted_signed_and_without_content() {
    let (push_service, received) = stand_in_push_service();
    let gateway = start_gateway(&push_service);
    let (sender, reader) = (new_user("pushfrom"), new_user("pushto"));
    let room = shared_room(&sender, &reader);
    let keys = browser_keys();
    let endpoint = format!("{push_service}/push/{}", unique("sub"));
    subscribe(&reader, &gateway, &endpoint, &keys);
    assert_eq!(run(reader.pushers()).unwrap().len(), 1, "pusher listed");

    let text = "Sara M. arrived for her 2 pm session";
    let sent_at = Instant::now();
    let event_id = run(sender.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &serde_json::json!({
            "msgtype": "m.text", "body": text
        }),
    ))
    .unwrap();
    let push = wait_for("the push request", 30, || {
        received
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.path.starts_with("/push/"))
            .cloned()
    });
    println!(
        "send → push request at the push service: {} ms",
        push.at.duration_since(sent_at).as_millis()
    );

    // RFC 8291: aes128gcm content, decrypted with the browser's keys.
    assert_eq!(push.header("Content-Encoding"), Some("aes128gcm"));
    assert!(push.header("TTL").is_some_and(|ttl| ttl.parse::<u64>().unwrap() > 0));
    assert!(matches!(push.header("Urgency"), Some("normal" | "high")));
    assert!(
        !String::from_utf8_lossy(&push.body).contains("Sara"),
        "content is encrypted"
    );
    let plain = web_push_native::decrypt(push.body.clone(), &keys.secret, &keys.auth).expect("decrypts");
    let payload: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(payload["room_id"], room.as_str());
    assert_eq!(payload["event_id"], event_id.as_str());
    let fields: Vec<&str> = payload.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, ["event_id", "prio", "room_id", "unread"], "ids and counts only");
    assert!(!String::from_utf8_lossy(&plain).contains("Sara"), "no message text");

    // RFC 8292: a VAPID JWT signed by the gateway's key, for the push service's origin.
    let authorization = push.header("Authorization").expect("VAPID authorization");
    let (token, key) = authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("vapid t=…, k=…");
    assert_eq!(key, gateway.public_key, "signed with the gateway's published key");
    let public = ES256PublicKey::from_bytes(&Base64UrlUnpadded::decode_vec(key).unwrap()).unwrap();
    // The audience is the push service's origin, with its port (RFC 8292).
    let for_push_service = || VerificationOptions {
        allowed_audiences: Some(HashSet::from([push_service.clone()])),
        ..VerificationOptions::default()
    };
    let claims = public
        .verify_token::<NoCustomClaims>(token, Some(for_push_service()))
        .expect("valid signature and audience");
    assert_eq!(claims.subject.as_deref(), Some("mailto:it@riverside.example"));
    let forged = ES256KeyPair::generate().public_key();
    assert!(
        forged
            .verify_token::<NoCustomClaims>(token, Some(for_push_service()))
            .is_err(),
        "another key does not verify"
    );
}

#[test]
fn dead_subscriptions_are_reported_and_synapse_drops_their_pushers() {
    let (push_service, received) = stand_in_push_service();
    let gateway = start_gateway(&push_service);
    let (sender, reader) = (new_user("gonefrom"), new_user("goneto"));
    let room = shared_room(&sender, &reader);
    let (live, dead) = (browser_keys(), browser_keys());
    subscribe(
        &reader,
        &gateway,
        &format!("{push_service}/push/{}", unique("live")),
        &live,
    );
    subscribe(
        &reader,
        &gateway,
        &format!("{push_service}/gone/{}", unique("dead")),
        &dead,
    );
    assert_eq!(run(reader.pushers()).unwrap().len(), 2);

    run(sender.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &serde_json::json!({
            "msgtype": "m.text", "body": "Friday coverage needed"
        }),
    ))
    .unwrap();
    wait_for("both push requests", 30, || {
        (received.lock().unwrap().len() >= 2).then_some(())
    });
    let left = wait_for("Synapse to remove the dead pusher", 30, || {
        let pushers = run(reader.pushers()).unwrap();
        (pushers.len() == 1).then_some(pushers)
    });
    assert_eq!(left[0].pushkey, live.p256dh, "the live subscription stays");
}

/// Posts a notify request straight to the gateway, as a homeserver would.
fn notify(gateway: &Gateway, body: &str) -> (u16, serde_json::Value) {
    let answer = ureq::post(&gateway.url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("Content-Type", "application/json")
        .send(body)
        .expect("gateway answers");
    let status = answer.status().as_u16();
    let text = answer.into_body().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[test]
fn the_gateway_rejects_unknown_apps_foreign_endpoints_and_broken_pushers_and_sends_nothing() {
    let (push_service, received) = stand_in_push_service();
    let gateway = start_gateway(&push_service);
    let keys = browser_keys();
    let auth = Base64UrlUnpadded::encode_string(&keys.auth);
    let device = |app_id: &str, pushkey: &str, endpoint: &str| serde_json::json!({ "app_id": app_id, "pushkey": pushkey, "data": { "endpoint": endpoint, "auth": auth } });
    let ok_endpoint = format!("{push_service}/push/x");
    let body = serde_json::json!({ "notification": { "event_id": "$e", "room_id": "!r:x", "counts": { "unread": 1 }, "devices": [
        device("org.other.app", "other-app-key", &ok_endpoint),
        device(APP_ID, &keys.p256dh, "http://127.0.0.1:1/not-a-push-service"),
        device(APP_ID, "not-a-key", &ok_endpoint),
        // The allowed origin's text, then a user part: the request would go to 10.255.255.1.
        device(APP_ID, "userinfo-key", &format!("{push_service}@10.255.255.1/push")),
        { "app_id": APP_ID, "pushkey": "number-endpoint-key", "data": { "endpoint": 42, "auth": auth } },
    ]}});
    let (status, answer) = notify(&gateway, &body.to_string());
    assert_eq!(status, 200);
    assert_eq!(
        answer["rejected"],
        serde_json::json!([
            "other-app-key",
            keys.p256dh,
            "not-a-key",
            "userinfo-key",
            "number-endpoint-key"
        ])
    );

    let (status, answer) = notify(&gateway, "{\"notification\": 3}");
    assert_eq!(status, 400);
    assert_eq!(answer["errcode"], "M_BAD_JSON");
    assert!(received.lock().unwrap().is_empty(), "nothing was pushed");
}

fn decrypted(push: &Received, keys: &BrowserKeys) -> serde_json::Value {
    let plain = web_push_native::decrypt(push.body.clone(), &keys.secret, &keys.auth).expect("decrypts");
    serde_json::from_slice(&plain).unwrap()
}

fn pushes_for(received: &Mutex<Vec<Received>>, keys: &BrowserKeys, event_id: &str) -> usize {
    received
        .lock()
        .unwrap()
        .iter()
        .filter(|r| decrypted(r, keys)["event_id"] == event_id)
        .count()
}

#[test]
fn an_urgent_push_comes_again_until_the_person_reads_and_a_routine_one_does_not() {
    let (push_service, received) = stand_in_push_service();
    let gateway = start_gateway_with(&push_service, &["--renotify-every", "1", "--renotify-times", "10"]);
    let (sender, reader) = (new_user("urgentfrom"), new_user("urgentto"));
    let room = shared_room(&sender, &reader);
    // A category room has more than two members (in a two-person room the homeserver's default
    // rules ring for every message, as for a direct chat, and those count as urgent too).
    let colleague = new_user("colleague");
    run(sender.invite(&room, colleague.user_id().unwrap())).unwrap();
    run(colleague.join(&room, &[])).unwrap();
    let keys = browser_keys();
    subscribe(
        &reader,
        &gateway,
        &format!("{push_service}/push/{}", unique("sub")),
        &keys,
    );
    run(reader.set_push_rule("override", rounds::api::URGENT_RULE, &rounds::api::urgent_rule(), None)).unwrap();

    let urgent = run(sender.send_event(&room, "m.room.message", &unique("t"), &serde_json::json!({
        "msgtype": "m.text",
        "body": "Lobby – Client is dysregulated, who can come?",
        "app.rounds.thread": { "topic": "Client is dysregulated, who can come?", "patient": null, "priority": "urgent" }
    })))
    .unwrap();
    wait_for("the urgent push", 30, || {
        (pushes_for(&received, &keys, &urgent) >= 1).then_some(())
    });
    let first = received.lock().unwrap()[0].clone();
    assert_eq!(
        first.header("Urgency"),
        Some("high"),
        "the urgent rule makes it high priority"
    );
    assert_eq!(decrypted(&first, &keys)["prio"], "high");
    wait_for("a reminder", 10, || {
        (pushes_for(&received, &keys, &urgent) >= 2).then_some(())
    });

    // The person reads: the homeserver's new unread count stops the reminders.
    run(reader.send_read_receipt(&room, &urgent, None)).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let after_read = pushes_for(&received, &keys, &urgent);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        pushes_for(&received, &keys, &urgent),
        after_read,
        "no reminder after reading"
    );

    let routine = run(sender.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &serde_json::json!({
            "msgtype": "m.text", "body": "Routine note"
        }),
    ))
    .unwrap();
    wait_for("the routine push", 30, || {
        (pushes_for(&received, &keys, &routine) >= 1).then_some(())
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        pushes_for(&received, &keys, &routine),
        1,
        "routine pushes are not repeated"
    );
}

#[test]
fn a_burst_of_notifications_is_answered_together_even_when_the_push_service_is_slow() {
    // As when an urgent thread reaches a whole role at once: every notify is answered while
    // the push service takes its time with each, none waiting behind the others (the homeserver
    // gives up after 60 s and retries, which would repeat pushes).
    let (push_service, received) = stand_in_push_service();
    let gateway = start_gateway(&push_service);
    let keys = browser_keys();
    let auth = Base64UrlUnpadded::encode_string(&keys.auth);
    const BURST: usize = 16;
    let started = Instant::now();
    let answered: Vec<(u16, Duration)> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..BURST)
            .map(|i| {
                let body = serde_json::json!({ "notification": {
                    "event_id": format!("$burst{i}"), "room_id": "!r:x", "counts": { "unread": 1 },
                    "devices": [{ "app_id": APP_ID, "pushkey": keys.p256dh, "data": { "endpoint": format!("{push_service}/slow/{i}"), "auth": auth } }],
                }})
                .to_string();
                let gateway = &gateway;
                scope.spawn(move || (notify(gateway, &body).0, started.elapsed()))
            })
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(answered.iter().all(|(status, _)| *status == 200), "{answered:?}");
    // Answered before the slow push service was done: the pushes arrive all the same.
    wait_for("every push", 30, || {
        (received.lock().unwrap().len() >= BURST).then_some(())
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(received.lock().unwrap().len(), BURST, "each pushed once");
    // Four at a time (tiny_http reads connections on a few pooled threads, and a burst queues
    // behind them), the last waited four times the push service's delay (12 s); now no notify
    // waits for the push service longer than the gateway's answer limit (0.8 s).
    let slowest = answered.iter().map(|(_, took)| *took).max().unwrap();
    eprintln!("a burst of {BURST} notifies, push service taking {SLOW_PUSH_SERVICE:?}: slowest answer {slowest:?}");
    assert!(
        slowest < SLOW_PUSH_SERVICE * 3,
        "the slowest answer took {slowest:?}: {answered:?}"
    );
}

#[test]
fn a_slow_push_service_does_not_hold_the_answer_and_a_subscription_it_finds_gone_is_rejected_next_time() {
    let (push_service, received) = stand_in_push_service();
    let gateway = start_gateway(&push_service);
    let keys = browser_keys();
    let auth = Base64UrlUnpadded::encode_string(&keys.auth);
    let body = |event: &str| {
        serde_json::json!({ "notification": {
            "event_id": event, "room_id": "!r:x", "counts": { "unread": 1 },
            "devices": [{ "app_id": APP_ID, "pushkey": keys.p256dh, "data": { "endpoint": format!("{push_service}/slow-gone/1"), "auth": auth } }],
        }})
        .to_string()
    };
    let started = Instant::now();
    let (status, answer) = notify(&gateway, &body("$first"));
    let took = started.elapsed();
    assert_eq!((status, answer["rejected"].clone()), (200, serde_json::json!([])));
    assert!(
        took < SLOW_PUSH_SERVICE,
        "answered after {took:?}, before the push service did"
    );

    // The push service answers 410 later: the next notify naming the pushkey rejects it, and
    // nothing is pushed to it again.
    std::thread::sleep(SLOW_PUSH_SERVICE + Duration::from_secs(1));
    let (status, answer) = notify(&gateway, &body("$second"));
    assert_eq!(
        (status, answer["rejected"].clone()),
        (200, serde_json::json!([keys.p256dh]))
    );
    assert_eq!(received.lock().unwrap().len(), 1, "pushed once");
}
