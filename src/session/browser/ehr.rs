//! The person's own EHR authorization (SMART on FHIR standalone launch, public client, PKCE):
//! the browser goes to the identity provider — silently right after single sign-on — and comes
//! back to `/auth/ehr` with a code. The access token stays in memory; the refresh token is kept
//! encrypted with the session and renews it (one tab at a time: it is rotated at every use).

use super::super::ehr::Ehr;
use super::identity;
use super::sso::random_nonce;
use super::tabs::with_lock_result;
use super::{AppEhr, AppTab, DeviceStore};
use crate::api::BrowserTransport;
use crate::fhir::smart::{self, Authorize, Callback, ProviderMetadata, SmartConfiguration, SmartError};
use crate::fhir::{FhirClient, FhirError, RenewToken};
use crate::session::tab::idle::idle_past;
use crate::store::{EhrKept, PendingLaunch};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the EHR and its authorization are, for this portal.
#[derive(Clone)]
pub struct EhrLink {
    /// The FHIR base URL.
    pub base_url: String,
    /// The public client id Rounds is registered with.
    pub client_id: String,
    /// The ID token claim naming the person's Matrix localpart.
    pub(super) identity_claim: String,
    /// The SMART configuration, once discovered.
    config: Rc<RefCell<Option<SmartConfiguration>>>,
    /// The identity provider's metadata, once read (`None` inside: the EHR names no issuer).
    provider: Rc<RefCell<Option<Option<ProviderMetadata>>>>,
}

impl EhrLink {
    /// The link to the EHR at `base_url` for the client `client_id`, whose ID tokens name the
    /// person's Matrix localpart in `identity_claim`.
    pub fn new(base_url: &str, client_id: &str, identity_claim: &str) -> Self {
        EhrLink {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            identity_claim: identity_claim.to_owned(),
            config: Rc::new(RefCell::new(None)),
            provider: Rc::new(RefCell::new(None)),
        }
    }

    async fn config(&self) -> Result<SmartConfiguration, SmartError> {
        let known = self.config.borrow().clone();
        if let Some(config) = known {
            return Ok(config);
        }
        let config = smart::discover(&BrowserTransport::default(), &self.base_url).await?;
        *self.config.borrow_mut() = Some(config.clone());
        Ok(config)
    }

    /// The identity provider behind the EHR (read once; `None` when the EHR names none).
    pub(super) async fn provider(&self) -> Result<Option<ProviderMetadata>, SmartError> {
        let known = self.provider.borrow().clone();
        if let Some(provider) = known {
            return Ok(provider);
        }
        let provider = smart::provider(&BrowserTransport::default(), &self.config().await?).await?;
        *self.provider.borrow_mut() = Some(provider.clone());
        Ok(provider)
    }

    fn redirect_uri() -> String {
        format!("{}/auth/ehr", origin())
    }
}

/// This page's origin (`https://rounds.clinic.example`).
pub(super) fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Why the EHR could not be connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EhrProblem {
    /// A silent attempt needs the person to sign in at the provider (offer a button).
    SignInNeeded,
    /// An answer this tab did not ask for, or one already used.
    Forged,
    /// The provider signed in someone other than the person signed in to Rounds (a sign-in
    /// left on a shared workstation): nothing was connected.
    SomeoneElse {
        /// Who the provider named.
        signed_in_as: String,
    },
    /// The provider or the EHR refused or could not be reached.
    Failed(String),
}

impl fmt::Display for EhrProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EhrProblem::SignInNeeded => write!(f, "Sign in to the EHR to see appointments."),
            EhrProblem::Forged => write!(
                f,
                "This EHR sign-in link was not started here, or was already used. Nothing was connected."
            ),
            EhrProblem::SomeoneElse { signed_in_as } => write!(
                f,
                "The EHR sign-in was for {signed_in_as}, not for you. Nothing was connected: sign in to the EHR with your own account."
            ),
            EhrProblem::Failed(why) => write!(f, "The EHR could not be connected: {why}."),
        }
    }
}

