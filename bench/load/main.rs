//! Load test of a clinic group (`bench/load.sh` runs it; `cargo bench --bench load`): 5 clinics,
//! up to 500 staff, driven by the project's own native Matrix client against a real homeserver.
//!
//! Most staff sit idle in long-poll `/sync`; a few dozen ("active") send into threads every 2–4 s,
//! announce typing, and post threaded read receipts for what they receive. Every message carries
//! its send time, so each receiver's sync gives one send → other's sync latency. Afterwards every
//! room's history is read back through the API to count lost and duplicated messages.
//!
//! Environment: ROUNDS_LOAD_HOMESERVER, ROUNDS_LOAD_SECRET_FILE (shared-secret registration),
//! ROUNDS_LOAD_STAFF (people taking part, 5–500, spread over the clinics; default 100),
//! ROUNDS_LOAD_ACTIVE (active people per clinic, default 6), ROUNDS_LOAD_SECONDS (measured
//! traffic, default 60), ROUNDS_LOAD_PROCESSES (`name=pid,…`: CPU and memory per process, with
//! each process's children, such as PostgreSQL's backends), ROUNDS_LOAD_MEASURING (a file that
//! exists while traffic is measured: the browsers of bench/load-browsers.mjs send meanwhile),
//! ROUNDS_LOAD_PROVISIONED (a file written once the group exists: the browsers sign in then) and
//! ROUNDS_LOAD_WAIT_FOR (a file to wait for before the group starts syncing: the browsers' "ready").
//! Prints a summary, then one line `LOAD_JSON {...}` for bench/load.sh (with `failed` when the
//! homeserver could not bring everyone online).

#[cfg(not(target_arch = "wasm32"))]
mod audit;
#[cfg(not(target_arch = "wasm32"))]
mod options;
#[cfg(not(target_arch = "wasm32"))]
mod parallel;
#[cfg(not(target_arch = "wasm32"))]
mod processes;
#[cfg(not(target_arch = "wasm32"))]
mod setup;
#[cfg(not(target_arch = "wasm32"))]
mod stats;
#[cfg(not(target_arch = "wasm32"))]
mod traffic;

#[cfg(not(target_arch = "wasm32"))]
use options::{CLINICS, STAFF_PER_CLINIC};
#[cfg(not(target_arch = "wasm32"))]
use std::time::Duration;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let options = options::from_env();
    let staff = options.staff_per_clinic * CLINICS;
    eprintln!(
        "load: {staff} staff in {CLINICS} clinics against {}",
        options.homeserver
    );
    let group = setup::provision(&options.homeserver, &options.secret, CLINICS, STAFF_PER_CLINIC);
    if let Some(file) = &options.provisioned_flag {
        std::fs::write(file, "provisioned").unwrap_or_else(|e| panic!("writing {file}: {e}"));
    }
    if let Some(file) = &options.wait_for {
        await_file(file);
    }
    let report = match traffic::run(&options, &group) {
        Ok(outcome) => {
            let count = audit::count(&options.homeserver, &group, &outcome);
            stats::report(staff, &options, &outcome, &count)
        }
        Err(failure) => stats::failed(staff, &options, &failure),
    };
    setup::sign_out(&options.homeserver, &group);
    println!("{}", stats::human(&report));
    println!("LOAD_JSON {report}");
}

/// Waits (at most 10 minutes) until `file` exists.
#[cfg(not(target_arch = "wasm32"))]
fn await_file(file: &str) {
    eprintln!("load: waiting for {file}");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    while !std::path::Path::new(file).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{file} did not appear in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

// A native benchmark: nothing to run in the browser.
#[cfg(target_arch = "wasm32")]
fn main() {}
