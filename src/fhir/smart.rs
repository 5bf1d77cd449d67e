//! SMART on FHIR, standalone launch for a public client: discovery, the authorization request
//! (code + PKCE), the code exchange and refreshes. The access token is the person's own, with
//! the scopes their role allows; the EHR checks it on every request.

use crate::api::{encode, Body, HttpRequest, Method, Transport};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

/// The scopes Rounds asks for: who the person is, and what scheduling needs. The provider grants
/// what the person's role allows; [`Grant::scopes`] says what that was.
pub const SCOPES: &str = "openid fhirUser profile online_access user/Patient.rs user/Practitioner.rs \
     user/PractitionerRole.rs user/Schedule.rs user/Slot.rs user/Slot.u user/Appointment.rs user/Appointment.u \
     user/Communication.rs user/Communication.cu";

/// `[base]/.well-known/smart-configuration` (the parts Rounds uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SmartConfiguration {
    /// The OpenID provider that issues the tokens (with `sso-openid-connect`).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Where the browser goes to authorize.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens become access tokens.
    pub token_endpoint: String,
    /// What the server supports (`launch-standalone`, `client-public`, …).
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// What the token endpoint granted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Grant {
    /// The access token for the EHR (keep it in memory only).
    pub access_token: String,
    /// Renews it (rotated at every use; kept encrypted on the device).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// The scopes granted (space-separated).
    #[serde(default)]
    pub scope: String,
    /// Who signed in at the provider (OpenID Connect), to check against the Matrix person.
    #[serde(default)]
    pub id_token: Option<String>,
}

impl Grant {
    /// Whether the grant allows `letter` (`r`, `s`, `u`, …) on resource `kind` for the person.
    pub fn allows(&self, kind: &str, letter: char) -> bool {
        scope_allows(&self.scope, kind, letter)
    }
}

/// Whether the (space-separated) user `scope` allows `letter` on resource `kind` (SMART v2
/// letters; v1's `read` is `rs`).
pub fn scope_allows(scope: &str, kind: &str, letter: char) -> bool {
    scope.split(' ').any(|scope| {
        let Some((target, letters)) = scope.strip_prefix("user/").and_then(|rest| rest.split_once('.')) else {
            return false;
        };
        (target == kind || target == "*") && (letters.contains(letter) || (letters == "read" && "rs".contains(letter)))
    })
}

/// Why an authorization failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmartError {
    /// The identity provider or the EHR could not be reached.
    Unreachable(String),
    /// The provider refused (an OAuth `error`, such as `invalid_grant` or `access_denied`).
    Refused {
        /// The OAuth error code.
        error: String,
        /// Its description, if any.
        description: Option<String>,
    },
    /// The answer was not what the specification promises.
    BadResponse(String),
}

impl SmartError {
    /// Whether the person must sign in to the EHR again (the refresh token is gone or refused).
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, SmartError::Refused { error, .. } if error == "invalid_grant" || error == "login_required")
    }
}

impl fmt::Display for SmartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Staff read these: the details (a transport error, an OAuth code) stay in the value.
            SmartError::Unreachable(_) => write!(
                f,
                "the clinic's sign-in service could not be reached (check the connection and try again)"
            ),
            SmartError::Refused { error, description } => match (error.as_str(), description) {
                ("access_denied", _) => write!(f, "access to the EHR was not granted"),
                ("login_required", _) => write!(f, "sign in to the EHR first"),
                (_, Some(d)) => write!(f, "the clinic's sign-in service refused: {d}"),
                (_, None) => write!(f, "the clinic's sign-in service refused the request"),
            },
            SmartError::BadResponse(_) => write!(
                f,
                "the clinic's sign-in service gave an answer Rounds could not read (tell the clinic's IT)"
            ),
        }
    }
}

impl std::error::Error for SmartError {}

/// What the identity provider says about itself (`.well-known/openid-configuration`, the parts
/// Rounds uses to check ID tokens and to end a sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer every ID token must name.
    pub issuer: String,
    /// Its signing keys.
    pub jwks_uri: String,
    /// Where a refresh token is revoked (RFC 7009).
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// Where the browser ends the sign-in (OpenID Connect RP-initiated logout).
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// Reads the EHR's SMART configuration.
pub async fn discover<T: Transport>(transport: &T, fhir_base: &str) -> Result<SmartConfiguration, SmartError> {
    let url = format!("{}/.well-known/smart-configuration", fhir_base.trim_end_matches('/'));
    let body = send(transport, Method::Get, url, None).await?;
    serde_json::from_slice(&body).map_err(|e| SmartError::BadResponse(format!("smart-configuration: {e}")))
}

