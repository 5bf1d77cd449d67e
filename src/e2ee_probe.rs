//! Measurement only (#24, docs/DECISIONS.md "End-to-end encryption"): with the `e2ee-vodozemac`
//! or `e2ee-sdk-crypto` feature, the app links an end-to-end encryption library and runs it once
//! at start-up, so that the release wasm carries the code a client would need (nothing is
//! dead-stripped) and the browser reports what the work costs on this machine.
//!
//! Each probe logs one console line, `rounds-e2ee-probe {json}`, with the time of each step in
//! milliseconds (`performance.now()`), the time since the page's start when it began, and whether
//! every step succeeded. `bench/e2ee-startup.mjs` reads it. Nothing leaves the browser and nothing
//! is stored: the keys are made, used and dropped.
//!
//! Never in a release: Rounds does not encrypt end to end (see the decision).

use serde_json::{json, Map, Value};

/// Starts the probes of the features built in, after the app has mounted.
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        #[cfg(feature = "e2ee-vodozemac")]
        report("vodozemac", vodozemac_probe::run);
        #[cfg(feature = "e2ee-sdk-crypto")]
        {
            let mut timer = Timer::new();
            let outcome = sdk_crypto_probe::run(&mut timer).await;
            timer.log("matrix-sdk-crypto", outcome);
        }
    });
}

