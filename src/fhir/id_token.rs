//! The OpenID Connect ID token that comes with an EHR authorization: who signed in at the
//! identity provider. Rounds checks it before using the grant — issuer, audience, expiry, the
//! nonce it sent, the signature (by the session, with the provider's keys) — and that the
//! person it names is the person signed in to Rounds: on a shared workstation, a sign-in left
//! at the provider must never become someone else's EHR access.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Deserialize;
use std::fmt;

/// A parsed (not yet trusted) ID token.
#[derive(Debug, Clone)]
pub struct IdToken {
    header: Header,
    claims: serde_json::Value,
    /// `header.payload`, what the signature signs.
    signed: String,
    signature: Vec<u8>,
}

#[derive(Debug, Clone, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// What the token must say to be this request's answer.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The provider's issuer.
    pub issuer: &'a str,
    /// Rounds' client id.
    pub client_id: &'a str,
    /// The nonce sent with the authorization request.
    pub nonce: &'a str,
    /// Now, in seconds since the epoch.
    pub now: u64,
}

/// Why an ID token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenProblem {
    /// Not a signed JWT at all.
    Malformed,
    /// Issued by another provider, for another app, expired, or not for this request.
    NotForThisRequest(&'static str),
    /// The signature does not verify with the provider's keys (or cannot be checked).
    BadSignature,
}

impl fmt::Display for IdTokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdTokenProblem::Malformed => write!(f, "the clinic's sign-in service sent an unreadable identity"),
            IdTokenProblem::NotForThisRequest(why) => {
                write!(
                    f,
                    "the identity the clinic's sign-in service sent is not for this sign-in ({why})"
                )
            }
            IdTokenProblem::BadSignature => {
                write!(
                    f,
                    "the identity the clinic's sign-in service sent could not be verified"
                )
            }
        }
    }
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, IdTokenProblem> {
    serde_json::from_slice(bytes).map_err(|_| IdTokenProblem::Malformed)
}

/// Tokens a few seconds "from the future" are the provider's clock, not a forgery.
const CLOCK_SKEW_SECONDS: u64 = 60;

impl IdToken {
    /// Reads a compact JWT (`header.payload.signature`).
    pub fn parse(raw: &str) -> Result<IdToken, IdTokenProblem> {
        let mut parts = raw.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(IdTokenProblem::Malformed);
        };
        let decode = |part: &str| Base64UrlUnpadded::decode_vec(part).map_err(|_| IdTokenProblem::Malformed);
        Ok(IdToken {
            header: json(&decode(header)?)?,
            claims: json(&decode(payload)?)?,
            signed: format!("{header}.{payload}"),
            signature: decode(signature)?,
        })
    }

    /// Checks what the token says against what this request expects (the signature is
    /// checked apart, with the provider's keys: [`IdToken::signed_part`]).
    pub fn check(&self, expected: &Expected) -> Result<(), IdTokenProblem> {
        let wrong = |why| Err(IdTokenProblem::NotForThisRequest(why));
        if self.header.alg != "RS256" {
            return wrong("unexpected signature algorithm");
        }
        if self.claim("iss") != Some(expected.issuer) {
            return wrong("another issuer");
        }
        let audience_ok = match self.claims.get("aud") {
            Some(serde_json::Value::String(aud)) => aud == expected.client_id,
            Some(serde_json::Value::Array(auds)) => {
                auds.iter().any(|a| a.as_str() == Some(expected.client_id))
                    && (auds.len() == 1 || self.claim("azp") == Some(expected.client_id))
            }
            _ => false,
        };
        if !audience_ok {
            return wrong("another app");
        }
        let exp = self.claims.get("exp").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if exp + CLOCK_SKEW_SECONDS <= expected.now {
            return wrong("expired");
        }
        if self.claim("nonce") != Some(expected.nonce) {
            return wrong("another request");
        }
        if self.claim("sub").is_none_or(str::is_empty) {
            return wrong("it names nobody");
        }
        Ok(())
    }

    /// A string claim, such as `sub` or `preferred_username`.
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name)?.as_str()
    }

    /// The key id the provider signed with.
    pub fn key_id(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// What the signature signs (`header.payload` as sent) and the signature.
    pub fn signed_part(&self) -> (&[u8], &[u8]) {
        (self.signed.as_bytes(), &self.signature)
    }
}

