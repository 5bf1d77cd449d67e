//! `rounds-watch`: work the EHR opens. Signed in as the clinic's service account, it reads what
//! changed in the clinic's EHR (as a SMART backend client with read-only `system/` scopes) and
//! opens a thread for each missed visit, cancellation by a patient and new referral, in the
//! category and for the roles the clinic's rules name; the thread resolves itself when the EHR
//! shows the work done (docs/WATCH.md).
//!
//! Its state is on the homeserver: it can be stopped and started at any time, and rides out
//! homeserver and EHR outages by waiting (growing) and catching up.

#[cfg(not(target_arch = "wasm32"))]
mod service;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    service::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
