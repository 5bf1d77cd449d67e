//! The typed FHIR R4 REST client, on the same [`Transport`] as the Matrix client.

use super::resources::{Bundle, OperationOutcome, Resource};
use crate::api::{encode, HttpRequest, Method, Transport, TransportError};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

/// What can go wrong talking to the FHIR server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FhirError {
    /// No answer (down, offline, refused, timed out).
    Unreachable(String),
    /// `412 Precondition Failed`: someone else changed the resource since it was read.
    Conflict,
    /// `401`: the EHR needs the person to sign in to it (no token, or one it no longer accepts).
    SignInNeeded,
    /// `403`: the EHR does not allow this to the person's role (its explanation).
    NotAllowed(String),
    /// The server refused, with its OperationOutcome's issues.
    Refused {
        /// HTTP status.
        status: u16,
        /// The issues' texts.
        issues: Vec<String>,
    },
    /// The answer was not the FHIR JSON expected.
    BadResponse(String),
}

impl fmt::Display for FhirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FhirError::Unreachable(detail) => write!(f, "the scheduling system could not be reached ({detail})"),
            FhirError::Conflict => write!(f, "someone else changed this record meanwhile"),
            FhirError::SignInNeeded => write!(f, "sign in to the EHR to continue"),
            FhirError::NotAllowed(why) => write!(f, "not available for your role ({why})"),
            FhirError::Refused { status, issues } if issues.is_empty() => {
                write!(f, "the scheduling system refused the change (HTTP {status})")
            }
            FhirError::Refused { status, issues } => {
                write!(
                    f,
                    "the scheduling system refused the change (HTTP {status}): {}",
                    issues.join("; ")
                )
            }
            FhirError::BadResponse(detail) => write!(f, "unexpected answer from the scheduling system: {detail}"),
        }
    }
}

impl std::error::Error for FhirError {}

/// A resource with the version it was read at (for `If-Match`).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<R> {
    /// The resource.
    pub resource: R,
    /// Its `meta.versionId` (or the ETag's).
    pub version: String,
}

/// Renews the person's EHR access token when the EHR no longer accepts it.
pub type RenewToken = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, FhirError>>>>>;

/// A typed FHIR R4 client. Clones share the access token: a renewal by one serves all.
#[derive(Clone)]
pub struct FhirClient<T> {
    transport: T,
    base: String,
    token: Rc<RefCell<Option<String>>>,
    renew: Option<RenewToken>,
    /// Held while the token is renewed: one renewal at a time, whose token the requests
    /// waiting meanwhile use (a refresh token is rotated at every use).
    renewal: Rc<futures_util::lock::Mutex<()>>,
}

impl<T: Transport> FhirClient<T> {
    /// A client for the FHIR base URL (`https://ehr.example/fhir/R4`) with an optional bearer token.
    pub fn new(transport: T, base: &str, token: Option<String>) -> Self {
        FhirClient {
            transport,
            base: base.trim_end_matches('/').to_owned(),
            token: Rc::new(RefCell::new(token)),
            renew: None,
            renewal: Rc::new(futures_util::lock::Mutex::new(())),
        }
    }

    /// The same client, renewing its token through `renew` when the EHR refuses it (`401`).
    pub fn renewing_with(mut self, renew: RenewToken) -> Self {
        self.renew = Some(renew);
        self
    }

    /// A claim of the current access token (see [`super::smart::token_claim`]).
    pub fn token_claim(&self, claim: &str) -> Option<String> {
        super::smart::token_claim(self.token.borrow().as_deref()?, claim)
    }

    /// Uses `token` from now on (all clones).
    pub fn set_token(&self, token: Option<String>) {
        *self.token.borrow_mut() = token;
    }

    /// The FHIR base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A token newer than `stale`: the one another request renewed meanwhile, or a fresh one
    /// (`None` without a renewer).
    async fn renewed(&self, stale: Option<&str>) -> Result<Option<String>, FhirError> {
        let Some(renew) = &self.renew else {
            return Ok(self.token.borrow().clone());
        };
        let _one_at_a_time = self.renewal.lock().await;
        let held = self.token.borrow().clone();
        if held.is_some() && held.as_deref() != stale {
            return Ok(held);
        }
        let fresh = renew().await?;
        *self.token.borrow_mut() = Some(fresh.clone());
        Ok(Some(fresh))
    }

