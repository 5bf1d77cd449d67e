//! Native transport over ureq, for the admin tool and the integration tests.
//!
//! ureq is blocking; the returned future completes on its first poll, which is all a
//! command-line tool or a sequential test needs (driven by `pollster`).

use super::transport::{HttpRequest, HttpResponse, Method, Transport, TransportError, MAX_BODY_BYTES};
use std::future::Future;
use std::io::Read;

/// A ureq-backed [`Transport`]. Cheap to clone; connections are pooled.
#[derive(Clone)]
pub struct NativeTransport {
    agent: ureq::Agent,
}

impl Default for NativeTransport {
    fn default() -> Self {
        let config = ureq::Agent::config_builder()
            // Status codes are the client's business, not ureq's.
            .http_status_as_error(false)
            .build();
        NativeTransport { agent: config.into() }
    }
}

impl NativeTransport {
    fn perform(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut builder = http_request(&req);
        if let Some(token) = &req.access_token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(tag) = &req.if_match {
            builder = builder.header("If-Match", tag);
        }
        let result = match &req.body {
            Some(body) => builder
                .header("Content-Type", body.content_type())
                .body(body.bytes().to_vec()),
            None => builder.body(Vec::new()),
        };
        let request = result.map_err(|e| TransportError::Connection(e.to_string()))?;
        let config = self
            .agent
            .configure_request(request)
            .timeout_global(Some(req.timeout))
            .build();
        let response = self.agent.run(config).map_err(classify)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (retry_after, etag) = (header("retry-after"), header("etag"));
        let mut body = Vec::new();
        // One byte more than allowed tells a too-large answer from one exactly at the limit.
        response
            .into_body()
            .into_reader()
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| TransportError::Connection(e.to_string()))?;
        if body.len() as u64 > MAX_BODY_BYTES {
            return Err(TransportError::TooLarge {
                status,
                limit: MAX_BODY_BYTES,
            });
        }
        Ok(HttpResponse {
            status,
            retry_after,
            etag,
            body,
        })
    }
}

fn http_request(req: &HttpRequest) -> ureq::http::request::Builder {
    let method = match req.method {
        Method::Get => ureq::http::Method::GET,
        Method::Post => ureq::http::Method::POST,
        Method::Put => ureq::http::Method::PUT,
        Method::Delete => ureq::http::Method::DELETE,
    };
    ureq::http::Request::builder().method(method).uri(&req.url)
}

fn classify(error: ureq::Error) -> TransportError {
    match error {
        ureq::Error::Timeout(_) => TransportError::Timeout,
        other => TransportError::Connection(other.to_string()),
    }
}

impl Transport for NativeTransport {
    fn send(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        std::future::ready(self.perform(request))
    }

    fn pause(&self, ms: u64) -> impl Future<Output = ()> {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        std::future::ready(())
    }
}
