//! The encrypted IndexedDB store in headless Chromium.
#![cfg(target_arch = "wasm32")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use rounds::domain::{ClinicPolicy, Inbox, Incoming, Message, ThreadInfo};
use rounds::store::{
    DraftKey, InboxCache, LocalStore, Opening, OutboxItem, OutboxState, Store, StoreError, StoreNotice, DB_NAME,
    SCHEMA_VERSION,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const USER: &str = "@priya:localhost";
const SECRET: &str = "Sara M. needs her authorization renewed before Friday";

/// Priya's device secret, as the homeserver would give it to her.
const PRIYA_SECRET: [u8; 32] = [7; 32];

fn priya() -> Opening<'static> {
    Opening {
        user: USER,
        secret: &PRIYA_SECRET,
        forget_others_after_ms: None,
        now_ms: 0,
    }
}

/// Priya's id with a secret that is not hers.
fn someone_else() -> Opening<'static> {
    Opening {
        secret: &[9; 32],
        ..priya()
    }
}

fn dana(now_ms: u64) -> Opening<'static> {
    Opening {
        user: "@dana:localhost",
        secret: &[5; 32],
        forget_others_after_ms: None,
        now_ms,
    }
}

fn db_name(test: &str) -> String {
    format!("rounds-test-{test}-{}", js_sys::Math::random())
}

fn thread() -> DraftKey {
    DraftKey::Thread(rounds::domain::ThreadKey::new("!clinical:localhost", "$root"))
}

fn item(seq: u64) -> OutboxItem {
    OutboxItem {
        seq,
        txn_id: format!("txn-{seq}"),
        room_id: "!r:localhost".into(),
        root_id: "$root".into(),
        event_type: "m.room.message".into(),
        content: serde_json::json!({ "msgtype": "m.text", "body": format!("message {seq}") }),
        queued_at: seq,
        state: OutboxState::Pending,
        queued_on: Some("DEVICE".into()),
    }
}

async fn raw_record(name: &str, store: &str, key: &str) -> JsValue {
    let db = Database::open(name).await.unwrap();
    let tx = db.transaction(store).build().unwrap();
    let value: Option<JsValue> = tx.object_store(store).unwrap().get(key).await.unwrap();
    drop(tx);
    db.close();
    value.expect("record exists")
}