/// The Matrix localpart a provider account maps to, from the value of the claim the
/// homeserver's `localpart_template` uses: lower case, and an e-mail-like name cut at `@`.
pub fn localpart_of(value: &str) -> String {
    value.split('@').next().unwrap_or_default().trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, claims: serde_json::Value) -> String {
        let part = |bytes: &[u8]| Base64UrlUnpadded::encode_string(bytes);
        format!(
            "{}.{}.{}",
            part(header.as_bytes()),
            part(claims.to_string().as_bytes()),
            part(b"signature")
        )
    }

    fn claims() -> serde_json::Value {
        serde_json::json!({
            "iss": "http://idp", "sub": "dana", "aud": "rounds-app", "exp": 1_000, "iat": 900,
            "nonce": "n1", "preferred_username": "dana"
        })
    }

    const RS256: &str = r#"{"alg":"RS256","kid":"k1"}"#;
    const EXPECTED: Expected = Expected {
        issuer: "http://idp",
        client_id: "rounds-app",
        nonce: "n1",
        now: 950,
    };

    fn check(header: &str, claims: serde_json::Value) -> Result<(), IdTokenProblem> {
        IdToken::parse(&token(header, claims))?.check(&EXPECTED)
    }

    #[test]
    fn a_token_for_this_request_passes_and_names_its_person() {
        let parsed = IdToken::parse(&token(RS256, claims())).unwrap();
        assert_eq!(parsed.check(&EXPECTED), Ok(()));
        assert_eq!(parsed.claim("sub"), Some("dana"));
        assert_eq!(parsed.key_id(), Some("k1"));
        assert_eq!(parsed.signed_part().1, b"signature");
    }

    #[test]
    fn a_token_of_another_request_app_issuer_or_time_is_refused() {
        let with = |key: &str, value: serde_json::Value| {
            let mut c = claims();
            c[key] = value;
            check(RS256, c)
        };
        let refused = |r: Result<(), IdTokenProblem>| matches!(r, Err(IdTokenProblem::NotForThisRequest(_)));
        assert!(refused(with("nonce", "replayed".into())), "another request's nonce");
        assert!(refused(with("iss", "http://evil".into())));
        assert!(refused(with("aud", "synapse".into())), "a token for Synapse's client");
        assert!(
            refused(with("aud", serde_json::json!(["synapse", "rounds-app"]))),
            "two audiences, no azp"
        );
        assert!(refused(with("exp", 10.into())));
        assert!(refused(with("sub", "".into())));
        assert!(refused(check(r#"{"alg":"none"}"#, claims())), "an unsigned token");
        let mut shared = claims();
        shared["aud"] = serde_json::json!(["rounds-app", "other"]);
        shared["azp"] = "rounds-app".into();
        assert_eq!(check(RS256, shared), Ok(()));
        let mut without = claims();
        without.as_object_mut().unwrap().remove("nonce");
        assert!(refused(check(RS256, without)), "no nonce at all");
    }

    #[test]
    fn garbage_is_malformed() {
        for raw in ["", "a.b", "a.b.c.d", "!!.??.**"] {
            assert_eq!(IdToken::parse(raw).err(), Some(IdTokenProblem::Malformed), "{raw}");
        }
    }

    #[test]
    fn provider_names_map_to_localparts_as_the_homeserver_maps_them() {
        assert_eq!(localpart_of("dana"), "dana");
        assert_eq!(localpart_of("Dana.Brooks@clinic.example"), "dana.brooks");
    }
}
