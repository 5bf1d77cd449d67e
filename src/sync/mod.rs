//! `sync`: the long-poll sync engine, its status and reconnect backoff, and the translation of
//! Matrix events into domain facts.

mod backoff;
pub mod convert;
mod engine;
mod status;

pub use backoff::Backoff;
pub use engine::{Batch, SyncEngine, TIMELINE_LIMIT};
pub use status::SyncStatus;