/// The identity provider's metadata (`None` when the EHR names no OpenID issuer). Also read
/// before the browser is sent there, so a provider that is down is a clear message, not the
/// browser's error page.
pub async fn provider<T: Transport>(
    transport: &T,
    config: &SmartConfiguration,
) -> Result<Option<ProviderMetadata>, SmartError> {
    let Some(issuer) = &config.issuer else { return Ok(None) };
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let body = send(transport, Method::Get, url, None).await?;
    let metadata: ProviderMetadata =
        serde_json::from_slice(&body).map_err(|e| SmartError::BadResponse(format!("openid-configuration: {e}")))?;
    if metadata.issuer != *issuer {
        return Err(SmartError::BadResponse(format!(
            "the provider calls itself {}, the EHR names {issuer}",
            metadata.issuer
        )));
    }
    Ok(Some(metadata))
}

/// The provider's public signing keys (its JWKS `keys`, as JSON Web Keys).
pub async fn signing_keys<T: Transport>(
    transport: &T,
    metadata: &ProviderMetadata,
) -> Result<Vec<serde_json::Value>, SmartError> {
    #[derive(Deserialize)]
    struct Jwks {
        keys: Vec<serde_json::Value>,
    }
    let body = send(transport, Method::Get, metadata.jwks_uri.clone(), None).await?;
    let jwks: Jwks = serde_json::from_slice(&body).map_err(|e| SmartError::BadResponse(format!("jwks: {e}")))?;
    Ok(jwks.keys)
}

/// Revokes `refresh_token` at the provider (RFC 7009; a public client names itself).
pub async fn revoke<T: Transport>(
    transport: &T,
    metadata: &ProviderMetadata,
    client_id: &str,
    refresh_token: &str,
) -> Result<(), SmartError> {
    let Some(endpoint) = &metadata.revocation_endpoint else {
        return Err(SmartError::BadResponse("the provider offers no revocation".into()));
    };
    let form = Body::form(&[
        ("token", refresh_token),
        ("token_type_hint", "refresh_token"),
        ("client_id", client_id),
    ]);
    send(transport, Method::Post, endpoint.clone(), Some(form))
        .await
        .map(|_| ())
}

/// Whether the provider answers now (its metadata, read afresh).
pub async fn provider_answers<T: Transport>(transport: &T, metadata: &ProviderMetadata) -> Result<(), SmartError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        metadata.issuer.trim_end_matches('/')
    );
    send(transport, Method::Get, url, None).await.map(|_| ())
}

/// Where to send the browser to end the person's sign-in at the provider, coming back to
/// `back` (registered with the provider); `None` when the provider offers no way.
pub fn end_session_url(
    metadata: &ProviderMetadata,
    client_id: &str,
    id_token: Option<&str>,
    back: &str,
) -> Option<String> {
    let endpoint = metadata.end_session_endpoint.as_ref()?;
    let mut fields = vec![("client_id", client_id), ("post_logout_redirect_uri", back)];
    if let Some(hint) = id_token {
        fields.push(("id_token_hint", hint));
    }
    Some(with_query(endpoint, &fields))
}

fn with_query(endpoint: &str, fields: &[(&str, &str)]) -> String {
    let query: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{}", query.join("&"))
}

/// Everything the authorization request names.
#[derive(Debug, Clone)]
pub struct Authorize<'a> {
    /// The public client id (from `config.json`).
    pub client_id: &'a str,
    /// Where the provider sends the browser back (one of the client's registered URIs).
    pub redirect_uri: &'a str,
    /// The FHIR base URL the token is for (`aud`).
    pub audience: &'a str,
    /// A random value the answer must carry back (refuses forged or replayed answers).
    pub state: &'a str,
    /// A random value the ID token must carry (binds it to this request).
    pub nonce: &'a str,
    /// `base64url(sha256(verifier))`: only the holder of the verifier can redeem the code.
    pub code_challenge: &'a str,
    /// Ask without showing anything (`prompt=none`): right after single sign-on. Otherwise the
    /// provider is asked for the password again (`prompt=login`, `max_age=0`: a shared
    /// workstation), which the clinic's provider enforces for Rounds whatever the URL says.
    pub silent: bool,
}

/// The URL to send the browser to.
pub fn authorize_url(config: &SmartConfiguration, request: &Authorize) -> String {
    let mut fields = vec![
        ("response_type", "code"),
        ("client_id", request.client_id),
        ("redirect_uri", request.redirect_uri),
        ("scope", SCOPES),
        ("state", request.state),
        ("nonce", request.nonce),
        ("aud", request.audience),
        ("code_challenge", request.code_challenge),
        ("code_challenge_method", "S256"),
    ];
    if request.silent {
        fields.push(("prompt", "none"));
    } else {
        fields.extend([("prompt", "login"), ("max_age", "0")]);
    }
    with_query(&config.authorization_endpoint, &fields)
}

