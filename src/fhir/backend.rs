//! The EHR as a backend service of ours reads it (SMART Backend Services): no person behind the
//! requests; the service proves who it is with a short-lived JWT signed by its own private key
//! (ES256, `private_key_jwt`), and gets only the `system/` scopes it asks for and the clinic's
//! provider allows it. Native only: the key stays on the server that runs the service.

use super::client::{FhirClient, FhirError, RenewToken};
use super::smart::{self, base64url, SmartError};
use crate::api::Transport;
use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How long an assertion is good for (the provider refuses a replayed one meanwhile).
const ASSERTION_SECONDS: u64 = 300;

/// A backend client's identity at the clinic's provider: its client id and signing key.
pub struct BackendCredentials {
    client_id: String,
    key: SigningKey,
}

impl BackendCredentials {
    /// The client `client_id` signing with the P-256 private key in `pem` (PKCS#8, `BEGIN
    /// PRIVATE KEY`).
    pub fn from_pem(client_id: &str, pem: &str) -> Result<Self, String> {
        let key =
            SigningKey::from_pkcs8_pem(pem).map_err(|e| format!("not a P-256 private key in PKCS#8 PEM ({e})"))?;
        Ok(BackendCredentials {
            client_id: client_id.to_owned(),
            key,
        })
    }

    /// A client assertion for the token endpoint `audience`, issued at `now_seconds`; `jti`
    /// makes it unique (RFC 7523; SMART Backend Services).
    pub fn assertion(&self, audience: &str, now_seconds: u64, jti: &str) -> String {
        let header = serde_json::json!({ "alg": "ES256", "typ": "JWT" });
        let claims = serde_json::json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "iat": now_seconds,
            "exp": now_seconds + ASSERTION_SECONDS,
            "jti": jti,
        });
        let signing_input = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        );
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", base64url(&signature.to_bytes()))
    }
}

/// A FHIR client for the EHR at `fhir_base` that authenticates as the backend client
/// `credentials` with `scope` (space-separated `system/` scopes), asking the provider the EHR
/// names (its SMART configuration) for a new token whenever the EHR refuses the old one.
pub fn backend_client<T: Transport + Clone + 'static>(
    transport: T,
    fhir_base: &str,
    credentials: Rc<BackendCredentials>,
    scope: &str,
) -> FhirClient<T> {
    let (base, scope, requests) = (fhir_base.to_owned(), scope.to_owned(), transport.clone());
    let renew: RenewToken = Rc::new(move || {
        let (transport, base, scope, credentials) =
            (requests.clone(), base.clone(), scope.clone(), credentials.clone());
        Box::pin(async move {
            let config = smart::discover(&transport, &base).await.map_err(not_granted)?;
            let assertion = credentials.assertion(&config.token_endpoint, now_seconds(), &unique_jti());
            let grant = smart::client_credentials(&transport, &config, &assertion, &scope)
                .await
                .map_err(not_granted)?;
            Ok(grant.access_token)
        })
    });
    FhirClient::new(transport, fhir_base, None).renewing_with(renew)
}

fn not_granted(error: SmartError) -> FhirError {
    match error {
        SmartError::Unreachable(detail) => FhirError::Unreachable(detail),
        SmartError::Refused { error, description } => {
            FhirError::NotAllowed(description.map_or(error.clone(), |d| format!("{error}: {d}")))
        }
        SmartError::BadResponse(detail) => FhirError::BadResponse(detail),
    }
}

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Unique per assertion: this process's start, its id and a counter.
fn unique_jti() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!(
        "{nanos:x}-{:x}-{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{signature::Verifier, VerifyingKey};
    use p256::pkcs8::{EncodePrivateKey, LineEnding};

    #[test]
    fn an_assertion_is_a_jwt_signed_with_the_key_naming_the_client_and_the_endpoint() {
        let key = SigningKey::from_slice(&[7u8; 32]).expect("a valid scalar");
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("encodes");
        let credentials = BackendCredentials::from_pem("rounds-watch", &pem).expect("reads its own PEM");
        let jwt = credentials.assertion("https://idp.example/token", 1_000, "j1");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims = |part: &str| -> serde_json::Value {
            use base64ct::{Base64UrlUnpadded, Encoding};
            serde_json::from_slice(&Base64UrlUnpadded::decode_vec(part).expect("base64url")).expect("json")
        };
        assert_eq!(claims(parts[0])["alg"], "ES256");
        let body = claims(parts[1]);
        assert_eq!(
            (body["iss"].as_str(), body["sub"].as_str()),
            (Some("rounds-watch"), Some("rounds-watch"))
        );
        assert_eq!(body["aud"], "https://idp.example/token");
        assert_eq!(body["exp"].as_u64(), Some(1_300));
        use base64ct::{Base64UrlUnpadded, Encoding};
        let signature =
            Signature::from_slice(&Base64UrlUnpadded::decode_vec(parts[2]).expect("base64url")).expect("64 bytes");
        let verifying = VerifyingKey::from(&key);
        let signed = format!("{}.{}", parts[0], parts[1]);
        assert!(verifying.verify(signed.as_bytes(), &signature).is_ok());
        assert!(verifying.verify(b"something else", &signature).is_err());
    }

    #[test]
    fn a_key_that_is_not_pkcs8_p256_is_refused_in_words() {
        let error = BackendCredentials::from_pem(
            "rounds-watch",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .err()
        .expect("refused");
        assert!(error.contains("P-256"), "{error}");
    }

    #[test]
    fn each_assertion_has_its_own_id() {
        assert_ne!(unique_jti(), unique_jti());
    }
}
