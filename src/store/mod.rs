//! `store`: drafts, the outbox and the saved session in IndexedDB, every record encrypted with
//! AES-GCM under a per-person, non-extractable WebCrypto key derived from the person's device
//! secret (kept by the homeserver). The device keeps that key only while the person's session
//! lasts, so after it ends what is left opens for nobody until they sign in again.
//!
//! The record types ([`records`]) and errors are plain Rust and tested natively; the IndexedDB
//! and WebCrypto parts are browser-only.

mod error;
mod local;
mod memory;
pub mod records;

#[cfg(target_arch = "wasm32")]
mod crypto;
#[cfg(target_arch = "wasm32")]
mod db;
#[cfg(target_arch = "wasm32")]
mod people;

pub use error::StoreError;
pub use local::LocalStore;
pub use memory::MemoryStore;
pub use records::{
    decode_thread_draft, encode_thread_draft, DraftKey, EhrKept, InboxCache, OutboxItem, OutboxState, PendingLaunch,
    SavedSession,
};

#[cfg(target_arch = "wasm32")]
pub use crypto::random_bytes;
#[cfg(target_arch = "wasm32")]
pub use db::{Opening, Store, StoreNotice, DB_NAME, SCHEMA_VERSION};
