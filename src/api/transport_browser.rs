//! Browser transport over gloo-net (`fetch`), with a timeout through `AbortController`.

use super::transport::{HttpRequest, HttpResponse, Method, Transport, TransportError, MAX_BODY_BYTES};
use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

/// The browser's [`Transport`]. Clone freely.
#[derive(Clone, Copy)]
pub struct BrowserTransport {
    /// Answers with a larger body are refused ([`TransportError::TooLarge`]).
    max_body: u64,
}

impl Default for BrowserTransport {
    fn default() -> Self {
        BrowserTransport {
            max_body: MAX_BODY_BYTES,
        }
    }
}

impl BrowserTransport {
    /// A transport refusing answers over `max_body` bytes (tests use a small limit).
    pub fn with_max_body(max_body: u64) -> Self {
        BrowserTransport { max_body }
    }

    async fn perform(req: HttpRequest, max_body: u64) -> Result<HttpResponse, TransportError> {
        let controller = web_sys::AbortController::new()
            .map_err(|_| TransportError::Connection("AbortController unavailable".into()))?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            let ms = u32::try_from(req.timeout.as_millis()).unwrap_or(u32::MAX);
            // Dropping the timer (when this function returns) cancels it.
            gloo_timers::callback::Timeout::new(ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let signal = controller.signal();
        let mut builder = RequestBuilder::new(&req.url)
            .method(gloo_method(req.method))
            .abort_signal(Some(&signal));
        if let Some(token) = &req.access_token {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        if let Some(tag) = &req.if_match {
            builder = builder.header("If-Match", tag);
        }
        let request = match &req.body {
            Some(body) => builder.header("Content-Type", body.content_type()).body(body.text()),
            None => builder.build(),
        }
        .map_err(|e| TransportError::Connection(e.to_string()))?;
        let failed = |e: gloo_net::Error| {
            if timed_out.get() {
                TransportError::Timeout
            } else if e.to_string().contains("AbortError") {
                TransportError::Aborted
            } else {
                TransportError::Connection(e.to_string())
            }
        };
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        let retry_after = response.headers().get("retry-after");
        let etag = response.headers().get("etag");
        let too_large = TransportError::TooLarge {
            status,
            limit: max_body,
        };
        // Refuse before reading when the server says how large it is; check again after, since
        // the header may be missing (chunked answers).
        let announced = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if announced.is_some_and(|len| len > max_body) {
            return Err(too_large);
        }
        let body = response.binary().await.map_err(failed)?;
        if body.len() as u64 > max_body {
            return Err(too_large);
        }
        Ok(HttpResponse {
            status,
            retry_after,
            etag,
            body,
        })
    }
}

fn gloo_method(method: Method) -> GlooMethod {
    match method {
        Method::Get => GlooMethod::GET,
        Method::Post => GlooMethod::POST,
        Method::Put => GlooMethod::PUT,
        Method::Delete => GlooMethod::DELETE,
    }
}

impl Transport for BrowserTransport {
    fn send(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        Self::perform(request, self.max_body)
    }

    fn pause(&self, ms: u64) -> impl Future<Output = ()> {
        gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX))
    }
}
