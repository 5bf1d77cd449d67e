//! `sync`: the services below the UI. The long-poll sync engine (its status, reconnect backoff,
//! history on demand, the translation of Matrix events into domain facts) and the outbox (the
//! persistent send queue with the domain commands), both over a [`Platform`] so they run and are
//! tested natively.

pub mod audit;
mod backoff;
pub mod convert;
mod engine;
mod history;
#[cfg(target_arch = "wasm32")]
pub mod intl;
pub mod outbox;
mod platform;
mod status;

pub use backoff::{Backoff, MAX_SERVER_WAIT_MS};
pub use engine::{Batch, SyncEngine, TIMELINE_LIMIT};
pub use history::{fetch_root, thread_history, RootFetcher, ThreadPager};
pub use outbox::{local_echo, pending_edit, Command, Outbox, OutboxEvent};
#[cfg(target_arch = "wasm32")]
pub use platform::BrowserPlatform;
#[cfg(not(target_arch = "wasm32"))]
pub use platform::NativePlatform;
pub use platform::{Alarm, Platform};
pub use status::SyncStatus;
