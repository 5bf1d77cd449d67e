//! The typed Matrix client: one value holding the homeserver URL, the session and a transport.

use super::error::Error;
use super::transport::{Body, HttpRequest, Method, Transport, UploadWatch};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

/// Timeout for ordinary requests; long-poll sync adds its own server timeout on top.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Characters left as they are in a path segment or query value (RFC 3986 unreserved).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment or query value (room ids, user ids, txn ids, tokens).
pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, UNRESERVED).to_string()
}

/// A session on a homeserver: who is signed in, with which tokens, on which device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Session {
    /// Full Matrix user id, `@alice:example.org`.
    pub user_id: String,
    /// Bearer token. Keep it in memory; never log it.
    pub access_token: String,
    /// The device this login created (txn ids are scoped to it).
    pub device_id: String,
    /// Renews the access token when it expires (`None` when the server issued none).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// A session's renewable credentials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token (replaced at every refresh).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Renews expired tokens on a client's behalf — where several holders share one session (the
/// tabs of a browser), so that only one refreshes and the others take its result. Gets the
/// expired tokens, returns fresh ones.
pub type Renew = Rc<dyn Fn(Tokens) -> Pin<Box<dyn Future<Output = Result<Tokens, Error>>>>>;

/// A typed Matrix client-server API client over any [`Transport`]. Clones share the session's
/// tokens: a refresh made by one is used by all.
#[derive(Clone)]
pub struct Client<T> {
    transport: T,
    homeserver: String,
    session: Option<Session>,
    tokens: Rc<RefCell<Option<Tokens>>>,
    renew: Option<Renew>,
    /// How long a call may wait out `429 Too Many Requests` in total before giving up.
    rate_limit_patience: Duration,
}

impl<T: Transport> Client<T> {
    /// A client for the homeserver at `homeserver` (for example `https://matrix.clinic.org`).
    pub fn new(transport: T, homeserver: &str) -> Self {
        Client {
            transport,
            homeserver: homeserver.trim().trim_end_matches('/').to_owned(),
            session: None,
            tokens: Rc::new(RefCell::new(None)),
            renew: None,
            rate_limit_patience: Duration::ZERO,
        }
    }

    /// The same client, waiting out rate limits (as long as the server asks, up to `patience`
    /// per call) instead of returning them. For tools such as provisioning and seeding; the app
    /// handles 429 itself (sync backoff, outbox).
    pub fn waiting_out_rate_limits(mut self, patience: Duration) -> Self {
        self.rate_limit_patience = patience;
        self
    }

    /// The same client, signed in with an existing session. Its tokens are its own: clones
    /// made before this call keep theirs.
    pub fn with_session(mut self, session: Session) -> Self {
        self.tokens = Rc::new(RefCell::new(None));
        self.set_session(Some(session));
        self
    }

    /// The same client, renewing expired tokens through `renew` instead of refreshing them
    /// itself.
    pub fn renewing_with(mut self, renew: Renew) -> Self {
        self.renew = Some(renew);
        self
    }

    /// The homeserver base URL, without a trailing slash.
    pub fn homeserver(&self) -> &str {
        &self.homeserver
    }

    /// The session as it was signed in (for who and which device; [`Client::tokens`] has the
    /// current tokens).
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The session's current tokens (after any refresh).
    pub fn tokens(&self) -> Option<Tokens> {
        self.tokens.borrow().clone()
    }

    pub(super) fn set_session(&mut self, session: Option<Session>) {
        *self.tokens.borrow_mut() = session.as_ref().map(|s| Tokens {
            access_token: s.access_token.clone(),
            refresh_token: s.refresh_token.clone(),
        });
        self.session = session;
    }

    /// The signed-in user's id, or an error for calls that need a session.
    pub fn user_id(&self) -> Result<&str, Error> {
        self.session
            .as_ref()
            .map(|s| s.user_id.as_str())
            .ok_or_else(not_signed_in)
    }

    /// Exchanges the expired `tokens` for fresh ones (through the [`Renew`] hook when set).
    async fn renew_tokens(&self, expired: Tokens) -> Result<Tokens, Error> {
        let fresh = match &self.renew {
            Some(renew) => renew(expired).await?,
            None => {
                let refresh = expired.refresh_token.ok_or_else(not_signed_in)?;
                refresh_tokens(&self.transport, &self.homeserver, &refresh).await?
            }
        };
        *self.tokens.borrow_mut() = Some(fresh.clone());
        Ok(fresh)
    }

