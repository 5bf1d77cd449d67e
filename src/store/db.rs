//! The IndexedDB database: schema with append-only migrations, and encrypted records.

use super::crypto;
use super::local::LocalStore;
use super::people::{self, check_slot, legacy_slot, seen_slot, session_slot, KEYS};
use super::records::{DraftKey, InboxCache, OutboxItem, PendingLaunch, SavedSession};
use super::StoreError;
use crate::domain::InboxChoices;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

/// The app's database.
pub const DB_NAME: &str = "rounds";
/// The newest schema version ([`MIGRATIONS`] has one step per version).
pub const SCHEMA_VERSION: u32 = 4;

const DRAFTS: &str = "drafts";
pub(super) const SESSION: &str = "session";
const OUTBOX: &str = "outbox";
const CACHE: &str = "cache";
const FILES: &str = "files";
/// The stores whose records are all one person's (`<user>␟<id>`); `session` also has
/// `current-user`.
pub(super) const RECORD_STORES: [&str; 4] = [DRAFTS, OUTBOX, CACHE, FILES];
/// Separates the user from the record id in keys (never part of a Matrix id).
pub(super) const SEP: char = '\u{1f}';
/// What the check record seals (see [`people`]).
const CHECK_TEXT: &[u8] = b"rounds";

type Migration = fn(&Database) -> indexed_db_futures::Result<()>;

/// Append-only: version N runs `MIGRATIONS[N-1]`. Never edit a shipped step; add one.
const MIGRATIONS: [Migration; 4] = [
    // v1: per-user keys, drafts, the saved session.
    |db| {
        db.create_object_store(KEYS).build()?;
        db.create_object_store(DRAFTS).build()?;
        db.create_object_store(SESSION).build()?;
        Ok(())
    },
    // v2: the persistent outbox.
    |db| {
        db.create_object_store(OUTBOX).build()?;
        Ok(())
    },
    // v3: the inbox kept on the device.
    |db| {
        db.create_object_store(CACHE).build()?;
        Ok(())
    },
    // v4: the bytes of attachments waiting in the outbox.
    |db| {
        db.create_object_store(FILES).build()?;
        Ok(())
    },
];

/// What another tab did to this tab's database connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreNotice {
    /// Opening waits for another tab that holds an older version open.
    Blocked,
    /// Another tab upgrades or deletes the database: this tab's connection was closed so that it
    /// can, and this tab cannot save any more until it reloads.
    ClosedForOtherTab,
}

fn idb(context: &'static str) -> impl Fn(indexed_db_futures::error::Error) -> StoreError {
    move |e| StoreError::from_idb(context, &e.to_string())
}

/// What a person brings to open their records on this device.
pub struct Opening<'a> {
    /// Their Matrix user id.
    pub user: &'a str,
    /// Their device secret, which the homeserver keeps for them (never stored on the device).
    pub secret: &'a [u8],
    /// Other people who last signed in here longer ago than this are forgotten with their
    /// records (the clinic's choice; `None` keeps them).
    pub forget_others_after_ms: Option<u64>,
    /// Now, in milliseconds since the epoch.
    pub now_ms: u64,
}

/// The signed-in user's encrypted store on this device.
pub struct Store {
    db: Database,
    name: String,
    user: String,
    key: CryptoKey,
}

impl Store {
    /// Opens the app's database (migrating it) for a person who has just signed in: their key
    /// is derived from their secret and kept for this session only; another person's session
    /// key left here is deleted, and other people's stale records are forgotten.
    /// `notice` hears when another tab blocks the upgrade or needs this tab's connection closed.
    pub async fn open(opening: &Opening<'_>, notice: impl Fn(StoreNotice) + 'static) -> Result<Store, StoreError> {
        let notice: std::rc::Rc<dyn Fn(StoreNotice)> = std::rc::Rc::new(notice);
        let db = open_database(DB_NAME, SCHEMA_VERSION, Some(notice.clone())).await?;
        Store::unlock(db, DB_NAME, opening).await
    }

    /// Opens database `name` at schema `version` (≤ [`SCHEMA_VERSION`]) like [`Store::open`];
    /// tests use it to create an older database and check that opening it at the newest
    /// version keeps its data.
    pub async fn open_in(name: &str, version: u32, opening: &Opening<'_>) -> Result<Store, StoreError> {
        let db = open_database(name, version, None).await?;
        Store::unlock(db, name, opening).await
    }

