//! The encrypted IndexedDB store in headless Chromium.
#![cfg(target_arch = "wasm32")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use rounds::domain::{ClinicPolicy, Inbox, Incoming, Message, ThreadInfo};
use rounds::store::{
    DraftKey, InboxCache, LocalStore, OutboxItem, OutboxState, Store, StoreError, StoreNotice, DB_NAME, SCHEMA_VERSION,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const USER: &str = "@priya:localhost";
const SECRET: &str = "Sara M. needs her authorization renewed before Friday";

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
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
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
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
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

    // The same record under a different key (another database, another key) does not open.
    let other = db_name("crypto-other");
    let elsewhere = Store::open_in(&other, SCHEMA_VERSION, USER).await.unwrap();
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
    let elsewhere = Store::open_in(&other, SCHEMA_VERSION, USER).await.unwrap();
    assert!(matches!(
        elsewhere.load_draft(&thread()).await,
        Err(StoreError::Crypto(_))
    ));
    elsewhere.wipe().await.unwrap();
    Store::open_in(&name, SCHEMA_VERSION, USER)
        .await
        .unwrap()
        .wipe()
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_version_1_database_migrates_and_keeps_its_drafts() {
    let name = db_name("migrate");
    let old = Store::open_in(&name, 1, USER).await.unwrap();
    old.save_draft(&thread(), SECRET).await.unwrap();
    assert!(old.outbox().await.is_err(), "version 1 has no outbox yet");
    old.close();
    let new = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
    assert_eq!(new.load_draft(&thread()).await.unwrap().as_deref(), Some(SECRET));
    new.put_outbox(&item(1)).await.unwrap();
    assert_eq!(new.outbox().await.unwrap().len(), 1);
    new.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn outbox_keeps_order_and_txn_ids_across_reopening() {
    let name = db_name("outbox");
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
    for seq in [30, 10, 20] {
        store.put_outbox(&item(seq)).await.unwrap();
    }
    let mut failed = item(20);
    failed.state = OutboxState::Failed("refused".into());
    store.put_outbox(&failed).await.unwrap();
    store.close();
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
    let items = store.outbox().await.unwrap();
    let order: Vec<&str> = items.iter().map(|i| i.txn_id.as_str()).collect();
    assert_eq!(order, ["txn-10", "txn-20", "txn-30"]);
    assert_eq!(items[1].state, OutboxState::Failed("refused".into()));
    store.remove_outbox(10).await.unwrap();
    assert_eq!(store.outbox().await.unwrap().len(), 2);
    // Another user on the same device sees none of it.
    let other = Store::open_in(&name, SCHEMA_VERSION, "@dana:localhost").await.unwrap();
    assert!(other.outbox().await.unwrap().is_empty());
    other.close();
    store.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn unusable_databases_give_clear_errors() {
    let err = Store::open_in(&db_name("bad"), 0, USER).await.err().unwrap();
    assert!(matches!(err, StoreError::Failed(_)));
    let err = Store::open_in(&db_name("bad"), SCHEMA_VERSION + 1, USER)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("schema version"));
    // A database opened at a newer version than this build knows cannot be downgraded.
    let name = db_name("newer");
    Database::open(&name).with_version(9u32).await.unwrap().close();
    let err = Store::open_in(&name, SCHEMA_VERSION, USER).await.err().unwrap();
    assert!(
        matches!(err, StoreError::Failed(_) | StoreError::Unavailable(_)),
        "{err:?}"
    );
    assert!(!err.to_string().is_empty());
}

#[wasm_bindgen_test]
async fn the_inbox_cache_round_trips_encrypted() {
    let name = db_name("cache");
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
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
    };
    store.save_cache(&cache).await.unwrap();
    let raw = raw_record(&name, "cache", &format!("{USER}\u{1f}inbox")).await;
    let stored = js_sys::JSON::stringify(&raw).unwrap().as_string().unwrap();
    assert!(!stored.contains("Sara M."), "the cache is encrypted at rest");
    store.close();
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
    assert_eq!(store.load_cache().await.unwrap(), Some(cache));
    store.wipe().await.unwrap();
}

#[wasm_bindgen_test]
async fn another_tab_deleting_the_database_closes_this_connection_instead_of_hanging() {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let notices = heard.clone();
    let store = Store::open(USER, move |n| notices.borrow_mut().push(n)).await.unwrap();
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
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
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
    let store = Store::open_in(&name, SCHEMA_VERSION, USER).await.unwrap();
    store.remove_file("txn-photo").await.unwrap();
    assert_eq!(store.file("txn-photo").await.unwrap(), None);
    store.close();
}