    /// Sends a request to `path` (starting with `/_matrix/...`) and decodes the JSON answer.
    pub(super) async fn call<R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        timeout: Duration,
    ) -> Result<R, Error> {
        let bytes = self.call_raw(method, path, body, timeout).await?;
        decode(&bytes)
    }

    /// Like [`Client::call`] but returns the raw 2xx body.
    pub(super) async fn call_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        timeout: Duration,
    ) -> Result<Vec<u8>, Error> {
        let json_body = body
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Error::BadResponse {
                status: 0,
                detail: format!("request could not be encoded: {e}"),
            })?;
        self.exchange(method, path, json_body.map(Body::Json), timeout, None)
            .await
    }

    /// Sends `body` to `path` with the session's token (through `upload` when given: progress
    /// and cancel), renewing an expired token once and waiting out rate limits as configured.
    pub(super) async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        timeout: Duration,
        upload: Option<&UploadWatch>,
    ) -> Result<Vec<u8>, Error> {
        let mut request = HttpRequest {
            method,
            url: format!("{}{}", self.homeserver, path),
            access_token: None,
            body,
            if_match: None,
            timeout,
        };
        let mut waited = Duration::ZERO;
        let mut renewed = false;
        loop {
            let tokens = self.tokens();
            request.access_token = tokens.as_ref().map(|t| t.access_token.clone());
            let response = match upload {
                Some(watch) => self.transport.upload(request.clone(), watch).await?,
                None => self.transport.send(request.clone()).await?,
            };
            if (200..300).contains(&response.status) {
                return Ok(response.body);
            }
            let error = Error::from_response(response.status, response.retry_after.as_deref(), &response.body);
            // An expired access token (soft logout): renew it once and try again.
            if let Some(expired) = tokens.filter(|t| t.refresh_token.is_some() && error.is_soft_logout() && !renewed) {
                renewed = true;
                self.renew_tokens(expired).await?;
                continue;
            }
            let wait = Duration::from_millis(error.retry_after_ms().unwrap_or(1_000));
            if response.status != 429 || waited + wait > self.rate_limit_patience {
                return Err(error);
            }
            self.transport.pause(wait.as_millis() as u64).await;
            waited += wait;
        }
    }

    /// GET with the default timeout.
    pub(super) async fn get<R: DeserializeOwned>(&self, path: &str) -> Result<R, Error> {
        self.call(Method::Get, path, None::<&()>, DEFAULT_TIMEOUT).await
    }

    /// POST a JSON body with the default timeout.
    pub(super) async fn post<R: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<R, Error> {
        self.call(Method::Post, path, Some(body), DEFAULT_TIMEOUT).await
    }

    /// PUT a JSON body with the default timeout.
    pub(super) async fn put<R: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<R, Error> {
        self.call(Method::Put, path, Some(body), DEFAULT_TIMEOUT).await
    }

    /// DELETE with the default timeout.
    pub(super) async fn delete<R: DeserializeOwned>(&self, path: &str) -> Result<R, Error> {
        self.call(Method::Delete, path, None::<&()>, DEFAULT_TIMEOUT).await
    }
}

/// Decodes a 2xx JSON body; malformed or unexpected JSON becomes [`Error::BadResponse`].
pub(super) fn decode<R: DeserializeOwned>(bytes: &[u8]) -> Result<R, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::BadResponse {
        status: 200,
        // serde's message names the field and position, never the value.
        detail: format!("malformed JSON: {e}"),
    })
}

/// `POST /refresh`: fresh tokens for a refresh token. A refused refresh (expired, revoked, used
/// by someone else) means the session is over: it comes back as `M_UNKNOWN_TOKEN`.
pub async fn refresh_tokens<T: Transport>(
    transport: &T,
    homeserver: &str,
    refresh_token: &str,
) -> Result<Tokens, Error> {
    let request = HttpRequest {
        method: Method::Post,
        url: format!("{}/_matrix/client/v3/refresh", homeserver.trim_end_matches('/')),
        access_token: None,
        body: Some(Body::Json(
            serde_json::json!({ "refresh_token": refresh_token }).to_string(),
        )),
        if_match: None,
        timeout: DEFAULT_TIMEOUT,
    };
    let response = transport.send(request).await?;
    if (200..300).contains(&response.status) {
        return decode(&response.body);
    }
    Err(match Error::from_response(response.status, None, &response.body) {
        Error::Server(e) if matches!(e.status, 401 | 403) => Error::Server(super::error::ServerError {
            errcode: "M_UNKNOWN_TOKEN".into(),
            soft_logout: false,
            ..e
        }),
        other => other,
    })
}

/// The error for a request that needs a session this client does not have.
pub(crate) fn not_signed_in() -> Error {
    Error::Server(super::error::ServerError {
        status: 401,
        errcode: "M_MISSING_TOKEN".into(),
        message: "not signed in".into(),
        retry_after_ms: None,
        soft_logout: false,
        refusal: None,
    })
}

/// An empty JSON object, the answer of many endpoints and the body of some requests.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Empty {}

/// Builds a query string from present parameters: `?a=1&b=x`.
pub(super) fn query(params: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ids_for_paths() {
        assert_eq!(encode("!abc:localhost"), "%21abc%3Alocalhost");
        assert_eq!(encode("@a b/c"), "%40a%20b%2Fc");
    }

    #[test]
    fn query_skips_absent() {
        assert_eq!(query(&[("a", None), ("b", Some("x y".into()))]), "?b=x%20y");
        assert_eq!(query(&[("a", None)]), "");
    }

    #[test]
    fn malformed_json_is_an_error() {
        let r: Result<Session, Error> = decode(b"{\"user_id\": 5");
        assert!(matches!(r, Err(Error::BadResponse { .. })));
    }
}