/// Redeems an authorization code (with the PKCE verifier that made its challenge).
pub async fn exchange_code<T: Transport>(
    transport: &T,
    config: &SmartConfiguration,
    client_id: &str,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
) -> Result<Grant, SmartError> {
    let form = Body::form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        ("code_verifier", verifier),
    ]);
    token(transport, config, form).await
}

/// A fresh access token for a refresh token (which is rotated: use the new one next time).
pub async fn refresh<T: Transport>(
    transport: &T,
    config: &SmartConfiguration,
    client_id: &str,
    refresh_token: &str,
) -> Result<Grant, SmartError> {
    let form = Body::form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ]);
    token(transport, config, form).await
}

/// A backend service's access token (SMART Backend Services: client credentials, the client
/// authenticated by `assertion`, a JWT it signed; see [`super::backend`]), for `scope`.
pub async fn client_credentials<T: Transport>(
    transport: &T,
    config: &SmartConfiguration,
    assertion: &str,
    scope: &str,
) -> Result<Grant, SmartError> {
    let form = Body::form(&[
        ("grant_type", "client_credentials"),
        ("scope", scope),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion),
    ]);
    token(transport, config, form).await
}

async fn token<T: Transport>(transport: &T, config: &SmartConfiguration, form: Body) -> Result<Grant, SmartError> {
    let body = send(transport, Method::Post, config.token_endpoint.clone(), Some(form)).await?;
    serde_json::from_slice(&body).map_err(|e| SmartError::BadResponse(format!("token: {e}")))
}

async fn send<T: Transport>(
    transport: &T,
    method: Method,
    url: String,
    body: Option<Body>,
) -> Result<Vec<u8>, SmartError> {
    let request = HttpRequest {
        method,
        url,
        access_token: None,
        body,
        if_match: None,
        timeout: TIMEOUT,
    };
    let response = transport
        .send(request)
        .await
        .map_err(|e| SmartError::Unreachable(format!("{e:?}")))?;
    if (200..300).contains(&response.status) {
        return Ok(response.body);
    }
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(&response.body) {
        Ok(e) => Err(SmartError::Refused {
            error: e.error,
            description: e.error_description,
        }),
        Err(_) => Err(SmartError::BadResponse(format!("HTTP {}", response.status))),
    }
}

/// Base64url without padding (PKCE verifiers and challenges, RFC 7636).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The outcome of an authorization the browser brought back on the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// A code to redeem.
    Code(String),
    /// The provider said no (`error`, description).
    Refused(SmartError),
}

/// Reads the redirect URI's query: the code (only if `state` matches what was sent), or the
/// provider's refusal. `None` when the state does not match (a forged or replayed answer).
pub fn callback(query: &str, expected_state: &str) -> Option<Callback> {
    let fields: Vec<(String, String)> = query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .ok()
                    .map(|c| c.into_owned())
            };
            Some((decode(k)?, decode(v)?))
        })
        .collect();
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(expected_state) {
        return None;
    }
    match (get("code"), get("error")) {
        (Some(code), None) => Some(Callback::Code(code)),
        (_, Some(error)) => Some(Callback::Refused(SmartError::Refused {
            error,
            description: get("error_description"),
        })),
        (None, None) => Some(Callback::Refused(SmartError::BadResponse(
            "neither a code nor an error".into(),
        ))),
    }
}