    async fn unlock(db: Database, name: &str, opening: &Opening<'_>) -> Result<Store, StoreError> {
        let user = opening.user;
        let store = Store {
            key: crypto::derive_key(opening.secret, user).await?,
            db,
            name: name.to_owned(),
            user: user.to_owned(),
        };
        people::end_other_sessions(&store.db, user).await?;
        if !store.key_opens_records().await? {
            // Sealed under another secret (the account's was replaced): nothing here opens.
            people::forget(&store.db, user).await?;
        }
        if let Some(legacy) = get_js(&store.db, KEYS, &legacy_slot(user)).await? {
            store.reseal_from(legacy.unchecked_ref()).await?;
        }
        let (nonce, sealed) = crypto::seal(&store.key, CHECK_TEXT).await?;
        put_js(
            &store.db,
            KEYS,
            &check_slot(user),
            &sealed_record(user, &nonce, &sealed)?,
        )
        .await?;
        put_js(&store.db, KEYS, &session_slot(user), &store.key).await?;
        put_js(
            &store.db,
            KEYS,
            &seen_slot(user),
            &JsValue::from_f64(opening.now_ms as f64),
        )
        .await?;
        people::forget_others(&store.db, user, opening.forget_others_after_ms, opening.now_ms).await?;
        Ok(store)
    }

    /// Whether this key opens what is kept for the person (true when nothing is).
    async fn key_opens_records(&self) -> Result<bool, StoreError> {
        match get_js(&self.db, KEYS, &check_slot(&self.user)).await? {
            Some(check) => Ok(self.unseal_bytes(&check).await.is_ok_and(|text| text == CHECK_TEXT)),
            None => Ok(true),
        }
    }

    /// Re-encrypts the person's records from a key kept by a release before #24 under this
    /// session's key, then forgets the old key. A record the old key cannot open is dropped.
    async fn reseal_from(&self, old: &CryptoKey) -> Result<(), StoreError> {
        let old_store = Store {
            db: self.db.clone(),
            name: self.name.clone(),
            user: self.user.clone(),
            key: old.clone(),
        };
        for store in RECORD_STORES.iter().chain([&SESSION]) {
            for id in self.ids(store).await? {
                let Some(record) = get_js(&self.db, store, &self.record_key(&id)).await? else {
                    continue;
                };
                match old_store.unseal_bytes(&record).await {
                    Ok(plain) => self.put_sealed_bytes(store, &id, &plain).await?,
                    Err(_) => delete(&self.db, store, &self.record_key(&id)).await?,
                }
            }
        }
        delete(&self.db, KEYS, &legacy_slot(&self.user)).await
    }

    /// Closes the connection (so that the database can be deleted or upgraded).
    pub fn close(&self) {
        // `Database` is a cheap handle to the same connection.
        self.db.clone().close();
    }

    fn record_key(&self, id: &str) -> String {
        format!("{}{SEP}{id}", self.user)
    }

    async fn put_sealed(&self, store: &str, id: &str, value: &impl Serialize) -> Result<(), StoreError> {
        let json = serde_json::to_vec(value).map_err(|e| StoreError::Failed(e.to_string()))?;
        self.put_sealed_bytes(store, id, &json).await
    }

    async fn get_sealed<T: DeserializeOwned>(&self, store: &str, id: &str) -> Result<Option<T>, StoreError> {
        match get_js(&self.db, store, &self.record_key(id)).await? {
            Some(record) => self.unseal(&record).await.map(Some),
            None => Ok(None),
        }
    }

    async fn unseal<T: DeserializeOwned>(&self, record: &JsValue) -> Result<T, StoreError> {
        let plain = self.unseal_bytes(record).await?;
        serde_json::from_slice(&plain).map_err(|_| StoreError::Crypto("a record is damaged".into()))
    }

