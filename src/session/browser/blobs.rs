//! Files held by the page as `blob:` addresses. Attached files are read with the session's
//! token into memory and shown through blob URLs, never through a URL the browser or the
//! service worker could fetch and keep. Every address made here is revoked when what shows it
//! goes away (leaving the thread) and all at once at sign-out.

use std::cell::RefCell;
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;

thread_local! {
    /// The addresses alive now.
    static LIVE: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// A `blob:` address for `bytes` of `content_type`; [`revoke`] it when it is no longer shown.
pub fn create(bytes: &[u8], content_type: &str) -> Result<String, String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not hold the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "no address for the file")?;
    LIVE.with(|live| live.borrow_mut().insert(url.clone()));
    Ok(url)
}

/// Frees an address made by [`create`].
pub fn revoke(url: &str) {
    LIVE.with(|live| live.borrow_mut().remove(url));
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Frees every address (sign-out).
pub fn revoke_all() {
    let all = LIVE.with(|live| std::mem::take(&mut *live.borrow_mut()));
    for url in all {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// Hands `bytes` to the browser as a download named `name`. The address lives only for the
/// click: some browsers read the file after the click returns, so it stays a minute (or until
/// sign-out).
pub fn save(bytes: &[u8], content_type: &str, name: &str) -> Result<(), String> {
    let url = create(bytes, content_type)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no page")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| "no link")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    gloo_timers::callback::Timeout::new(60_000, move || revoke(&url)).forget();
    Ok(())
}
