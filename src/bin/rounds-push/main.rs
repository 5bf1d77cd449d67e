//! `rounds-push`: a Matrix push gateway for Web Push (the Push Gateway API's
//! `/_matrix/push/v1/notify`, RFC 8291 message encryption, RFC 8292 VAPID).
//!
//! The homeserver calls it for each notification of a person with a registered pusher; it sends
//! each subscription an encrypted Web Push message holding ids and the unread count only, never
//! message content. A clinic can run Sygnal's `webpush` pushkin instead: the pusher data and the
//! payload follow the same shape (docs/DEPLOYMENT.md).

#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod notify;
#[cfg(not(target_arch = "wasm32"))]
mod renotify;
#[cfg(not(target_arch = "wasm32"))]
mod webpush;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