    /// Seals raw bytes (attachments: no JSON in between, which would triple their size).
    async fn put_sealed_bytes(&self, store: &str, id: &str, plain: &[u8]) -> Result<(), StoreError> {
        let (nonce, sealed) = crypto::seal(&self.key, plain).await?;
        let record = sealed_record(&self.user, &nonce, &sealed)?;
        put_js(&self.db, store, &self.record_key(id), &record).await
    }

    async fn unseal_bytes(&self, record: &JsValue) -> Result<Vec<u8>, StoreError> {
        let field = |k: &str| -> Result<Uint8Array, StoreError> {
            Reflect::get(record, &k.into())
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok())
                .ok_or_else(|| StoreError::Crypto("a record is damaged".into()))
        };
        crypto::open(&self.key, &field("nonce")?, &field("sealed")?).await
    }

    /// This user's record ids in `store`, in key order.
    async fn ids(&self, store: &str) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{}{SEP}", self.user);
        Ok(all_keys(&self.db, store)
            .await?
            .into_iter()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
            .collect())
    }

    /// Saves a draft (an empty text deletes it).
    pub async fn save_draft(&self, key: &DraftKey, text: &str) -> Result<(), StoreError> {
        if text.is_empty() {
            return delete(&self.db, DRAFTS, &self.record_key(&key.id())).await;
        }
        self.put_sealed(DRAFTS, &key.id(), &text).await
    }

    /// The saved draft, if any.
    pub async fn load_draft(&self, key: &DraftKey) -> Result<Option<String>, StoreError> {
        self.get_sealed(DRAFTS, &key.id()).await
    }

    /// Every composer with a saved draft.
    pub async fn draft_keys(&self) -> Result<Vec<DraftKey>, StoreError> {
        Ok(self
            .ids(DRAFTS)
            .await?
            .iter()
            .filter_map(|id| DraftKey::parse(id))
            .collect())
    }

    /// Persists an outgoing message (before its first attempt) or its new state.
    pub async fn put_outbox(&self, item: &OutboxItem) -> Result<(), StoreError> {
        self.put_sealed(OUTBOX, &format!("{:020}", item.seq), item).await
    }

    /// Removes a message from the outbox (sent, or deleted by the user).
    pub async fn remove_outbox(&self, seq: u64) -> Result<(), StoreError> {
        delete(&self.db, OUTBOX, &self.record_key(&format!("{seq:020}"))).await
    }

    /// The outbox in queue order.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let mut items = Vec::new();
        for id in self.ids(OUTBOX).await? {
            if let Some(item) = self.get_sealed::<OutboxItem>(OUTBOX, &id).await? {
                items.push(item);
            }
        }
        items.sort_by_key(|i| i.seq);
        Ok(items)
    }

    /// Keeps the session for restoring after a reload.
    pub async fn save_session(&self, session: &SavedSession) -> Result<(), StoreError> {
        self.put_sealed(SESSION, "current", session).await?;
        // Which user's key opens it (user ids are not secret; the token is sealed).
        put_js(&self.db, SESSION, "current-user", &self.user.as_str().into()).await?;
        kept_hint(true);
        Ok(())
    }

    /// The session kept by [`Store::save_session`] (as another tab may have updated it).
    pub async fn saved(&self) -> Result<Option<SavedSession>, StoreError> {
        self.get_sealed(SESSION, "current").await
    }

    /// Keeps an EHR authorization on its way (until the browser comes back).
    pub async fn put_pending_launch(&self, pending: &PendingLaunch) -> Result<(), StoreError> {
        self.put_sealed(SESSION, "pending-launch", pending).await
    }

    /// The EHR authorization on its way, removed as it is read (each answer is used once).
    pub async fn take_pending_launch(&self) -> Result<Option<PendingLaunch>, StoreError> {
        let pending = self.get_sealed(SESSION, "pending-launch").await?;
        delete(&self.db, SESSION, &self.record_key("pending-launch")).await?;
        Ok(pending)
    }

    /// Forgets the saved session and the key that opens this person's records (sign-out, idle
    /// logoff, an expired session): what stays is ciphertext until they sign in again.
    pub async fn forget_session(&self) -> Result<(), StoreError> {
        kept_hint(false);
        delete(&self.db, KEYS, &session_slot(&self.user)).await?;
        delete(&self.db, SESSION, "current-user").await?;
        delete(&self.db, SESSION, &self.record_key("pending-launch")).await?;
        delete(&self.db, SESSION, &self.record_key("current")).await
    }

    /// The session saved by [`Store::save_session`], with the store to continue with, while
    /// its key is kept (offline too); `None` once the session has ended.
    pub async fn restore(notice: impl Fn(StoreNotice) + 'static) -> Result<Option<(Store, SavedSession)>, StoreError> {
        let notice: std::rc::Rc<dyn Fn(StoreNotice)> = std::rc::Rc::new(notice);
        let db = open_database(DB_NAME, SCHEMA_VERSION, Some(notice.clone())).await?;
        let user = get_js(&db, SESSION, "current-user").await?.and_then(|v| v.as_string());
        let key = match &user {
            Some(user) => get_js(&db, KEYS, &session_slot(user)).await?,
            None => None,
        };
        let (Some(user), Some(key)) = (user, key.and_then(|k| k.dyn_into::<CryptoKey>().ok())) else {
            db.close();
            return Ok(None);
        };
        let store = Store {
            db,
            name: DB_NAME.to_owned(),
            user,
            key,
        };
        Ok(store
            .get_sealed::<SavedSession>(SESSION, "current")
            .await?
            .map(|s| (store, s)))
    }

    /// Deletes the whole database on this device: every user's drafts, outbox, keys and the
    /// saved session (sign-out).
    pub async fn wipe(&self) -> Result<(), StoreError> {
        kept_hint(false);
        self.close();
        delete_database(&self.name).await
    }
}