#[cfg(feature = "e2ee-vodozemac")]
fn report(name: &str, probe: fn(&mut Timer) -> Result<(), String>) {
    let mut timer = Timer::new();
    let outcome = probe(&mut timer);
    timer.log(name, outcome);
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Step times of one probe.
struct Timer {
    began: f64,
    last: f64,
    steps: Map<String, Value>,
}

impl Timer {
    fn new() -> Self {
        let began = now();
        Timer {
            began,
            last: began,
            steps: Map::new(),
        }
    }

    /// Records the time since the previous step under `name`.
    fn step(&mut self, name: &str) {
        let t = now();
        self.steps.insert(name.to_owned(), json!(round(t - self.last)));
        self.last = t;
    }

    fn log(self, probe: &str, outcome: Result<(), String>) {
        let line = json!({
            "probe": probe,
            "began_at": round(self.began),
            "total": round(self.last - self.began),
            "steps": self.steps,
            "ok": outcome.is_ok(),
            "error": outcome.err(),
        });
        web_sys::console::log_1(&format!("rounds-e2ee-probe {line}").into());
    }
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

/// Olm and Megolm alone: what Rounds would link if it wrote the protocol around vodozemac.
#[cfg(feature = "e2ee-vodozemac")]
mod vodozemac_probe {
    use super::Timer;
    use vodozemac::megolm::{GroupSession, InboundGroupSession, InboundGroupSessionPickle, SessionConfig, SessionKey};
    use vodozemac::olm::{Account, AccountPickle, OlmMessage, SessionConfig as OlmConfig};

    fn err(e: impl std::fmt::Display) -> String {
        e.to_string()
    }

    pub(super) fn run(t: &mut Timer) -> Result<(), String> {
        // A first sign-in on a device: its account, identity keys, 50 one-time keys (what
        // Element keeps published) and its signed device keys.
        let mut alice = Account::new();
        let keys = alice.identity_keys();
        alice.generate_one_time_keys(50);
        let published = alice.one_time_keys().len();
        let device_keys = format!(
            r#"{{"algorithms":["m.olm.v1.curve25519-aes-sha2","m.megolm.v1.aes-sha2"],"device_id":"PROBE","keys":{{"curve25519:PROBE":"{}","ed25519:PROBE":"{}"}},"user_id":"@probe:rounds.invalid"}}"#,
            keys.curve25519.to_base64(),
            keys.ed25519.to_base64()
        );
        let signature = alice.sign(device_keys.as_bytes());
        alice.mark_keys_as_published();
        t.step("account_and_50_one_time_keys");

        // Another device checks those keys.
        keys.ed25519.verify(device_keys.as_bytes(), &signature).map_err(err)?;
        t.step("verify_device_keys");

        // Every start: the account kept encrypted on the device, opened again.
        let pickle_key = [7u8; 32];
        let sealed = alice.pickle().encrypt(&pickle_key);
        let alice = Account::from_pickle(AccountPickle::from_encrypted(&sealed, &pickle_key).map_err(err)?);
        t.step("account_seal_and_open");

        // Sending into a room: a Megolm session, its key shared with another device over Olm.
        let mut bob = Account::new();
        bob.generate_one_time_keys(1);
        let bob_otk = bob.one_time_keys().values().next().copied().ok_or("no one-time key")?;
        let mut group = GroupSession::new(SessionConfig::version_1());
        let room_key = format!(
            r#"{{"algorithm":"m.megolm.v1.aes-sha2","room_id":"!probe:rounds.invalid","session_id":"{}","session_key":"{}"}}"#,
            group.session_id(),
            group.session_key().to_base64()
        );
        let mut olm = alice
            .create_outbound_session(OlmConfig::version_1(), bob.curve25519_key(), bob_otk)
            .map_err(err)?;
        let to_device = olm.encrypt(room_key.as_bytes()).map_err(err)?;
        t.step("megolm_session_and_olm_key_share");

        // The other device: opens the Olm message, takes the room key.
        let OlmMessage::PreKey(pre_key) = to_device else {
            return Err("expected a pre-key message".into());
        };
        let created = bob
            .create_inbound_session(OlmConfig::version_1(), alice.curve25519_key(), &pre_key)
            .map_err(err)?;
        let shared: serde_json::Value = serde_json::from_slice(&created.plaintext).map_err(err)?;
        let key = SessionKey::from_base64(shared["session_key"].as_str().unwrap_or_default()).map_err(err)?;
        let mut inbound = InboundGroupSession::new(&key, SessionConfig::version_1());
        t.step("olm_receive_room_key");

        // One message each way through Megolm, and the room key kept and opened like the account.
        let message = group.encrypt(r#"{"type":"m.room.message","content":{"msgtype":"m.text","body":"probe"}}"#);
        let decrypted = inbound.decrypt(&message).map_err(err)?;
        if decrypted.plaintext.is_empty() {
            return Err("empty plaintext".into());
        }
        let sealed = inbound.pickle().encrypt(&pickle_key);
        let _ = InboundGroupSession::from_pickle(
            InboundGroupSessionPickle::from_encrypted(&sealed, &pickle_key).map_err(err)?,
        );
        t.step("megolm_encrypt_decrypt_and_keep");

        if published != 50 {
            return Err(format!("{published} one-time keys"));
        }
        Ok(())
    }
}

/// The whole protocol state machine (matrix-rust-sdk's, as Element Web runs it), with its
/// in-memory store: what Rounds would link if it took the Matrix field's crypto as a whole.
#[cfg(feature = "e2ee-sdk-crypto")]
mod sdk_crypto_probe {
    use super::Timer;
    use matrix_sdk_common::ruma::api::client::sync::sync_events::DeviceLists;
    use matrix_sdk_common::ruma::events::AnyMessageLikeEventContent;
    use matrix_sdk_common::ruma::serde::Raw;
    use matrix_sdk_common::ruma::{OneTimeKeyAlgorithm, OwnedDeviceId, RoomId, UInt, UserId};
    use matrix_sdk_crypto::types::events::room::encrypted::EncryptedEvent;
    use matrix_sdk_crypto::{
        DecryptionSettings, EncryptionSettings, EncryptionSyncChanges, OlmMachine, TrustRequirement,
    };
    use serde_json::json;
    use std::collections::BTreeMap;

    fn err(e: impl std::fmt::Display) -> String {
        e.to_string()
    }

    pub(super) async fn run(t: &mut Timer) -> Result<(), String> {
        let user = UserId::parse("@probe:rounds.invalid").map_err(err)?;
        let device = OwnedDeviceId::from("PROBE");
        let room = RoomId::parse("!probe:rounds.invalid").map_err(err)?;

        // A first sign-in: the machine makes its account; its first requests are the key upload
        // (device keys and one-time keys).
        let machine = OlmMachine::new(&user, &device).await;
        let _keys = machine.identity_keys();
        t.step("machine_new");
        let requests = machine.outgoing_requests().await.map_err(err)?;
        t.step("outgoing_requests_with_key_upload");

        // A sync's encryption part (no to-device events here, but the path is linked: the
        // events vector is opaque to the optimiser).
        let lists = DeviceLists::default();
        let counts: BTreeMap<OneTimeKeyAlgorithm, UInt> = BTreeMap::new();
        let changes = EncryptionSyncChanges {
            to_device_events: std::hint::black_box(Vec::new()),
            changed_devices: &lists,
            one_time_keys_counts: &counts,
            unused_fallback_keys: None,
            next_batch_token: None,
        };
        let settings = DecryptionSettings {
            sender_device_trust_requirement: TrustRequirement::Untrusted,
        };
        machine.receive_sync_changes(changes, &settings).await.map_err(err)?;
        t.step("receive_sync_changes");

        // Sending into a room: a room key (shared with no other device here), one message.
        machine
            .share_room_key(&room, std::iter::empty(), EncryptionSettings::default())
            .await
            .map_err(err)?;
        let content: Raw<AnyMessageLikeEventContent> = Raw::new(&json!({"msgtype": "m.text", "body": "probe"}))
            .map_err(err)?
            .cast_unchecked();
        let encrypted = machine
            .encrypt_room_event_raw(&room, "m.room.message", &content)
            .await
            .map_err(err)?;
        t.step("share_room_key_and_encrypt");

        // Reading it back as a timeline event.
        let event = json!({
            "type": "m.room.encrypted",
            "event_id": "$probe",
            "sender": user,
            "origin_server_ts": 1,
            "room_id": room,
            "content": encrypted.content,
        });
        let raw: Raw<EncryptedEvent> = Raw::new(&event).map_err(err)?.cast_unchecked();
        machine.decrypt_room_event(&raw, &room, &settings).await.map_err(err)?;
        t.step("decrypt_room_event");

        if requests.is_empty() {
            return Err("no key upload request".into());
        }
        Ok(())
    }
}
