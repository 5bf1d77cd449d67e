//! The small seam between the typed client and an HTTP implementation.
//!
//! The browser uses gloo-net (`transport_browser`), native tools and tests use ureq
//! (`transport_native`). Only the headers Synapse's CORS allows are ever sent to it:
//! `Authorization` and `Content-Type` (the FHIR server also gets `If-Match`).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
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
    /// A file's bytes (media uploads), sent with their own content type.
    Bytes {
        /// The file's content type.
        content_type: String,
        /// The bytes, shared rather than copied between retries.
        data: Rc<[u8]>,
    },
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
    pub fn content_type(&self) -> &str {
        match self {
            Body::Json(_) => "application/json",
            Body::Form(_) => "application/x-www-form-urlencoded",
            Body::Bytes { content_type, .. } => content_type,
        }
    }

    /// The bytes to send.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Body::Json(text) | Body::Form(text) => text.as_bytes(),
            Body::Bytes { data, .. } => data,
        }
    }
}

/// Follows one upload: how much of it went out, and a way to stop it. Clones share it.
#[derive(Clone, Default)]
pub struct UploadWatch {
    inner: Rc<WatchInner>,
}

/// Reports `(sent, total)` bytes.
type ProgressFn = Box<dyn Fn(u64, u64)>;

#[derive(Default)]
struct WatchInner {
    progress: RefCell<Option<ProgressFn>>,
    cancelled: Cell<bool>,
    abort: RefCell<Option<Box<dyn FnOnce()>>>,
}

impl std::fmt::Debug for UploadWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadWatch")
            .field("cancelled", &self.inner.cancelled.get())
            .finish()
    }
}

impl UploadWatch {
    /// Who hears how far the upload got (`sent`, `total` bytes).
    pub fn on_progress(&self, report: impl Fn(u64, u64) + 'static) {
        *self.inner.progress.borrow_mut() = Some(Box::new(report));
    }

    /// Called by the transport as bytes go out.
    pub fn report(&self, sent: u64, total: u64) {
        if let Some(report) = self.inner.progress.borrow().as_ref() {
            report(sent, total);
        }
    }

    /// Stops the upload: the transport aborts it and answers [`TransportError::Aborted`].
    pub fn cancel(&self) {
        self.inner.cancelled.set(true);
        let abort = self.inner.abort.borrow_mut().take();
        if let Some(abort) = abort {
            abort();
        }
    }

    /// Whether [`UploadWatch::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.get()
    }

    /// Called by the transport with what aborts its request (at once if already cancelled).
    pub fn set_abort(&self, abort: impl FnOnce() + 'static) {
        if self.is_cancelled() {
            abort();
        } else {
            *self.inner.abort.borrow_mut() = Some(Box::new(abort));
        }
    }

    /// The request is over: nothing is left to abort.
    pub fn finished(&self) {
        self.inner.abort.borrow_mut().take();
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

    /// Performs an upload, reporting progress to `watch` and stopping when it is cancelled.
    /// Transports that cannot report progress send it as any request.
    fn upload(
        &self,
        request: HttpRequest,
        watch: &UploadWatch,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let cancelled = watch.is_cancelled();
        let sent = self.send(request);
        async move {
            if cancelled {
                return Err(TransportError::Aborted);
            }
            sent.await
        }
    }

    /// Waits `ms` milliseconds (a timer in the browser, a blocking sleep in native tools).
    fn pause(&self, ms: u64) -> impl Future<Output = ()>;
}