impl LocalStore for Store {
    async fn put_outbox(&self, item: &OutboxItem) -> Result<(), StoreError> {
        Store::put_outbox(self, item).await
    }

    async fn remove_outbox(&self, seq: u64) -> Result<(), StoreError> {
        Store::remove_outbox(self, seq).await
    }

    async fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        Store::outbox(self).await
    }

    async fn put_file(&self, txn_id: &str, data: &[u8]) -> Result<(), StoreError> {
        self.put_sealed_bytes(FILES, txn_id, data).await
    }

    async fn file(&self, txn_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match get_js(&self.db, FILES, &self.record_key(txn_id)).await? {
            Some(record) => self.unseal_bytes(&record).await.map(Some),
            None => Ok(None),
        }
    }

    async fn remove_file(&self, txn_id: &str) -> Result<(), StoreError> {
        delete(&self.db, FILES, &self.record_key(txn_id)).await
    }

    async fn save_cache(&self, cache: &InboxCache) -> Result<(), StoreError> {
        self.put_sealed(CACHE, "inbox", cache).await
    }

    async fn load_cache(&self) -> Result<Option<InboxCache>, StoreError> {
        self.get_sealed(CACHE, "inbox").await
    }

    async fn save_draft(&self, key: &DraftKey, text: &str) -> Result<(), StoreError> {
        Store::save_draft(self, key, text).await
    }

    async fn load_draft(&self, key: &DraftKey) -> Result<Option<String>, StoreError> {
        Store::load_draft(self, key).await
    }

    async fn draft_keys(&self) -> Result<Vec<DraftKey>, StoreError> {
        Store::draft_keys(self).await
    }

    async fn save_choices(&self, choices: &InboxChoices) -> Result<(), StoreError> {
        self.put_sealed(CACHE, "choices", choices).await
    }

    async fn load_choices(&self) -> Result<Option<InboxChoices>, StoreError> {
        self.get_sealed(CACHE, "choices").await
    }
}

/// A sealed record as stored: whose it is (not secret), the nonce and the ciphertext.
fn sealed_record(user: &str, nonce: &Uint8Array, sealed: &Uint8Array) -> Result<JsValue, StoreError> {
    let record = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&record, &k.into(), v).map(|_| ());
    set("user", &user.into())
        .and_then(|_| set("nonce", nonce))
        .and_then(|_| set("sealed", sealed))
        .map_err(|_| StoreError::Failed("building a record".into()))?;
    Ok(record.into())
}

