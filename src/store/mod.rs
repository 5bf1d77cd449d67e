//! `store`: drafts, the outbox and the saved session in IndexedDB, every record encrypted with
//! AES-GCM under a per-user, non-extractable WebCrypto key (itself kept only as a `CryptoKey`).
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

pub use error::StoreError;
pub use local::LocalStore;
pub use memory::MemoryStore;
pub use records::{
    decode_thread_draft, encode_thread_draft, DraftKey, EhrKept, InboxCache, OutboxItem, OutboxState, PendingLaunch,
    SavedSession,
};

#[cfg(target_arch = "wasm32")]
pub use db::{Store, StoreNotice, DB_NAME, SCHEMA_VERSION};
