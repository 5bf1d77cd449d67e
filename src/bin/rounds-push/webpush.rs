//! Web Push: the VAPID key pair, subscriptions, the payload, and the request to the browser's
//! push service (encryption and the VAPID signature by `web-push-native`).

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;
use web_push_native::jwt_simple::algorithms::{ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::jwt_simple::claims::Claims;
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

/// How long a push service keeps an undelivered message (a tablet asleep over lunch).
const TIME_TO_LIVE: Duration = Duration::from_secs(4 * 60 * 60);
/// A push service slower than this is treated as down for this message.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The browsers' own push services (https only). Others only when the operator allows them.
const BROWSER_PUSH_HOSTS: [&str; 4] = [
    "fcm.googleapis.com",
    "push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
];

/// The gateway's VAPID key pair, kept in the state folder.
pub struct Vapid(ES256KeyPair);

impl Vapid {
    /// Reads `vapid.key` from `state`, or makes and stores a new key pair (owner-only file).
    pub fn load_or_create(state: &Path) -> Result<Self, String> {
        let file = state.join("vapid.key");
        if let Ok(text) = std::fs::read_to_string(&file) {
            let bytes = Base64UrlUnpadded::decode_vec(text.trim()).map_err(|e| format!("{}: {e}", file.display()))?;
            return ES256KeyPair::from_bytes(&bytes)
                .map(Vapid)
                .map_err(|e| format!("{}: {e}", file.display()));
        }
        std::fs::create_dir_all(state).map_err(|e| format!("{}: {e}", state.display()))?;
        let pair = ES256KeyPair::generate();
        write_private(&file, &Base64UrlUnpadded::encode_string(&pair.to_bytes()))?;
        // Subscriptions made with an earlier key will be refused: say so where it shows.
        eprintln!("rounds-push: made a new VAPID key pair in {}", file.display());
        Ok(Vapid(pair))
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> String {
        Base64UrlUnpadded::encode_string(&self.0.public_key().public_key().to_bytes_uncompressed())
    }
}

#[cfg(unix)]
fn write_private(file: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    out.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", file.display()))
}

#[cfg(not(unix))]
fn write_private(file: &Path, text: &str) -> Result<(), String> {
    std::fs::write(file, text).map_err(|e| format!("{}: {e}", file.display()))
}

/// A browser's push subscription, from its pusher.
pub struct Subscription {
    endpoint: http::Uri,
    endpoint_text: String,
    key: PublicKey,
    auth: Auth,
}

impl Subscription {
    /// The pushkey is the subscription's `p256dh` key; `endpoint` and `auth` come from the
    /// pusher's data. Each is checked, so a broken pusher is rejected with a reason.
    pub fn parse(pushkey: &str, endpoint: Option<&str>, auth: Option<&str>) -> Result<Self, String> {
        let endpoint_text = endpoint.ok_or("no endpoint in the pusher data")?.to_owned();
        let endpoint: http::Uri = endpoint_text.parse().map_err(|_| "the endpoint is not a URL")?;
        let key = Base64UrlUnpadded::decode_vec(pushkey.trim_end_matches('='))
            .ok()
            .and_then(|bytes| PublicKey::from_sec1_bytes(&bytes).ok())
            .ok_or("the pushkey is not a P-256 public key")?;
        let auth =
            Base64UrlUnpadded::decode_vec(auth.ok_or("no auth secret in the pusher data")?.trim_end_matches('='))
                .ok()
                .filter(|bytes| bytes.len() == 16)
                .ok_or("the auth secret is not 16 bytes of base64url")?;
        Ok(Subscription {
            endpoint,
            endpoint_text,
            key,
            auth: Auth::clone_from_slice(&auth),
        })
    }
}

/// What a browser receives: ids and the unread count, nothing a lock screen could leak.
#[derive(Clone)]
pub struct Message {
    pub room_id: Option<String>,
    pub event_id: Option<String>,
    pub high: bool,
    pub unread: Option<u64>,
}

impl Message {
    fn payload(&self) -> String {
        serde_json::json!({
            "room_id": self.room_id,
            "event_id": self.event_id,
            "prio": if self.high { "high" } else { "normal" },
            "unread": self.unread,
        })
        .to_string()
    }

    /// RFC 8030 topic: a newer ordinary message of the same room replaces one still waiting at
    /// the push service. Urgent ones are never replaced.
    fn topic(&self) -> Option<String> {
        let room = self.room_id.as_deref().filter(|_| !self.high)?;
        let hash = Sha256::digest(room.as_bytes());
        Some(Base64UrlUnpadded::encode_string(&hash)[..32].to_owned())
    }
}

/// How one push went.
pub enum Delivery {
    Sent,
    /// The push service no longer has the subscription (404, 410).
    Gone(u16),
    /// The pusher can never work here (endpoint not allowed, keys unusable).
    Refused(String),
    /// Worth trying again with a later message (network, 429, 5xx, or a refusal that may be the
    /// gateway's own fault, such as a VAPID problem: only 404 and 410 remove a pusher).
    Failed(String),
}

/// Sends encrypted, VAPID-signed Web Push requests.
pub struct Sender {
    vapid: Vapid,
    contact: String,
    allowed_origins: Vec<Origin>,
    agent: ureq::Agent,
}

/// A push service the operator allows besides the browsers' own: `scheme://host` (any port)
/// or `scheme://host:port`.
#[derive(Clone)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    pub fn parse(text: &str) -> Result<Self, String> {
        let uri: http::Uri = text.parse().map_err(|_| format!("{text:?} is not a URL"))?;
        match (uri.scheme_str(), uri.host(), uri.authority()) {
            (Some(scheme @ ("http" | "https")), Some(host), Some(authority)) if !authority.as_str().contains('@') => {
                Ok(Origin {
                    scheme: scheme.to_owned(),
                    host: host.to_owned(),
                    port: uri.port_u16(),
                })
            }
            _ => Err(format!("{text:?} is not an http(s) origin")),
        }
    }
}

