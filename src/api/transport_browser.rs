//! Browser transport over gloo-net (`fetch`), with a timeout through `AbortController`;
//! uploads go through `XMLHttpRequest`, the one browser API that reports upload progress.

use super::transport::{HttpRequest, HttpResponse, Method, Transport, TransportError, UploadWatch, MAX_BODY_BYTES};
use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use js_sys::{Function, Promise, Uint8Array};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ProgressEvent, XmlHttpRequest};

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
        // Nothing of an answer is kept in the browser's HTTP cache: the answers hold patient
        // details and attached files, which stay in memory only.
        let mut builder = RequestBuilder::new(&req.url)
            .method(gloo_method(req.method))
            .cache(web_sys::RequestCache::NoStore)
            .abort_signal(Some(&signal));
        if let Some(token) = &req.access_token {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        if let Some(tag) = &req.if_match {
            builder = builder.header("If-Match", tag);
        }
        let request = match &req.body {
            Some(body) => builder
                .header("Content-Type", body.content_type())
                .body(Uint8Array::from(body.bytes())),
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

/// How an `XMLHttpRequest` ended, when it did not load.
const XHR_ABORTED: &str = "aborted";
const XHR_TIMEOUT: &str = "timeout";
const XHR_ERROR: &str = "error";

/// How often an upload is checked for progress.
const STALL_CHECK_MS: u32 = 5_000;

/// Sends `req` with `XMLHttpRequest`, reporting upload progress to `watch`, which can abort it.
/// The request's timeout is how long it may go without progress (a large file on a slow line
/// takes long, but never stalls that long).
async fn upload_xhr(req: HttpRequest, watch: &UploadWatch) -> Result<HttpResponse, TransportError> {
    if watch.is_cancelled() {
        return Err(TransportError::Aborted);
    }
    let broken = |_| TransportError::Connection("XMLHttpRequest unavailable".into());
    let xhr = XmlHttpRequest::new().map_err(broken)?;
    xhr.open(req.method.as_str(), &req.url).map_err(broken)?;
    if let Some(token) = &req.access_token {
        xhr.set_request_header("Authorization", &format!("Bearer {token}"))
            .map_err(broken)?;
    }
    if let Some(body) = &req.body {
        xhr.set_request_header("Content-Type", body.content_type())
            .map_err(broken)?;
    }
    // The request settles a promise; the handlers live until it has.
    let mut settle: Option<(Function, Function)> = None;
    let settled = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let (resolve, reject) = settle.ok_or_else(|| TransportError::Connection("promise unavailable".into()))?;
    let ending = |reason: &'static str| {
        let reject = reject.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &reason.into());
        })
    };
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
    });
    let (on_abort, on_timeout, on_error) = (ending(XHR_ABORTED), ending(XHR_TIMEOUT), ending(XHR_ERROR));
    let last_progress = Rc::new(Cell::new(js_sys::Date::now()));
    let on_progress = {
        let (watch, last_progress) = (watch.clone(), last_progress.clone());
        Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            last_progress.set(js_sys::Date::now());
            watch.report(event.loaded() as u64, event.total() as u64);
        })
    };
    let stalled = Rc::new(Cell::new(false));
    // Dropped (and so stopped) when this function returns.
    let _stall_check = {
        let (xhr, stalled) = (xhr.clone(), stalled.clone());
        let limit = req.timeout.as_millis() as f64;
        gloo_timers::callback::Interval::new(STALL_CHECK_MS, move || {
            if js_sys::Date::now() - last_progress.get() > limit {
                stalled.set(true);
                let _ = xhr.abort();
            }
        })
    };
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_timeout.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    {
        let xhr = xhr.clone();
        watch.set_abort(move || {
            let _ = xhr.abort();
        });
    }
    // Cancelled just now: aborting a request not sent yet does nothing, so it is not sent.
    if watch.is_cancelled() {
        watch.finished();
        return Err(TransportError::Aborted);
    }
    let sent = match &req.body {
        Some(body) => xhr.send_with_opt_buffer_source(Some(&Uint8Array::from(body.bytes()))),
        None => xhr.send(),
    };
    let outcome = match sent {
        Ok(()) => JsFuture::from(settled).await,
        Err(e) => Err(e),
    };
    watch.finished();
    if let Err(reason) = outcome {
        return Err(match reason.as_string().as_deref() {
            Some(XHR_ABORTED) if stalled.get() => TransportError::Timeout,
            Some(XHR_ABORTED) => TransportError::Aborted,
            Some(XHR_TIMEOUT) => TransportError::Timeout,
            _ => TransportError::Connection("the upload was interrupted".into()),
        });
    }
    let body = xhr.response_text().ok().flatten().unwrap_or_default().into_bytes();
    Ok(HttpResponse {
        status: xhr.status().unwrap_or(0),
        retry_after: xhr.get_response_header("retry-after").ok().flatten(),
        etag: None,
        body,
    })
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

    fn upload(
        &self,
        request: HttpRequest,
        watch: &UploadWatch,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let watch = watch.clone();
        async move { upload_xhr(request, &watch).await }
    }

    fn pause(&self, ms: u64) -> impl Future<Output = ()> {
        gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX))
    }
}