/// A claim of a JWT access token (such as `fhirUser`, who the person is in the EHR), read
/// without checking the signature: it only tells Rounds whose schedule to look at; the EHR
/// checks the token itself on every request. `None` for opaque tokens.
pub fn token_claim(token: &str, claim: &str) -> Option<String> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let payload = token.split('.').nth(1)?;
    let bytes = Base64UrlUnpadded::decode_vec(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get(claim)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_without_protocol_text() {
        let cases = [
            SmartError::Unreachable("Connection(\"TypeError: Failed to fetch\")".into()),
            SmartError::Refused {
                error: "invalid_request".into(),
                description: None,
            },
            SmartError::Refused {
                error: "server_error".into(),
                description: Some("The provider is restarting".into()),
            },
            SmartError::BadResponse("smart-configuration: missing field `token_endpoint`".into()),
        ];
        for case in cases {
            let text = case.to_string();
            for protocol in [
                "TypeError",
                "Connection(",
                "invalid_request",
                "server_error",
                "missing field",
            ] {
                assert!(!text.contains(protocol), "{case:?} reads {text:?}");
            }
        }
    }

    fn config() -> SmartConfiguration {
        SmartConfiguration {
            issuer: None,
            authorization_endpoint: "http://idp/auth".into(),
            token_endpoint: "http://idp/token".into(),
            capabilities: vec![],
        }
    }

    /// The app's authorization request, silent or not.
    fn request(silent: bool) -> Authorize<'static> {
        Authorize {
            client_id: "rounds-app",
            redirect_uri: "http://app/auth/ehr",
            audience: "http://ehr/fhir/R4",
            state: "s1",
            nonce: "n1",
            code_challenge: "c1",
            silent,
        }
    }

    #[test]
    fn the_authorization_request_carries_pkce_state_and_audience() {
        let url = authorize_url(&config(), &request(true));
        assert!(url.starts_with("http://idp/auth?response_type=code&client_id=rounds-app"));
        for part in [
            "redirect_uri=http%3A%2F%2Fapp%2Fauth%2Fehr",
            "state=s1",
            "aud=http%3A%2F%2Fehr%2Ffhir%2FR4",
            "code_challenge=c1",
            "code_challenge_method=S256",
            "prompt=none",
            "nonce=n1",
            "scope=openid%20fhirUser",
        ] {
            assert!(url.contains(part), "{part} in {url}");
        }
        assert!(!url.contains("max_age"));
    }

    #[test]
    fn an_interactive_authorization_asks_for_the_password_again() {
        let url = authorize_url(&config(), &request(false));
        assert!(url.contains("prompt=login&max_age=0"), "{url}");
    }

    #[test]
    fn the_end_of_a_sign_in_names_the_app_the_way_back_and_the_person() {
        let metadata = ProviderMetadata {
            issuer: "http://idp".into(),
            jwks_uri: "http://idp/jwks".into(),
            revocation_endpoint: None,
            end_session_endpoint: Some("http://idp/session/end".into()),
        };
        let url = end_session_url(&metadata, "rounds-app", Some("h.p.s"), "http://app/").unwrap();
        assert_eq!(
            url,
            "http://idp/session/end?client_id=rounds-app&post_logout_redirect_uri=http%3A%2F%2Fapp%2F&id_token_hint=h.p.s"
        );
        let without = ProviderMetadata {
            end_session_endpoint: None,
            ..metadata
        };
        assert_eq!(end_session_url(&without, "rounds-app", None, "http://app/"), None);
    }

    #[test]
    fn callbacks_are_checked_against_the_state_sent() {
        assert_eq!(
            callback("?code=abc&state=s1&iss=x", "s1"),
            Some(Callback::Code("abc".into()))
        );
        assert_eq!(
            callback("?code=abc&state=forged", "s1"),
            None,
            "a tampered state is refused"
        );
        assert_eq!(callback("?code=abc", "s1"), None);
        let Some(Callback::Refused(e)) = callback("?error=access_denied&error_description=No+thanks&state=s1", "s1")
        else {
            panic!("a refusal");
        };
        assert_eq!(e.to_string(), "access to the EHR was not granted");
        let Some(Callback::Refused(e)) = callback("?error=login_required&state=s1", "s1") else {
            panic!("a refusal");
        };
        assert!(e.needs_sign_in());
    }

    #[test]
    fn base64url_matches_rfc_7636s_example() {
        // RFC 7636 appendix B: the verifier's SHA-256, encoded.
        let digest = [
            19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173, 109, 241, 68, 86,
            110, 225, 137, 74, 203, 112, 249, 195,
        ];
        assert_eq!(base64url(&digest), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
    }

    #[test]
    fn granted_scopes_say_what_the_person_may_do() {
        let grant = Grant {
            access_token: "t".into(),
            refresh_token: None,
            expires_in: None,
            scope: "user/Patient.rs user/Appointment.rs user/Slot.rsu".into(),
            id_token: None,
        };
        assert!(grant.allows("Appointment", 'r'));
        assert!(!grant.allows("Appointment", 'u'));
        assert!(grant.allows("Slot", 'u'));
        assert!(!grant.allows("Observation", 'r'));
    }

    #[test]
    fn a_claim_is_read_from_a_jwt_and_an_opaque_token_has_none() {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let payload = Base64UrlUnpadded::encode_string(br#"{"sub":"priya","fhirUser":"Practitioner/priya"}"#);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJl");
        assert_eq!(token_claim(&token, "fhirUser").as_deref(), Some("Practitioner/priya"));
        assert_eq!(token_claim(&token, "missing"), None);
        assert_eq!(token_claim("opaque-token", "fhirUser"), None);
        assert_eq!(token_claim("a.!!!.c", "fhirUser"), None);
    }
}
