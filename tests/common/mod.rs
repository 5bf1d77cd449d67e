//! Shared harness for the native integration tests: a real Synapse started by `scripts/test.sh`
//! (its URL and shared secret come from the environment), unique users per test, and small
//! local HTTP servers for faults a real homeserver will not produce on demand.
#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod tab;

use rounds::api::{Client, NativeTransport};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

pub type TestClient = Client<NativeTransport>;

pub const PASSWORD: &str = "correct horse battery staple";

/// The test homeserver's URL (`scripts/test.sh` starts it and sets this).
pub fn homeserver() -> String {
    std::env::var("ROUNDS_TEST_HOMESERVER")
        .expect("ROUNDS_TEST_HOMESERVER is not set: run the tests through scripts/test.sh, which starts Synapse")
}

/// The test homeserver's registration shared secret.
pub fn shared_secret() -> String {
    let path =
        std::env::var("ROUNDS_TEST_SECRET_FILE").expect("ROUNDS_TEST_SECRET_FILE is not set: run scripts/test.sh");
    std::fs::read_to_string(&path)
        .expect("shared secret file")
        .trim()
        .to_owned()
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!(
        "{prefix}{}x{now}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Registers a fresh user and returns a signed-in client.
pub fn new_user(prefix: &str) -> TestClient {
    let name = unique(prefix);
    let registrar = Client::new(NativeTransport::default(), &homeserver());
    pollster::block_on(registrar.register_with_shared_secret(&shared_secret(), &name, &name, PASSWORD))
        .expect("register test user");
    let mut client = Client::new(NativeTransport::default(), &homeserver());
    pollster::block_on(client.login(&name, PASSWORD, None)).expect("log in test user");
    client
}

/// A new clinic with the default policy, `admin` its admin: its alias prefix and what was made.
pub fn clinic(admin: &TestClient) -> (String, rounds::provision::Clinic) {
    let prefix = unique("clinic");
    let policy = rounds::domain::ClinicPolicy::with_defaults("Test Clinic");
    let (clinic, report) = run(rounds::provision::ensure_clinic(admin, &prefix, policy)).unwrap();
    assert!(!report.changes.is_empty());
    (prefix, clinic)
}

/// A new user given `role` in the clinic, who has joined its categories.
pub fn staff_member(admin: &TestClient, clinic: &rounds::provision::Clinic, prefix: &str, role: &str) -> TestClient {
    let user = new_user(role);
    let id = user.user_id().unwrap().to_owned();
    run(rounds::provision::add_roles(admin, clinic, &id, &[role.to_owned()])).unwrap();
    run(rounds::provision::accept_clinic_invites_and_join(&user, prefix)).unwrap();
    user
}

/// Runs a future to completion (the native transport is blocking).
pub fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// A one-connection-at-a-time HTTP server on 127.0.0.1 answering every request with `response`
/// (a complete raw HTTP response). Returns its base URL; the thread ends with the test process.
pub fn canned_server(response: &'static str) -> String {
    serve(move |_request, stream| {
        let _ = stream.write_all(response.as_bytes());
    })
}

/// A proxy to the real homeserver that answers the first `refusals` requests whose path
/// contains `path_part` with a 429 and `Retry-After: 1`, and forwards everything else.
pub fn rate_limiting_proxy(path_part: &'static str, refusals: usize) -> (String, Arc<AtomicUsize>) {
    let refused = Arc::new(AtomicUsize::new(0));
    let counter = refused.clone();
    let upstream = homeserver()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let url = serve(move |request, stream| {
        let first_line =
            String::from_utf8_lossy(request.split(|b| *b == b'\n').next().unwrap_or_default()).into_owned();
        if first_line.contains(path_part) && counter.load(Ordering::SeqCst) < refusals {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1000}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            return;
        }
        let mut up = TcpStream::connect(&upstream).expect("connect upstream");
        up.write_all(&request).expect("forward request");
        let mut answer = Vec::new();
        let _ = up.read_to_end(&mut answer);
        let _ = stream.write_all(&answer);
    });
    (url, refused)
}

/// A server answering every request with a `200` JSON body from `respond(host)` (`host` from
/// the request's `Host` header, for links back to itself), recording every request it gets.
pub fn recording_server(
    respond: impl Fn(&str) -> String + Send + 'static,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let url = serve(move |request, stream| {
        let head = String::from_utf8_lossy(&request).into_owned();
        let host = head
            .lines()
            .find_map(|l| l.strip_prefix("Host: ").or_else(|| l.strip_prefix("host: ")))
            .unwrap_or_default()
            .trim()
            .to_owned();
        log.lock().unwrap().push(head);
        let body = respond(&host);
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    (url, seen)
}

/// Accepts connections, reads one request each (rewritten to `Connection: close`) and hands it
/// to `handle`.
fn serve(handle: impl Fn(Vec<u8>, &mut TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if let Some(request) = read_request(&mut stream) {
                handle(request, &mut stream);
            }
        }
    });
    url
}

fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    // Force one request per connection so the forwarded answer ends at EOF.
    let mut rewritten: String = head
        .lines()
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut request = rewritten.into_bytes();
    request.extend_from_slice(&buf[header_end..]);
    Some(request)
}

/// The native transport behind a switch: while `offline` is set, every request fails as if
/// the network were gone (what a tablet in a dead zone sees). Counts what is sent.
#[derive(Clone, Default)]
pub struct Flaky {
    inner: rounds::api::NativeTransport,
    /// Set to cut the network.
    pub offline: std::rc::Rc<std::cell::Cell<bool>>,
    /// Requests sent so far (refused ones included).
    pub sent: std::rc::Rc<std::cell::Cell<usize>>,
    /// Media uploads that reached the homeserver.
    pub uploads: std::rc::Rc<std::cell::Cell<usize>>,
    /// The address of every request, in order.
    pub urls: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl rounds::api::Transport for Flaky {
    async fn send(
        &self,
        request: rounds::api::HttpRequest,
    ) -> Result<rounds::api::HttpResponse, rounds::api::TransportError> {
        self.sent.set(self.sent.get() + 1);
        self.urls.borrow_mut().push(request.url.clone());
        if self.offline.get() {
            return Err(rounds::api::TransportError::Connection("offline (test)".into()));
        }
        let upload = request.url.contains("/_matrix/media/v3/upload");
        let answer = self.inner.send(request).await;
        if upload && answer.as_ref().is_ok_and(|a| a.status == 200) {
            self.uploads.set(self.uploads.get() + 1);
        }
        answer
    }

    async fn pause(&self, ms: u64) {
        self.inner.pause(ms).await
    }
}

/// A signed-in client of `user` over a [`Flaky`] transport.
pub fn flaky_client(user: &TestClient) -> (Client<Flaky>, Flaky) {
    let flaky = Flaky::default();
    let client = Client::new(flaky.clone(), &homeserver()).with_session(user.session().unwrap().clone());
    (client, flaky)
}

/// Signs `user` in again: a new device, as after idle logoff or on another tablet.
pub fn new_device(user: &TestClient) -> TestClient {
    let mut client = Client::new(NativeTransport::default(), &homeserver());
    let name = user
        .user_id()
        .unwrap()
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    pollster::block_on(client.login(&name, PASSWORD, None)).expect("log in again");
    client
}

/// A private room (version 10) created by `user`.
pub fn new_room(user: &TestClient) -> String {
    pollster::block_on(user.create_room(&rounds::api::CreateRoom {
        room_version: Some("10".into()),
        preset: Some("private_chat".into()),
        ..rounds::api::CreateRoom::default()
    }))
    .expect("create room")
}

/// Bodies of the messages in `room` sent by anyone, oldest first.
pub fn bodies(user: &TestClient, room: &str) -> Vec<String> {
    let page = pollster::block_on(user.messages(room, None, rounds::api::Direction::Backward, 200)).expect("messages");
    page.chunk
        .iter()
        .rev()
        .filter_map(|e| e.content.get("body")?.as_str().map(str::to_owned))
        .collect()
}

/// The test identity provider (`scripts/test.sh` starts it and sets this).
pub fn idp() -> String {
    std::env::var("ROUNDS_TEST_IDP").expect("ROUNDS_TEST_IDP is not set: run scripts/test.sh")
}

/// An EHR access token of the test suite's backend client (system scopes: it reads and resets
/// the EHR as an integration would, not as a person).
pub fn ehr_token() -> String {
    use rounds::api::{Body, HttpRequest, Method, Transport};
    let secret =
        std::env::var("ROUNDS_TEST_IDP_SECRET").expect("ROUNDS_TEST_IDP_SECRET is not set: run scripts/test.sh");
    let request = HttpRequest {
        method: Method::Post,
        url: format!("{}/token", idp()),
        access_token: None,
        body: Some(Body::form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "rounds-tests"),
            ("client_secret", &secret),
            ("scope", "system/*.cruds"),
        ])),
        if_match: None,
        timeout: std::time::Duration::from_secs(10),
    };
    let response = pollster::block_on(NativeTransport::default().send(request)).expect("token request");
    let token: serde_json::Value = serde_json::from_slice(&response.body).expect("token answer");
    token["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {token}"))
        .to_owned()
}

/// Reloads the test EHR's seed (`POST /reset` beside the FHIR base, backend clients only).
pub fn reset_ehr(fhir_base: &str, token: &str) {
    use rounds::api::{HttpRequest, Method, Transport};
    let origin = fhir_base.trim_end_matches('/').trim_end_matches("/fhir/R4");
    let request = HttpRequest {
        method: Method::Post,
        url: format!("{origin}/reset"),
        access_token: Some(token.to_owned()),
        body: None,
        if_match: None,
        timeout: std::time::Duration::from_secs(30),
    };
    let response = pollster::block_on(NativeTransport::default().send(request)).expect("reset request");
    assert_eq!(
        response.status,
        200,
        "reset: {}",
        String::from_utf8_lossy(&response.body)
    );
}