impl Sender {
    pub fn new(vapid: Vapid, contact: String, allowed_origins: Vec<Origin>) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(SEND_TIMEOUT))
            // A redirect could lead anywhere: the allowed endpoint is where the push goes.
            .max_redirects(0)
            .build();
        Sender {
            vapid,
            contact,
            allowed_origins,
            agent: config.into(),
        }
    }

    /// Only the browsers' push services and the operator's allowed origins: a pusher must not
    /// turn the gateway into a way to reach anything else on the clinic's network. Compared on
    /// the parsed URL (scheme, host, port), never as text, and never with a user part.
    fn allowed(&self, subscription: &Subscription) -> bool {
        let uri = &subscription.endpoint;
        let (Some(scheme), Some(host), Some(authority)) = (uri.scheme_str(), uri.host(), uri.authority()) else {
            return false;
        };
        if authority.as_str().contains('@') {
            return false;
        }
        let browser_service = scheme == "https"
            && BROWSER_PUSH_HOSTS
                .iter()
                .any(|s| host == *s || host.ends_with(&format!(".{s}")));
        browser_service
            || self
                .allowed_origins
                .iter()
                .any(|o| o.scheme == scheme && o.host == host && o.port.is_none_or(|port| uri.port_u16() == Some(port)))
    }

    /// The VAPID `Authorization` (RFC 8292) for a push to `endpoint`: a JWT for the push
    /// service's origin — with its port where it has one (web-push-native leaves it out) —
    /// signed with the gateway's key.
    fn vapid_header(&self, endpoint: &http::Uri) -> Result<http::HeaderValue, String> {
        let audience = audience_of(endpoint).ok_or("the endpoint has no origin")?;
        let claims = Claims::create(TIME_TO_LIVE.into())
            .with_audience(audience)
            .with_subject(&self.contact);
        let token = self
            .vapid
            .0
            .sign(claims)
            .map_err(|e| format!("cannot sign VAPID: {e}"))?;
        http::HeaderValue::from_str(&format!("vapid t={token}, k={}", self.vapid.public_key()))
            .map_err(|e| format!("cannot sign VAPID: {e}"))
    }

    pub fn send(&self, subscription: &Subscription, message: &Message) -> Delivery {
        if !self.allowed(subscription) {
            return Delivery::Refused(format!(
                "endpoint {} is not an allowed push service",
                subscription.endpoint_text
            ));
        }
        let builder = WebPushBuilder::new(subscription.endpoint.clone(), subscription.key, subscription.auth)
            .with_valid_duration(TIME_TO_LIVE);
        let mut request = match builder.build(message.payload()) {
            Ok(request) => request,
            Err(e) => return Delivery::Refused(format!("cannot encrypt for this subscription: {e}")),
        };
        let vapid = match self.vapid_header(&subscription.endpoint) {
            Ok(vapid) => vapid,
            Err(e) => return Delivery::Refused(e),
        };
        let headers = request.headers_mut();
        headers.insert(http::header::AUTHORIZATION, vapid);
        let urgency = if message.high { "high" } else { "normal" };
        headers.insert("Urgency", http::HeaderValue::from_static(urgency));
        if let Some(topic) = message.topic().and_then(|t| http::HeaderValue::from_str(&t).ok()) {
            headers.insert("Topic", topic);
        }
        match self.agent.run(request) {
            Ok(answer) => match answer.status().as_u16() {
                200..=299 => Delivery::Sent,
                status @ (404 | 410) => Delivery::Gone(status),

                status => Delivery::Failed(format!("the push service answered HTTP {status}")),
            },
            Err(e) => Delivery::Failed(format!("push service unreachable: {e}")),
        }
    }
}

/// The origin a VAPID token is for: `scheme://host`, and `:port` unless it is the scheme's
/// default (RFC 8292 §2: the origin of the push resource).
fn audience_of(endpoint: &http::Uri) -> Option<String> {
    let (scheme, host) = (endpoint.scheme_str()?, endpoint.host()?);
    let default = match scheme {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    Some(match endpoint.port_u16().filter(|port| *port != default) {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::audience_of;

    #[test]
    fn the_vapid_audience_is_the_push_services_origin_with_its_port() {
        let audience = |url: &str| audience_of(&url.parse().unwrap());
        assert_eq!(
            audience("https://fcm.googleapis.com/fcm/send/abc").as_deref(),
            Some("https://fcm.googleapis.com")
        );
        assert_eq!(
            audience("https://push.example:443/x").as_deref(),
            Some("https://push.example")
        );
        assert_eq!(
            audience("http://127.0.0.1:18121/push/x").as_deref(),
            Some("http://127.0.0.1:18121")
        );
        assert_eq!(audience("ftp://push.example/x"), None);
    }
}
