//! `sync`: the long-poll sync engine, its status and reconnect backoff, history on demand, the
//! translation of Matrix events into domain facts, and how queued sends look meanwhile.

mod backoff;
pub mod convert;
mod engine;
mod history;
mod outbox;
mod status;

pub use backoff::{Backoff, MAX_SERVER_WAIT_MS};
pub use engine::{Batch, SyncEngine, TIMELINE_LIMIT};
pub use history::{fetch_root, thread_history, RootFetcher, ThreadPager};
pub use outbox::local_echo;
pub use status::SyncStatus;
