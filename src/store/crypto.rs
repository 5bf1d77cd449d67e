//! AES-GCM through WebCrypto with a non-extractable key: the key material never reaches
//! JavaScript or Rust, only the browser's crypto implementation.

use super::StoreError;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, SubtleCrypto};

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

/// A fresh, non-extractable AES-GCM 256 key for one user on this device.
pub async fn generate_key() -> Result<CryptoKey, StoreError> {
    let params = AesKeyGenParams::new("AES-GCM", 256);
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let promise = subtle()?
        .generate_key_with_object(&params, false, &usages)
        .map_err(crypto_error("creating the encryption key"))?;
    let key = JsFuture::from(promise)
        .await
        .map_err(crypto_error("creating the encryption key"))?;
    key.dyn_into::<CryptoKey>()
        .map_err(crypto_error("creating the encryption key"))
}

/// Encrypts `plain` under `key` with a fresh random nonce; returns (nonce, ciphertext).
pub async fn seal(key: &CryptoKey, plain: &[u8]) -> Result<(Uint8Array, Uint8Array), StoreError> {
    let nonce = Uint8Array::new_with_length(NONCE_LEN);
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| StoreError::Crypto("no random source".into()))?
        .get_random_values_with_array_buffer_view(&nonce)
        .map_err(crypto_error("drawing a nonce"))?;
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
