//! What the UI shows about the connection.

/// The sync loop's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncStatus {
    /// Signed in, first sync not back yet.
    #[default]
    Initial,
    /// Reconnected after an outage; catching up on what was missed.
    CatchingUp,
    /// Up to date and waiting for news.
    Live,
    /// The last attempt failed; retrying after `retry_in_ms`.
    Offline {
        /// Delay before the next attempt.
        retry_in_ms: u64,
    },
    /// The homeserver asked the app to wait (rate limiting); retrying after `retry_in_ms`.
    Throttled {
        /// Delay before the next attempt (the server's wait, capped).
        retry_in_ms: u64,
    },
}

impl SyncStatus {
    /// The status while the next request is in flight.
    pub fn before_attempt(self) -> SyncStatus {
        match self {
            SyncStatus::Offline { .. } | SyncStatus::Throttled { .. } => SyncStatus::CatchingUp,
            other => other,
        }
    }
}