    async fn request(
        &self,
        method: Method,
        url: String,
        body: Option<String>,
        if_match: Option<String>,
    ) -> Result<(Vec<u8>, Option<String>), FhirError> {
        // No token yet (a reload keeps none in memory): renew first rather than be refused.
        let held = self.token.borrow().clone();
        let access_token = match held {
            Some(token) => Some(token),
            None => self.renewed(None).await?,
        };
        let mut request = HttpRequest {
            method,
            url,
            access_token,
            body: body.map(crate::api::Body::Json),
            if_match,
            timeout: TIMEOUT,
        };
        let mut response = self.send(request.clone()).await?;
        if response.status == 401 && self.renew.is_some() {
            request.access_token = self.renewed(request.access_token.as_deref()).await?;
            response = self.send(request).await?;
        }
        match response.status {
            200..=299 => Ok((response.body, response.etag)),
            412 => Err(FhirError::Conflict),
            401 => Err(FhirError::SignInNeeded),
            status => {
                let outcome: OperationOutcome = serde_json::from_slice(&response.body).unwrap_or_default();
                let issues: Vec<String> = outcome.issue.iter().map(|i| i.text()).collect();
                if status == 403 {
                    return Err(FhirError::NotAllowed(issues.join("; ")));
                }
                Err(FhirError::Refused { status, issues })
            }
        }
    }

    async fn send(&self, request: HttpRequest) -> Result<crate::api::HttpResponse, FhirError> {
        self.transport.send(request).await.map_err(|e| match e {
            TransportError::Connection(d) => FhirError::Unreachable(d),
            TransportError::Timeout => FhirError::Unreachable("no answer in time".into()),
            TransportError::Aborted => FhirError::Unreachable("cancelled".into()),
            TransportError::TooLarge { limit, .. } => FhirError::BadResponse(TransportError::too_large_detail(limit)),
        })
    }

    /// `GET [base]/[type]/[id]`.
    pub async fn read<R: Resource>(&self, id: &str) -> Result<Versioned<R>, FhirError> {
        let url = format!("{}/{}/{}", self.base, R::TYPE, encode(id));
        let (body, etag) = self.request(Method::Get, url, None, None).await?;
        versioned(&body, etag)
    }

    /// `GET [base]/[type]?params` (first page).
    pub async fn search<R: Resource>(&self, params: &[(&str, String)]) -> Result<Bundle, FhirError> {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let url = format!("{}/{}?{}", self.base, R::TYPE, query.join("&"));
        self.page(url).await
    }

    /// The page after `bundle`, or `None` on the last page. The bearer token goes only to
    /// this server: a `next` link elsewhere is refused, not followed.
    pub async fn next_page(&self, bundle: &Bundle) -> Result<Option<Bundle>, FhirError> {
        match bundle.next() {
            Some(url) if self.is_under_base(url) => self.page(url.to_owned()).await.map(Some),
            Some(_) => Err(FhirError::BadResponse(format!(
                "the next page is not on {}; it was not followed",
                self.base
            ))),
            None => Ok(None),
        }
    }

    /// Whether `url` is this server's base or a path below it (no way out by `..`).
    fn is_under_base(&self, url: &str) -> bool {
        let Some(rest) = url.strip_prefix(&self.base) else {
            return false;
        };
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        (rest.is_empty() || rest.starts_with(['/', '?']))
            && !path.split('/').any(|segment| segment == ".." || segment.contains('\\'))
    }

    async fn page(&self, url: String) -> Result<Bundle, FhirError> {
        let (body, _) = self.request(Method::Get, url, None, None).await?;
        serde_json::from_slice(&body).map_err(|e| FhirError::BadResponse(format!("search result: {e}")))
    }

    /// `POST [base]/[type]`: creates `resource`; the server assigns its id.
    pub async fn create<R: Resource>(&self, resource: &R) -> Result<Versioned<R>, FhirError> {
        let url = format!("{}/{}", self.base, R::TYPE);
        let body = serde_json::to_string(resource).map_err(|e| FhirError::BadResponse(e.to_string()))?;
        let (body, etag) = self.request(Method::Post, url, Some(body), None).await?;
        versioned(&body, etag)
    }

    /// `PUT [base]/[type]/[id]` with `If-Match: W/"<version>"`: [`FhirError::Conflict`] when the
    /// resource changed since `version` was read.
    pub async fn update<R: Resource>(&self, resource: &R, version: &str) -> Result<Versioned<R>, FhirError> {
        let id = resource
            .id()
            .ok_or_else(|| FhirError::BadResponse("resource without id".into()))?;
        let url = format!("{}/{}/{}", self.base, R::TYPE, encode(id));
        let body = serde_json::to_string(resource).map_err(|e| FhirError::BadResponse(e.to_string()))?;
        let (body, etag) = self
            .request(Method::Put, url, Some(body), Some(format!("W/\"{version}\"")))
            .await?;
        versioned(&body, etag)
    }
}

fn versioned<R: Resource>(body: &[u8], etag: Option<String>) -> Result<Versioned<R>, FhirError> {
    let resource: R = serde_json::from_slice(body).map_err(|e| FhirError::BadResponse(format!("{}: {e}", R::TYPE)))?;
    let from_meta = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/meta/versionId")?.as_str().map(str::to_owned));
    let from_etag = etag.map(|t| t.trim_start_matches("W/").trim_matches('"').to_owned());
    let version = from_meta
        .or(from_etag)
        .ok_or_else(|| FhirError::BadResponse(format!("{} without a version", R::TYPE)))?;
    Ok(Versioned { resource, version })
}