/// The EHR client of `me`'s session, renewing their token through `store` while they are
/// active (not past `idle_ms`).
pub(super) fn client(link: &EhrLink, store: Rc<DeviceStore>, me: &str, idle_ms: Option<u64>) -> AppEhr {
    let client = FhirClient::new(BrowserTransport::default(), &link.base_url, None).renewing_with(renewer(
        link.clone(),
        store,
        me.to_owned(),
        idle_ms,
    ));
    Ehr::new(client)
}

fn renewer(link: EhrLink, store: Rc<DeviceStore>, me: String, idle_ms: Option<u64>) -> RenewToken {
    Rc::new(move || {
        let (link, store) = (link.clone(), store.clone());
        let lock = format!("rounds-ehr {me}");
        Box::pin(async move {
            with_lock_result(lock, renew(link, store, idle_ms))
                .await
                .unwrap_or(Err(FhirError::SignInNeeded))
        })
    })
}

/// A fresh EHR access token from the kept (latest) refresh token, which is rotated and kept;
/// none for a session idle past the window (an untouched open tab stops renewing).
async fn renew(link: EhrLink, store: Rc<DeviceStore>, idle_ms: Option<u64>) -> Result<String, FhirError> {
    let DeviceStore::Encrypted(store) = &*store else {
        return Err(FhirError::SignInNeeded);
    };
    let mut saved = store.saved().await.ok().flatten().ok_or(FhirError::SignInNeeded)?;
    if idle_past(saved.last_active, idle_ms, js_sys::Date::now() as u64) {
        return Err(FhirError::SignInNeeded);
    }
    let kept = saved.ehr.clone().ok_or(FhirError::SignInNeeded)?;
    let config = link.config().await.map_err(|e| FhirError::Unreachable(e.to_string()))?;
    let grant = match smart::refresh(
        &BrowserTransport::default(),
        &config,
        &link.client_id,
        &kept.refresh_token,
    )
    .await
    {
        Ok(grant) => grant,
        Err(e) if e.needs_sign_in() => {
            saved.ehr = None;
            let _ = store.save_session(&saved).await;
            return Err(FhirError::SignInNeeded);
        }
        Err(e) => return Err(FhirError::Unreachable(e.to_string())),
    };
    saved.ehr = Some(EhrKept {
        refresh_token: grant.refresh_token.clone().unwrap_or(kept.refresh_token),
        scope: if grant.scope.is_empty() {
            kept.scope
        } else {
            grant.scope.clone()
        },
        id_token: grant.id_token.clone().or(kept.id_token),
    });
    // Not kept: the next renewal (or reload) asks the person to sign in to the EHR again.
    let _ = store.save_session(&saved).await;
    Ok(grant.access_token)
}

/// Sends the browser to connect Rounds to the EHR, coming back to `return_to`; `silent` asks
/// without showing anything (right after single sign-on). The inbox is kept first: the page
/// is left for a moment.
pub async fn connect_ehr(tab: &AppTab, return_to: &str, silent: bool) -> Result<(), EhrProblem> {
    let link = tab
        .host()
        .ehr_link()
        .ok_or_else(|| EhrProblem::Failed("this portal has no EHR".into()))?;
    let url = authorization_url(&link, tab.host().store(), return_to, silent).await?;
    tab.keep_now().await;
    let window = web_sys::window().ok_or_else(|| EhrProblem::Failed("there is no page to leave".into()))?;
    window
        .location()
        .assign(&url)
        .map_err(|_| EhrProblem::Failed("the browser did not go to the EHR's sign-in".into()))
}

