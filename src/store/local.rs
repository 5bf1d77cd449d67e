//! What the services keep on the device, as a trait: the browser's encrypted IndexedDB store
//! implements it, and so does [`MemoryStore`](super::MemoryStore) (native tests, and browsers
//! where IndexedDB cannot be used).

use super::records::{DraftKey, InboxCache, OutboxItem};
use super::StoreError;
use crate::domain::InboxChoices;
use std::future::Future;

/// The signed-in person's data on this device.
pub trait LocalStore {
    /// Persists an outgoing message (before its first attempt) or its new state.
    fn put_outbox(&self, item: &OutboxItem) -> impl Future<Output = Result<(), StoreError>>;
    /// Removes a message from the outbox (sent, or deleted by the person).
    fn remove_outbox(&self, seq: u64) -> impl Future<Output = Result<(), StoreError>>;
    /// The outbox in queue order.
    fn outbox(&self) -> impl Future<Output = Result<Vec<OutboxItem>, StoreError>>;
    /// Keeps the bytes of a queued attachment (item `txn_id`) until it is uploaded.
    fn put_file(&self, txn_id: &str, data: &[u8]) -> impl Future<Output = Result<(), StoreError>>;
    /// The bytes kept by [`LocalStore::put_file`], if any.
    fn file(&self, txn_id: &str) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>>;
    /// Forgets a queued attachment's bytes (uploaded, or its item deleted).
    fn remove_file(&self, txn_id: &str) -> impl Future<Output = Result<(), StoreError>>;
    /// Keeps the inbox for the next start.
    fn save_cache(&self, cache: &InboxCache) -> impl Future<Output = Result<(), StoreError>>;
    /// The inbox kept by [`LocalStore::save_cache`], if any.
    fn load_cache(&self) -> impl Future<Output = Result<Option<InboxCache>, StoreError>>;
    /// Saves a draft (an empty text deletes it).
    fn save_draft(&self, key: &DraftKey, text: &str) -> impl Future<Output = Result<(), StoreError>>;
    /// The saved draft, if any.
    fn load_draft(&self, key: &DraftKey) -> impl Future<Output = Result<Option<String>, StoreError>>;
    /// Every composer with a saved draft.
    fn draft_keys(&self) -> impl Future<Output = Result<Vec<DraftKey>, StoreError>>;
    /// Keeps the person's inbox filter choices for the next start.
    fn save_choices(&self, choices: &InboxChoices) -> impl Future<Output = Result<(), StoreError>>;
    /// The choices kept by [`LocalStore::save_choices`], if any.
    fn load_choices(&self) -> impl Future<Output = Result<Option<InboxChoices>, StoreError>>;
}
