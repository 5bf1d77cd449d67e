//! `rounds-escalation`: the clinic's escalation service. Signed in as the clinic's service
//! account (`rounds-admin escalation-service` enlists it), it follows every category room and,
//! when an urgent thread waits longer than its category's window for an acknowledgement,
//! reminds the roles it is addressed to, then calls in the backup role (docs/PROTOCOL.md).
//!
//! Its state is the rooms: it can be stopped and started at any time, and rides out homeserver
//! restarts and rate limits by signing in again and catching up.

#[cfg(not(target_arch = "wasm32"))]
mod service;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    service::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