/// Where to send the browser to connect Rounds to the EHR (then back to `return_to`).
async fn authorization_url(
    link: &EhrLink,
    store: &DeviceStore,
    return_to: &str,
    silent: bool,
) -> Result<String, EhrProblem> {
    // The SMART configuration comes from the EHR itself: when it cannot be read, the EHR is the
    // one to name (the sign-in service may be fine).
    let config = link.config().await.map_err(|e| match e {
        SmartError::Unreachable(_) => EhrProblem::Failed("the EHR could not be reached (try again in a moment)".into()),
        other => EhrProblem::Failed(other.to_string()),
    })?;
    link.provider().await.map_err(|e| EhrProblem::Failed(e.to_string()))?;
    let random =
        || random_nonce().ok_or_else(|| EhrProblem::Failed("this browser gave no secure random numbers".into()));
    let verifier = format!("{}{}", random()?, random()?);
    let challenge = sha256_base64url(&verifier).await.map_err(EhrProblem::Failed)?;
    let pending = PendingLaunch {
        state: random()?,
        verifier,
        return_to: return_to.to_owned(),
        silent,
        nonce: random()?,
    };
    let DeviceStore::Encrypted(store) = store else {
        return Err(EhrProblem::Failed(
            "this browser cannot keep the sign-in safely (private browsing?)".into(),
        ));
    };
    store
        .put_pending_launch(&pending)
        .await
        .map_err(|e| EhrProblem::Failed(e.to_string()))?;
    Ok(smart::authorize_url(
        &config,
        &Authorize {
            client_id: &link.client_id,
            redirect_uri: &EhrLink::redirect_uri(),
            audience: &link.base_url,
            state: &pending.state,
            nonce: &pending.nonce,
            code_challenge: &challenge,
            silent,
        },
    ))
}

/// Completes the EHR authorization the browser came back with (`query` of `/auth/ehr`): checks
/// the state, redeems the code with the verifier, checks that the provider signed in this
/// very person, keeps the refresh token and gives the session's EHR the access token. Returns
/// the path to go back to.
pub(super) async fn complete_ehr(tab: &AppTab, query: &str) -> Result<String, EhrProblem> {
    let (Some(link), Some(ehr)) = (tab.host().ehr_link(), tab.session().ehr()) else {
        return Err(EhrProblem::Forged);
    };
    let DeviceStore::Encrypted(store) = tab.host().store() else {
        return Err(EhrProblem::Forged);
    };
    let pending = store
        .take_pending_launch()
        .await
        .ok()
        .flatten()
        .ok_or(EhrProblem::Forged)?;
    let code = match smart::callback(query, &pending.state) {
        None => return Err(EhrProblem::Forged),
        Some(Callback::Refused(e)) if e.needs_sign_in() => return Err(EhrProblem::SignInNeeded),
        Some(Callback::Refused(e)) => return Err(EhrProblem::Failed(e.to_string())),
        Some(Callback::Code(code)) => code,
    };
    // The SMART configuration comes from the EHR itself: when it cannot be read, the EHR is the
    // one to name (the sign-in service may be fine).
    let config = link.config().await.map_err(|e| match e {
        SmartError::Unreachable(_) => EhrProblem::Failed("the EHR could not be reached (try again in a moment)".into()),
        other => EhrProblem::Failed(other.to_string()),
    })?;
    let grant = smart::exchange_code(
        &BrowserTransport::default(),
        &config,
        &link.client_id,
        &EhrLink::redirect_uri(),
        &code,
        &pending.verifier,
    )
    .await
    .map_err(|e| EhrProblem::Failed(e.to_string()))?;
    let id_token = identity::check(&link, &grant, &pending.nonce, &tab.session().me()).await?;
    if let (Some(refresh_token), Ok(Some(mut saved))) = (grant.refresh_token.clone(), store.saved().await) {
        saved.ehr = Some(EhrKept {
            refresh_token,
            scope: grant.scope.clone(),
            id_token: Some(id_token),
        });
        store
            .save_session(&saved)
            .await
            .map_err(|e| EhrProblem::Failed(e.to_string()))?;
    }
    ehr.connect(Some(grant.access_token), &grant.scope);
    tab.session().ehr_changed();
    Ok(pending.return_to)
}

/// `base64url(SHA-256(text))` through WebCrypto (the PKCE challenge).
async fn sha256_base64url(text: &str) -> Result<String, String> {
    let subtle = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
        .ok_or("WebCrypto is not available")?;
    let bytes = text.as_bytes().to_vec();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", &bytes)
        .map_err(|_| "SHA-256 is not available")?;
    let digest = JsFuture::from(promise).await.map_err(|_| "SHA-256 failed")?;
    let digest = digest
        .dyn_into::<js_sys::ArrayBuffer>()
        .map_err(|_| "SHA-256 gave no bytes")?;
    Ok(smart::base64url(&js_sys::Uint8Array::new(&digest).to_vec()))
}
