//! Exponential backoff with jitter for reconnecting.

/// Delays grow 1 s, 2 s, 4 s … up to 30 s, each randomised to 50–100 % so that a clinic's
/// tablets do not all reconnect in the same instant after an outage.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
}

/// First delay.
const BASE_MS: u64 = 1_000;
/// Longest delay.
const MAX_MS: u64 = 30_000;
/// Longest wait honoured when the server asks for one (`Retry-After`): a misconfigured or
/// hostile server must not silence a clinic's tablets for hours.
pub const MAX_SERVER_WAIT_MS: u64 = 5 * 60_000;

impl Backoff {
    /// The delay before the next attempt; `jitter` is a random number in `[0, 1)`.
    pub fn next_delay(&mut self, jitter: f64) -> u64 {
        let exp = BASE_MS.saturating_mul(1 << self.failures.min(5)).min(MAX_MS);
        self.failures = self.failures.saturating_add(1);
        let factor = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
        (exp as f64 * factor) as u64
    }

    /// The delay to honour for an error: the server's `retry_after` when it gave one, at most
    /// [`MAX_SERVER_WAIT_MS`].
    pub fn delay_for(&mut self, retry_after_ms: Option<u64>, jitter: f64) -> u64 {
        let ours = self.next_delay(jitter);
        retry_after_ms.map_or(ours, |server| server.clamp(1, MAX_SERVER_WAIT_MS))
    }

    /// Forget failures after a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_resets() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay(1.0)).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        b.reset();
        assert_eq!(b.next_delay(0.0), 500);
    }

    #[test]
    fn server_retry_after_wins() {
        let mut b = Backoff::default();
        assert_eq!(b.delay_for(Some(7000), 0.3), 7000);
        assert_eq!(b.failures(), 1);
        assert!(b.delay_for(None, 0.0) >= 1000);
    }

    #[test]
    fn server_waits_are_capped() {
        let mut b = Backoff::default();
        // A day (or u64::MAX from a hostile header) becomes five minutes.
        assert_eq!(b.delay_for(Some(86_400_000), 0.5), MAX_SERVER_WAIT_MS);
        assert_eq!(b.delay_for(Some(u64::MAX), 0.5), MAX_SERVER_WAIT_MS);
        assert_eq!(b.delay_for(Some(0), 0.5), 1);
    }
}