/// Every key in `store`, in key order (none in a store an older schema does not have yet).
pub(super) async fn all_keys(db: &Database, store: &str) -> Result<Vec<String>, StoreError> {
    if !db.object_store_names().any(|name| name == store) {
        return Ok(Vec::new());
    }
    let tx = db.transaction(store).build().map_err(idb("reading"))?;
    Ok(tx
        .object_store(store)
        .map_err(idb("reading"))?
        .get_all_keys::<String>()
        .await
        .map_err(idb("reading"))?
        .filter_map(Result::ok)
        .collect())
}

async fn delete_database(name: &str) -> Result<(), StoreError> {
    Database::delete_by_name(name)
        .map_err(|e| StoreError::from_idb("deleting local data", &e.to_string()))?
        .await
        .map_err(idb("deleting local data"))
}

/// Opens `name` at `version`, running the migrations it lacks. With `notice`, another tab that
/// blocks the upgrade is reported (instead of hanging on "Loading…"), and this connection closes
/// itself when another tab upgrades or deletes the database.
async fn open_database(
    name: &str,
    version: u32,
    notice: Option<std::rc::Rc<dyn Fn(StoreNotice)>>,
) -> Result<Database, StoreError> {
    if version == 0 || version as usize > MIGRATIONS.len() {
        return Err(StoreError::Failed(format!("unknown schema version {version}")));
    }
    let blocked = notice.clone();
    let db = Database::open(name)
        .with_version(version)
        .with_on_blocked(move |_| {
            if let Some(notice) = blocked {
                notice(StoreNotice::Blocked);
            }
            Ok(())
        })
        .with_on_upgrade_needed(move |event, db| {
            let from = event.old_version() as usize;
            let to = event.new_version().map_or(version as usize, |v| v as usize);
            for step in &MIGRATIONS[from..to] {
                step(&db)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::from_idb("opening the local database", &e.to_string()))?;
    if let Some(notice) = notice {
        close_for_other_tabs(&db, notice);
    }
    Ok(db)
}

/// Another tab's upgrade or deletion waits for every open connection: this one gives way at
/// once and says so.
fn close_for_other_tabs(db: &Database, notice: std::rc::Rc<dyn Fn(StoreNotice)>) {
    use indexed_db_futures::internals::SystemRepr;
    use wasm_bindgen::closure::Closure;
    let raw = db.as_sys().clone();
    let closing = raw.clone();
    let handler = Closure::<dyn Fn()>::new(move || {
        closing.close();
        notice(StoreNotice::ClosedForOtherTab);
    });
    raw.set_onversionchange(Some(handler.as_ref().unchecked_ref()));
    // Lives as long as the connection (one per session).
    handler.forget();
}

async fn put_js(db: &Database, store: &str, key: &str, value: &JsValue) -> Result<(), StoreError> {
    let tx = db
        .transaction(store)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb("saving"))?;
    tx.object_store(store)
        .map_err(idb("saving"))?
        .put(value)
        .with_key(key)
        .await
        .map_err(idb("saving"))?;
    tx.commit().await.map_err(idb("saving"))
}

pub(super) async fn get_js(db: &Database, store: &str, key: &str) -> Result<Option<JsValue>, StoreError> {
    let tx = db.transaction(store).build().map_err(idb("reading"))?;
    let value: Option<JsValue> = tx
        .object_store(store)
        .map_err(idb("reading"))?
        .get(key)
        .await
        .map_err(idb("reading"))?;
    Ok(value.filter(|v| !v.is_undefined() && !v.is_null()))
}

pub(super) async fn delete(db: &Database, store: &str, key: &str) -> Result<(), StoreError> {
    let tx = db
        .transaction(store)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb("deleting"))?;
    tx.object_store(store)
        .map_err(idb("deleting"))?
        .delete(key)
        .await
        .map_err(idb("deleting"))?;
    tx.commit().await.map_err(idb("deleting"))
}

/// Whether a session is kept, as a hint (no data) in `localStorage` under [`KEPT_HINT`]: the
/// sign-in form that works before the app has loaded (`public/signin.js`) stays hidden when the
/// app will open a kept session instead. A wrong hint costs only a moment.
fn kept_hint(kept: bool) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = if kept {
            storage.set_item(KEPT_HINT, "1")
        } else {
            storage.remove_item(KEPT_HINT)
        };
    }
}

/// The `localStorage` key of [`kept_hint`].
const KEPT_HINT: &str = "rounds-session-kept";
