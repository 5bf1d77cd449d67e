//! Browser tests (wasm-bindgen-test in headless Chromium): the gloo-net transport against the
//! real Synapse, IndexedDB through indexed_db_futures, and the clinic's clock through `Intl`.
#![cfg(target_arch = "wasm32")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use rounds::api::{BrowserTransport, Client, Error};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Set by `scripts/test.sh` when it builds these tests (the demo clinic is seeded there);
/// defaults to the test homeserver's address.
fn homeserver() -> &'static str {
    option_env!("ROUNDS_TEST_HOMESERVER").unwrap_or("http://127.0.0.1:18008")
}

#[wasm_bindgen_test]
async fn browser_transport_signs_in_and_calls_synapse() {
    let mut client = Client::new(BrowserTransport::default(), homeserver());
    let versions = client.versions().await.expect("versions");
    assert!(!versions.versions.is_empty());

    let err = client.login("dana", "not her password", None).await.unwrap_err();
    assert_eq!(err.errcode(), Some("M_FORBIDDEN"));

    let session = client.login("dana", "rounds-demo", None).await.expect("login");
    assert!(session.user_id.starts_with("@dana:"));
    let me = client.whoami().await.expect("whoami");
    assert_eq!(me.user_id, session.user_id);
    client.logout().await.expect("logout");
}

#[wasm_bindgen_test]
async fn browser_transport_reports_unreachable_servers() {
    let client = Client::new(BrowserTransport::default(), "http://127.0.0.1:9");
    assert!(matches!(client.versions().await, Err(Error::Connection(_))));
}

#[wasm_bindgen_test]
async fn browser_transport_refuses_answers_over_its_size_limit() {
    // /versions is a few hundred bytes: with a 64-byte limit it must be refused, not read.
    let client = Client::new(BrowserTransport::with_max_body(64), homeserver());
    match client.versions().await {
        Err(Error::BadResponse { status: 200, detail }) => {
            assert!(detail.contains("larger than 64 bytes"), "{detail}")
        }
        other => panic!("expected a refused answer, got {other:?}"),
    }
    // The default limit leaves ordinary answers alone.
    let client = Client::new(BrowserTransport::default(), homeserver());
    assert!(client.versions().await.is_ok());
}

#[wasm_bindgen_test]
async fn indexed_db_round_trip() {
    let db = Database::open("rounds-test-roundtrip")
        .with_version(1u8)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store("kv").build()?;
            Ok(())
        })
        .await
        .expect("open");
    let tx = db
        .transaction("kv")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let store = tx.object_store("kv").unwrap();
    store
        .put("Sara M. – Authorization renewal pending")
        .with_key("draft")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let tx = db.transaction("kv").build().unwrap();
    let store = tx.object_store("kv").unwrap();
    let value: Option<String> = store.get("draft").await.unwrap();
    assert_eq!(value.as_deref(), Some("Sara M. – Authorization renewal pending"));
    drop(store);
    drop(tx);
    db.close();
    Database::delete_by_name("rounds-test-roundtrip")
        .unwrap()
        .await
        .unwrap();
}

#[wasm_bindgen_test]
fn the_clinic_clock_reads_its_time_zone_across_daylight_saving_and_refuses_bad_settings() {
    use rounds::sync::intl::{self, Pattern};
    assert_eq!(intl::check(Some("en-US"), Some("America/Chicago")), Ok(()));
    assert!(intl::check(Some("en_US!"), None)
        .unwrap_err()
        .contains("locale \"en_US!\""));
    assert!(intl::check(None, Some("Mars/Olympus"))
        .unwrap_err()
        .contains("time_zone"));

    intl::configure(Some("en-US"), Some("America/Chicago"));
    // 2026-11-24T13:05Z is 7:05 in the morning in Chicago (UTC-6), whatever the device's zone.
    const TUE: u64 = 1_795_525_500_000;
    assert_eq!(intl::utc_offset_minutes(TUE), -360);
    assert!(intl::format(Pattern::Clock, TUE).contains("7:05"));
    assert_eq!(intl::day_start(intl::day_number(TUE)), TUE - (7 * 60 + 5) * 60_000);
    // Asked again (from the cache of offsets), the same answer.
    assert_eq!(intl::utc_offset_minutes(TUE + 60_000), -360);
    // 2026-03-08, when Chicago moves its clocks forward, is 23 hours long.
    let spring = intl::day_number(1_772_992_800_000);
    assert_eq!(intl::day_start(spring), 1_772_949_600_000);
    assert_eq!(intl::day_start(spring + 1), 1_773_032_400_000);
    assert_eq!(intl::calendar_date("2016-04-12"), "04/12/2016");
    assert_eq!(intl::calendar_date("not a date"), "not a date");
    assert_eq!(intl::calendar_date("2016-02-31"), "2016-02-31");
    assert_eq!(intl::calendar_date("2016-04"), "2016-04");
    intl::configure(None, None);
}
