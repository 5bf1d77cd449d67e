//! A [`LocalStore`] in memory: for native tests, and for browsers that refuse IndexedDB (the
//! app then works but keeps nothing across reloads, and says so).

use super::local::LocalStore;
use super::records::{DraftKey, InboxCache, OutboxItem};
use super::StoreError;
use crate::domain::InboxChoices;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::{ready, Future};

/// Everything a [`LocalStore`] keeps, in memory only.
#[derive(Debug, Default)]
pub struct MemoryStore {
    outbox: RefCell<BTreeMap<u64, OutboxItem>>,
    cache: RefCell<Option<InboxCache>>,
    drafts: RefCell<BTreeMap<DraftKey, String>>,
    files: RefCell<BTreeMap<String, Vec<u8>>>,
    choices: RefCell<Option<InboxChoices>>,
}

impl LocalStore for MemoryStore {
    fn put_outbox(&self, item: &OutboxItem) -> impl Future<Output = Result<(), StoreError>> {
        self.outbox.borrow_mut().insert(item.seq, item.clone());
        ready(Ok(()))
    }

    fn remove_outbox(&self, seq: u64) -> impl Future<Output = Result<(), StoreError>> {
        self.outbox.borrow_mut().remove(&seq);
        ready(Ok(()))
    }

    fn outbox(&self) -> impl Future<Output = Result<Vec<OutboxItem>, StoreError>> {
        ready(Ok(self.outbox.borrow().values().cloned().collect()))
    }

    fn put_file(&self, txn_id: &str, data: &[u8]) -> impl Future<Output = Result<(), StoreError>> {
        self.files.borrow_mut().insert(txn_id.to_owned(), data.to_vec());
        ready(Ok(()))
    }

    fn file(&self, txn_id: &str) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> {
        ready(Ok(self.files.borrow().get(txn_id).cloned()))
    }

    fn remove_file(&self, txn_id: &str) -> impl Future<Output = Result<(), StoreError>> {
        self.files.borrow_mut().remove(txn_id);
        ready(Ok(()))
    }

    fn save_cache(&self, cache: &InboxCache) -> impl Future<Output = Result<(), StoreError>> {
        *self.cache.borrow_mut() = Some(cache.clone());
        ready(Ok(()))
    }

    fn load_cache(&self) -> impl Future<Output = Result<Option<InboxCache>, StoreError>> {
        ready(Ok(self.cache.borrow().clone()))
    }

    fn save_draft(&self, key: &DraftKey, text: &str) -> impl Future<Output = Result<(), StoreError>> {
        if text.is_empty() {
            self.drafts.borrow_mut().remove(key);
        } else {
            self.drafts.borrow_mut().insert(key.clone(), text.to_owned());
        }
        ready(Ok(()))
    }

    fn load_draft(&self, key: &DraftKey) -> impl Future<Output = Result<Option<String>, StoreError>> {
        ready(Ok(self.drafts.borrow().get(key).cloned()))
    }

    fn draft_keys(&self) -> impl Future<Output = Result<Vec<DraftKey>, StoreError>> {
        ready(Ok(self.drafts.borrow().keys().cloned().collect()))
    }

    fn save_choices(&self, choices: &InboxChoices) -> impl Future<Output = Result<(), StoreError>> {
        *self.choices.borrow_mut() = Some(choices.clone());
        ready(Ok(()))
    }

    fn load_choices(&self) -> impl Future<Output = Result<Option<InboxChoices>, StoreError>> {
        ready(Ok(self.choices.borrow().clone()))
    }
}
