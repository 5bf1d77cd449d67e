//! The small seam between the typed client and an HTTP implementation.
//!
//! The browser uses gloo-net (`transport_browser`), native tools and tests use ureq
//! (`transport_native`). Only the headers Synapse's CORS allows are ever sent to it:
//! `Authorization` and `Content-Type` (the FHIR server also gets `If-Match`).

use std::future::Future;
use std::time::Duration;

/// HTTP methods the Matrix client-server API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One request, already serialised.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL including the query string.
    pub url: String,
    /// Bearer token, sent as `Authorization: Bearer …` (never in the URL).
    pub access_token: Option<String>,
    /// The body, if any.
    pub body: Option<Body>,
    /// `If-Match` precondition (FHIR updates; never sent to the homeserver, whose CORS
    /// does not allow it).
    pub if_match: Option<String>,
    /// Give up after this long (long-poll sync passes its own, longer than the server's).
    pub timeout: Duration,
}

/// A request body, already serialised, with its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// JSON, sent with `Content-Type: application/json`.
    Json(String),
    /// A form (OAuth token requests), sent with `Content-Type: application/x-www-form-urlencoded`.
    Form(String),
}

impl Body {
    /// The body as a form of `fields`, percent-encoded.
    pub fn form(fields: &[(&str, &str)]) -> Body {
        let encoded: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", super::client::encode(k), super::client::encode(v)))
            .collect();
        Body::Form(encoded.join("&"))
    }

    /// The `Content-Type` to send it with.
    pub fn content_type(&self) -> &'static str {
        match self {
            Body::Json(_) => "application/json",
            Body::Form(_) => "application/x-www-form-urlencoded",
        }
    }

    /// The serialised text.
    pub fn text(&self) -> &str {
        match self {
            Body::Json(text) | Body::Form(text) => text,
        }
    }
}

/// What came back: status, the `Retry-After` header and the raw body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// `ETag` header, if any (FHIR version ids).
    pub etag: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Why no HTTP response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// Could not connect or the connection broke.
    Connection(String),
    /// The timeout elapsed.
    Timeout,
    /// The request was aborted by its owner.
    Aborted,
    /// The answer was larger than the transport accepts (`limit` bytes); it was not kept.
    TooLarge {
        /// HTTP status of the refused answer.
        status: u16,
        /// The largest body accepted, in bytes.
        limit: u64,
    },
}

/// The largest answer body the transports accept. A sync of a clinic-sized account stays far
/// below (10,000 threads: about 1.3 MB); beyond this, something is wrong with the server.
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

impl TransportError {
    /// Why a `TooLarge` answer was refused, in words.
    pub fn too_large_detail(limit: u64) -> String {
        const MB: u64 = 1024 * 1024;
        let size = if limit >= MB {
            format!("{} MB", limit / MB)
        } else {
            format!("{limit} bytes")
        };
        format!("the answer is larger than {size}, the most Rounds accepts")
    }
}

/// Sends one HTTP request. Implementations must not panic on any input or network condition.
pub trait Transport {
    /// Performs the request and returns the response, whatever its status.
    fn send(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>>;

    /// Waits `ms` milliseconds (a timer in the browser, a blocking sleep in native tools).
    fn pause(&self, ms: u64) -> impl Future<Output = ()>;
}
