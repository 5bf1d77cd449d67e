//! AES-GCM through WebCrypto with a non-extractable key derived from the person's device
//! secret: the key material never reaches JavaScript or Rust, only the browser's crypto
//! implementation.

use super::StoreError;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, HkdfParams, SubtleCrypto};

/// AES-GCM nonce length (96 bits, as recommended).
const NONCE_LEN: u32 = 12;

fn subtle() -> Result<SubtleCrypto, StoreError> {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
        .ok_or_else(|| {
            StoreError::Unavailable("WebCrypto is not available (the page must be served over HTTPS)".into())
        })
}

fn crypto_error(what: &str) -> impl Fn(JsValue) -> StoreError + '_ {
    move |_| StoreError::Crypto(what.to_owned())
}

/// Encrypts `plain` under `key` with a fresh random nonce; returns (nonce, ciphertext).
pub async fn seal(key: &CryptoKey, plain: &[u8]) -> Result<(Uint8Array, Uint8Array), StoreError> {
    let nonce = Uint8Array::from(random_bytes(NONCE_LEN)?.as_slice());
    let params = AesGcmParams::new("AES-GCM", &nonce);
    let data = Uint8Array::from(plain);
    let promise = subtle()?
        .encrypt_with_object_and_buffer_source(&params, key, &data)
        .map_err(crypto_error("encrypting"))?;
    let sealed = JsFuture::from(promise).await.map_err(crypto_error("encrypting"))?;
    Ok((nonce, Uint8Array::new(&sealed)))
}

/// Decrypts what [`seal`] produced; a wrong key or tampered bytes give an error.
pub async fn open(key: &CryptoKey, nonce: &Uint8Array, sealed: &Uint8Array) -> Result<Vec<u8>, StoreError> {
    let params = AesGcmParams::new("AES-GCM", nonce);
    let promise = subtle()?
        .decrypt_with_object_and_buffer_source(&params, key, sealed)
        .map_err(crypto_error("decrypting"))?;
    let plain = JsFuture::from(promise)
        .await
        .map_err(|_| StoreError::Crypto("a record could not be decrypted (wrong key or damaged data)".into()))?;
    Ok(Uint8Array::new(&plain).to_vec())
}

/// `len` bytes from the browser's random source.
pub fn random_bytes(len: u32) -> Result<Vec<u8>, StoreError> {
    let bytes = Uint8Array::new_with_length(len);
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| StoreError::Crypto("no random source".into()))?
        .get_random_values_with_array_buffer_view(&bytes)
        .map_err(crypto_error("drawing random bytes"))?;
    Ok(bytes.to_vec())
}

/// The non-extractable AES-GCM 256 key that opens `user`'s records, derived (HKDF-SHA-256)
/// from their device secret: the same secret gives the same key on every sign-in, and without
/// the secret nothing on the device opens the records.
pub async fn derive_key(secret: &[u8], user: &str) -> Result<CryptoKey, StoreError> {
    let failed = crypto_error("deriving the encryption key");
    let subtle = subtle()?;
    let base = subtle
        .import_key_with_str(
            "raw",
            &Uint8Array::from(secret),
            "HKDF",
            false,
            &Array::of1(&"deriveKey".into()),
        )
        .map_err(&failed)?;
    let base: CryptoKey = JsFuture::from(base).await.map_err(&failed)?.unchecked_into();
    let info = Uint8Array::from(format!("app.rounds.store.v1 {user}").as_bytes());
    let params = HkdfParams::new_with_str("HKDF", "SHA-256", &info, &Uint8Array::new_with_length(0));
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let promise = subtle
        .derive_key_with_object_and_object(&params, &base, &AesKeyGenParams::new("AES-GCM", 256), false, &usages)
        .map_err(&failed)?;
    let key = JsFuture::from(promise).await.map_err(&failed)?;
    key.dyn_into::<CryptoKey>().map_err(failed)
}
