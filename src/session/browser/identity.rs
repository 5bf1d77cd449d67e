//! Who the identity provider signed in, checked before an EHR grant is used: the ID token must
//! be this request's (issuer, app, nonce, expiry), signed with the provider's keys (checked with
//! WebCrypto), and name the person signed in to Rounds. On a shared workstation a sign-in left
//! at the provider by someone else is refused here, and what it granted is revoked at once.

use super::ehr::{EhrLink, EhrProblem};
use crate::api::BrowserTransport;
use crate::fhir::id_token::{localpart_of, Expected, IdToken, IdTokenProblem};
use crate::fhir::smart::{self, Grant, ProviderMetadata};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The checked ID token of `grant` (kept: it names the person when their sign-in is ended), or
/// why the grant must not be used.
pub(super) async fn check(link: &EhrLink, grant: &Grant, nonce: &str, me: &str) -> Result<String, EhrProblem> {
    let failed = |why: String| EhrProblem::Failed(why);
    let refused = |problem: IdTokenProblem| EhrProblem::Failed(problem.to_string());
    let raw = grant
        .id_token
        .as_deref()
        .ok_or_else(|| failed("the clinic's sign-in service did not say who signed in".into()))?;
    let provider = link
        .provider()
        .await
        .map_err(|e| failed(e.to_string()))?
        .ok_or_else(|| failed("the EHR names no sign-in service to check the sign-in with".into()))?;
    let token = IdToken::parse(raw).map_err(refused)?;
    let expected = Expected {
        issuer: &provider.issuer,
        client_id: &link.client_id,
        nonce,
        now: (js_sys::Date::now() / 1000.0) as u64,
    };
    token.check(&expected).map_err(refused)?;
    verify_signature(&provider, &token).await.map_err(refused)?;
    let named = token.claim(&link.identity_claim).map(localpart_of);
    if named.as_deref() == Some(localpart_of_user(me).as_str()) {
        return Ok(raw.to_owned());
    }
    // Not this person's: what the provider granted is given back before anything uses it.
    if let Some(refresh_token) = &grant.refresh_token {
        let _ = smart::revoke(&BrowserTransport::default(), &provider, &link.client_id, refresh_token).await;
    }
    let signed_in_as = token
        .claim("name")
        .map(str::to_owned)
        .or(named)
        .unwrap_or_else(|| "another account".into());
    Err(EhrProblem::SomeoneElse { signed_in_as })
}

/// `dana` of `@dana:clinic.example`.
fn localpart_of_user(user_id: &str) -> String {
    let localpart = user_id.trim_start_matches('@').split(':').next().unwrap_or_default();
    localpart_of(localpart)
}

/// Verifies the token's RS256 signature with the provider's key it names.
async fn verify_signature(provider: &ProviderMetadata, token: &IdToken) -> Result<(), IdTokenProblem> {
    let keys = smart::signing_keys(&BrowserTransport::default(), provider)
        .await
        .map_err(|_| IdTokenProblem::BadSignature)?;
    let key = keys
        .iter()
        .find(|k| {
            k.get("kty").and_then(|v| v.as_str()) == Some("RSA")
                && k.get("kid").and_then(|v| v.as_str()) == token.key_id()
        })
        .ok_or(IdTokenProblem::BadSignature)?;
    let (data, signature) = token.signed_part();
    match rsa_verify(&key.to_string(), signature, data).await {
        Ok(true) => Ok(()),
        _ => Err(IdTokenProblem::BadSignature),
    }
}

/// WebCrypto's RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`) over `data`, with the JSON Web Key
/// `jwk`.
async fn rsa_verify(jwk: &str, signature: &[u8], data: &[u8]) -> Result<bool, JsValue> {
    const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";
    let subtle = web_sys::window().ok_or(JsValue::NULL)?.crypto()?.subtle();
    let key_data: js_sys::Object = js_sys::JSON::parse(jwk)?.dyn_into()?;
    let algorithm = js_sys::Object::new();
    js_sys::Reflect::set(&algorithm, &"name".into(), &ALGORITHM.into())?;
    js_sys::Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    let usages = js_sys::Array::of1(&"verify".into());
    let key = JsFuture::from(subtle.import_key_with_object("jwk", &key_data, &algorithm, false, &usages)?).await?;
    let key: web_sys::CryptoKey = key.dyn_into()?;
    let verified =
        JsFuture::from(subtle.verify_with_str_and_u8_array_and_u8_array(ALGORITHM, &key, signature, data)?).await?;
    Ok(verified.as_bool() == Some(true))
}