#[wasm_bindgen_test]
async fn drafts_round_trip_and_empty_text_deletes() {
    let name = db_name("drafts");
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    store.save_draft(&thread(), SECRET).await.unwrap();
    store
        .save_draft(&DraftKey::NewThread, "{\"topic\":\"x\"}")
        .await
        .unwrap();
    assert_eq!(store.load_draft(&thread()).await.unwrap().as_deref(), Some(SECRET));
    let mut keys = store.draft_keys().await.unwrap();
    keys.sort();
    assert_eq!(keys, vec![thread(), DraftKey::NewThread]);
    store.save_draft(&thread(), "").await.unwrap();
    assert_eq!(store.load_draft(&thread()).await.unwrap(), None);
    store.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn stored_bytes_are_not_the_plaintext_and_another_key_cannot_open_them() {
    let name = db_name("crypto");
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    store.save_draft(&thread(), SECRET).await.unwrap();
    store.close();
    let key = format!("{USER}\u{1f}{}", thread().id());
    let record = raw_record(&name, "drafts", &key).await;
    let text = js_sys::JSON::stringify(&record).unwrap().as_string().unwrap();
    assert!(!text.contains("Sara"), "no plaintext in the record's JSON form");
    let sealed: js_sys::Uint8Array = js_sys::Reflect::get(&record, &"sealed".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let bytes = sealed.to_vec();
    assert!(
        !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "no plaintext in the ciphertext"
    );

    // The same record under another secret's key does not open.
    let other = db_name("crypto-other");
    let elsewhere = Store::open_in(&other, SCHEMA_VERSION, &someone_else()).await.unwrap();
    elsewhere.close();
    let db = Database::open(&other).await.unwrap();
    let tx = db
        .transaction("drafts")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    tx.object_store("drafts")
        .unwrap()
        .put(&record)
        .with_key(key.as_str())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close();
    let elsewhere = Store::open_in(&other, SCHEMA_VERSION, &someone_else()).await.unwrap();
    assert!(matches!(
        elsewhere.load_draft(&thread()).await,
        Err(StoreError::Crypto(_))
    ));
    elsewhere.wipe().await.unwrap();
    Store::open_in(&name, SCHEMA_VERSION, &priya())
        .await
        .unwrap()
        .wipe()
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_version_1_database_migrates_and_keeps_its_drafts() {
    let name = db_name("migrate");
    let old = Store::open_in(&name, 1, &priya()).await.unwrap();
    old.save_draft(&thread(), SECRET).await.unwrap();
    assert!(old.put_outbox(&item(1)).await.is_err(), "version 1 has no outbox yet");
    old.close();
    let new = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    assert_eq!(new.load_draft(&thread()).await.unwrap().as_deref(), Some(SECRET));
    new.put_outbox(&item(1)).await.unwrap();
    assert_eq!(new.outbox().await.unwrap().len(), 1);
    new.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn outbox_keeps_order_and_txn_ids_across_reopening() {
    let name = db_name("outbox");
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    for seq in [30, 10, 20] {
        store.put_outbox(&item(seq)).await.unwrap();
    }
    let mut failed = item(20);
    failed.state = OutboxState::Failed("refused".into());
    store.put_outbox(&failed).await.unwrap();
    store.close();
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    let items = store.outbox().await.unwrap();
    let order: Vec<&str> = items.iter().map(|i| i.txn_id.as_str()).collect();
    assert_eq!(order, ["txn-10", "txn-20", "txn-30"]);
    assert_eq!(items[1].state, OutboxState::Failed("refused".into()));
    store.remove_outbox(10).await.unwrap();
    assert_eq!(store.outbox().await.unwrap().len(), 2);
    // Another user on the same device sees none of it.
    let other = Store::open_in(&name, SCHEMA_VERSION, &dana(0)).await.unwrap();
    assert!(other.outbox().await.unwrap().is_empty());
    other.close();
    store.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn unusable_databases_give_clear_errors() {
    let err = Store::open_in(&db_name("bad"), 0, &priya()).await.err().unwrap();
    assert!(matches!(err, StoreError::Failed(_)));
    let err = Store::open_in(&db_name("bad"), SCHEMA_VERSION + 1, &priya())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("schema version"));
    // A database opened at a newer version than this build knows cannot be downgraded.
    let name = db_name("newer");
    Database::open(&name).with_version(9u32).await.unwrap().close();
    let err = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.err().unwrap();
    assert!(
        matches!(err, StoreError::Failed(_) | StoreError::Unavailable(_)),
        "{err:?}"
    );
    assert!(!err.to_string().is_empty());
}

#[wasm_bindgen_test]
async fn the_inbox_cache_round_trips_encrypted() {
    let name = db_name("cache");
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    assert_eq!(store.load_cache().await.unwrap(), None);
    let mut inbox = Inbox::new(USER);
    inbox.apply([Incoming::Root {
        room_id: "!clinical:localhost".into(),
        message: Message {
            id: "$root".into(),
            sender: "@jordan:localhost".into(),
            ts: 1,
            body: rounds::domain::Body::Text(SECRET.into()),
            delivery: rounds::domain::Delivery::Sent,
            txn_id: None,
            edited_at: None,
        },
        info: ThreadInfo {
            topic: "Authorization".into(),
            ..ThreadInfo::default()
        },
    }]);
    let cache = InboxCache {
        since: Some("s42".into()),
        inbox: inbox.snapshot(10, 10),
        policy: ClinicPolicy::with_defaults("Riverside"),
        joined: vec!["!clinical:localhost".into()],
        directory: Default::default(),
        conversation_invites: vec![("!dm:localhost".into(), "@jordan:localhost".into())],
    };
    store.save_cache(&cache).await.unwrap();
    let raw = raw_record(&name, "cache", &format!("{USER}\u{1f}inbox")).await;
    let stored = js_sys::JSON::stringify(&raw).unwrap().as_string().unwrap();
    assert!(!stored.contains("Sara M."), "the cache is encrypted at rest");
    store.close();
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    assert_eq!(store.load_cache().await.unwrap(), Some(cache));
    store.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn another_tab_deleting_the_database_closes_this_connection_instead_of_hanging() {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let notices = heard.clone();
    let store = Store::open(&priya(), move |n| notices.borrow_mut().push(n))
        .await
        .unwrap();
    store.save_draft(&thread(), SECRET).await.unwrap();
    // Another tab signs out: deleting waits for every open connection, so this one must close.
    Database::delete_by_name(DB_NAME).unwrap().await.unwrap();
    assert_eq!(*heard.borrow(), [StoreNotice::ClosedForOtherTab]);
    assert!(
        store.load_draft(&thread()).await.is_err(),
        "this tab cannot use it any more"
    );
}

#[wasm_bindgen_test]
async fn a_queued_attachment_is_kept_sealed_and_forgotten_on_removal() {
    let name = db_name("files");
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    let photo = format!("\u{ff}\u{d8}\u{ff} insurance card of {SECRET}").into_bytes();
    store.put_file("txn-photo", &photo).await.unwrap();
    assert_eq!(store.file("txn-photo").await.unwrap(), Some(photo.clone()));
    store.close();
    let record = raw_record(&name, "files", &format!("{USER}\u{1f}txn-photo")).await;
    let sealed: js_sys::Uint8Array = js_sys::Reflect::get(&record, &"sealed".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(
        !sealed.to_vec().windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "no plaintext in the stored file"
    );
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    store.remove_file("txn-photo").await.unwrap();
    assert_eq!(store.file("txn-photo").await.unwrap(), None);
    store.close();
}

/// Every (store, key, value) the origin's database `name` holds.
async fn everything_in(name: &str) -> Vec<(String, String, JsValue)> {
    let db = Database::open(name).await.unwrap();
    let stores: Vec<String> = db.object_store_names().collect();
    let mut found = Vec::new();
    for store in stores {
        let tx = db.transaction(store.as_str()).build().unwrap();
        let object_store = tx.object_store(store.as_str()).unwrap();
        let keys: Vec<String> = object_store
            .get_all_keys::<String>()
            .await
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        for key in keys {
            let value: Option<JsValue> = object_store.get(key.as_str()).await.unwrap();
            found.push((store.clone(), key, value.unwrap_or(JsValue::NULL)));
        }
    }
    db.close();
    found
}

async fn put_raw(name: &str, store: &str, key: &str, value: &JsValue) {
    let db = Database::open(name).await.unwrap();
    let tx = db
        .transaction(store)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    tx.object_store(store).unwrap().put(value).with_key(key).await.unwrap();
    tx.commit().await.unwrap();
    db.close();
}

fn keys_of(everything: &[(String, String, JsValue)]) -> Vec<String> {
    everything
        .iter()
        .map(|(store, key, _)| format!("{store}/{key}"))
        .collect()
}

#[wasm_bindgen_test]
async fn after_the_session_ends_nothing_the_origin_holds_opens_a_record() {
    let session = rounds::store::SavedSession {
        homeserver: "http://127.0.0.1:8008".into(),
        user_id: USER.into(),
        device_id: "DEVICE".into(),
        access_token: "syt_secret_token".into(),
        refresh_token: None,
        clinic_space: "!space:localhost".into(),
        policy: ClinicPolicy::with_defaults("Riverside"),
        joined: vec!["!clinical:localhost".into()],
        display_name: Some("Priya".into()),
        last_active: 0,
        ehr: None,
        signed_in_at_provider: false,
    };
    let store = Store::open(&priya(), |_| ()).await.unwrap();
    store.save_draft(&thread(), SECRET).await.unwrap();
    store.put_file("txn-photo", SECRET.as_bytes()).await.unwrap();
    store.save_session(&session).await.unwrap();
    store.close();
    // A reload within the session (offline too) opens everything without the secret.
    let (store, kept) = Store::restore(|_| ()).await.unwrap().expect("the session is kept");
    assert_eq!(kept.access_token, "syt_secret_token");
    assert_eq!(store.load_draft(&thread()).await.unwrap().as_deref(), Some(SECRET));

    // Idle logoff: the session's key goes with it.
    store.forget_session().await.unwrap();
    store.close();
    let left = everything_in(DB_NAME).await;
    assert!(
        left.iter()
            .all(|(_, _, value)| !value.is_instance_of::<web_sys::CryptoKey>()),
        "no key is left on the device: {:?}",
        keys_of(&left)
    );
    for (store, key, value) in &left {
        let text = js_sys::JSON::stringify(value)
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        assert!(
            !text.contains("Sara") && !text.contains("syt_"),
            "{store}/{key} is readable"
        );
    }
    assert!(
        Store::restore(|_| ()).await.unwrap().is_none(),
        "no session to continue"
    );

    // The same person signing in again gets their draft back ...
    let store = Store::open(&priya(), |_| ()).await.unwrap();
    assert_eq!(store.load_draft(&thread()).await.unwrap().as_deref(), Some(SECRET));
    store.forget_session().await.unwrap();
    store.close();
    // ... and anyone else, even under her name, gets nothing: her records are forgotten.
    let store = Store::open(&someone_else(), |_| ()).await.unwrap();
    assert_eq!(store.load_draft(&thread()).await.unwrap(), None);
    assert_eq!(store.file("txn-photo").await.unwrap(), None);
    store.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn another_person_signing_in_ends_what_the_last_session_left_and_forgets_stale_people() {
    let name = db_name("people");
    const DAY: u64 = 86_400_000;
    let store = Store::open_in(&name, SCHEMA_VERSION, &dana(0)).await.unwrap();
    store.save_draft(&thread(), "Dana's note").await.unwrap();
    store.close();
    // Priya signs in a day later: dana's session key is gone, her (sealed) draft stays.
    let mut opening = priya();
    opening.now_ms = DAY;
    opening.forget_others_after_ms = Some(14 * DAY);
    Store::open_in(&name, SCHEMA_VERSION, &opening).await.unwrap().close();
    let keys = keys_of(&everything_in(&name).await);
    assert!(
        !keys.contains(&"keys/session\u{1f}@dana:localhost".to_owned()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"keys/session\u{1f}@priya:localhost".to_owned()),
        "{keys:?}"
    );
    assert!(keys.iter().any(|k| k.starts_with("drafts/@dana:localhost")), "{keys:?}");
    let store = Store::open_in(&name, SCHEMA_VERSION, &dana(2 * DAY)).await.unwrap();
    assert_eq!(
        store.load_draft(&thread()).await.unwrap().as_deref(),
        Some("Dana's note")
    );
    store.close();
    // Fifteen days after dana's last sign-in, the clinic's 14 days have passed.
    opening.now_ms = 17 * DAY;
    Store::open_in(&name, SCHEMA_VERSION, &opening).await.unwrap().close();
    let keys = keys_of(&everything_in(&name).await);
    assert!(!keys.iter().any(|k| k.contains("@dana:localhost")), "{keys:?}");
    Database::delete_by_name(&name).unwrap().await.unwrap();
}

/// A key as releases before #24 kept it, and a record sealed under it.
async fn legacy_key_and_record(plain: &[u8]) -> (web_sys::CryptoKey, JsValue) {
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let usages = js_sys::Array::of2(&"encrypt".into(), &"decrypt".into());
    let params = web_sys::AesKeyGenParams::new("AES-GCM", 256);
    let key = subtle.generate_key_with_object(&params, false, &usages).unwrap();
    let key: web_sys::CryptoKey = wasm_bindgen_futures::JsFuture::from(key)
        .await
        .unwrap()
        .unchecked_into();
    let nonce = js_sys::Uint8Array::new_with_length(12);
    let sealed = subtle
        .encrypt_with_object_and_buffer_source(
            &web_sys::AesGcmParams::new("AES-GCM", &nonce),
            &key,
            &js_sys::Uint8Array::from(plain),
        )
        .unwrap();
    let sealed = js_sys::Uint8Array::new(&wasm_bindgen_futures::JsFuture::from(sealed).await.unwrap());
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &"nonce".into(), &nonce).unwrap();
    js_sys::Reflect::set(&record, &"sealed".into(), &sealed).unwrap();
    (key, record.into())
}

#[wasm_bindgen_test]
async fn a_key_kept_by_an_older_release_is_migrated_for_its_person_and_forgotten_for_others() {
    let name = db_name("legacy");
    Store::open_in(&name, SCHEMA_VERSION, &dana(0)).await.unwrap().close();
    let draft = serde_json::to_vec(SECRET).unwrap();
    for user in [USER, "@jordan:localhost"] {
        let (key, record) = legacy_key_and_record(&draft).await;
        put_raw(&name, "keys", user, &key).await;
        put_raw(&name, "drafts", &format!("{user}\u{1f}{}", thread().id()), &record).await;
    }
    let store = Store::open_in(&name, SCHEMA_VERSION, &priya()).await.unwrap();
    assert_eq!(store.load_draft(&thread()).await.unwrap().as_deref(), Some(SECRET));
    store.forget_session().await.unwrap();
    store.close();
    let left = everything_in(&name).await;
    assert!(
        left.iter()
            .all(|(_, _, value)| !value.is_instance_of::<web_sys::CryptoKey>()),
        "no old key is left: {:?}",
        keys_of(&left)
    );
    assert!(
        !keys_of(&left).iter().any(|k| k.contains("@jordan")),
        "{:?}",
        keys_of(&left)
    );
    Database::delete_by_name(&name).unwrap().await.unwrap();
}
