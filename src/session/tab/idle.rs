//! The idle clock: activity in any of the person's tabs resets it; after the clinic's idle
//! timeout without any, the session is logged off.

/// Activity is passed on (to the other tabs, to the kept session) at most this often, and at
/// least four times per idle window so no tab times out while another is in use.
const TELL_EVERY_MS: u64 = 10_000;

/// Whether a session last used at `last_active` (ms; 0: unknown) has been idle for `limit_ms`
/// at `now`: it is logged off, not continued after a reload, and its tokens are not renewed,
/// whatever the server would still allow.
pub fn idle_past(last_active: u64, limit_ms: Option<u64>, now: u64) -> bool {
    limit_ms.is_some_and(|limit| last_active > 0 && now.saturating_sub(last_active) >= limit)
}

/// When the person was last active, and whether that is too long ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleClock {
    limit_ms: Option<u64>,
    last: u64,
    told: u64,
}

impl IdleClock {
    /// A clock started at `now`, logging off after `limit_ms` without activity (never: `None`).
    pub fn new(limit_ms: Option<u64>, now: u64) -> Self {
        IdleClock {
            limit_ms,
            last: now,
            told: 0,
        }
    }

    /// The person was active at `now` (here or in another tab).
    pub fn heard(&mut self, now: u64) {
        self.last = self.last.max(now);
    }

    /// Whether activity at `now` should be passed on to the other tabs and the kept session
    /// (at most every few seconds).
    pub fn tell(&mut self, now: u64) -> bool {
        let every = self
            .limit_ms
            .map_or(TELL_EVERY_MS, |limit| TELL_EVERY_MS.min(limit / 4));
        if now.saturating_sub(self.told) >= every {
            self.told = now;
            return true;
        }
        false
    }

    /// Whether the idle timeout has passed at `now`.
    pub fn expired(&self, now: u64) -> bool {
        idle_past(self.last, self.limit_ms, now)
    }

    /// What the sign-in page says after an idle logoff.
    pub fn notice(&self) -> String {
        let minutes = self.limit_ms.unwrap_or_default() as f64 / 60_000.0;
        let how_long = if minutes >= 1.0 {
            let whole = minutes.round() as u64;
            format!("{whole} minute{}", if whole == 1 { "" } else { "s" })
        } else {
            format!("{} seconds", (minutes * 60.0).round() as u64)
        };
        format!("You were signed out after {how_long} without activity. Your drafts are saved.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_idle_past_the_window_is_not_continued() {
        let minute = 60_000;
        assert!(!idle_past(1_000, Some(minute), 999 + minute));
        assert!(idle_past(1_000, Some(minute), 1_000 + minute), "the whole window");
        assert!(
            !idle_past(0, Some(minute), 10 * minute),
            "never touched: unknown, not idle"
        );
        assert!(!idle_past(1_000, None, 100 * minute), "no idle logoff in this portal");
    }

    #[test]
    fn activity_anywhere_keeps_the_session_and_silence_ends_it() {
        let mut clock = IdleClock::new(Some(60_000), 1_000);
        assert!(!clock.expired(60_999));
        clock.heard(30_000);
        assert!(!clock.expired(89_999));
        assert!(clock.expired(90_000));
        // A late message from another tab never moves the clock back.
        clock.heard(10_000);
        assert!(clock.expired(90_000));
        assert!(!IdleClock::new(None, 0).expired(u64::MAX));
    }

    #[test]
    fn activity_is_passed_on_at_most_every_few_seconds() {
        let mut clock = IdleClock::new(Some(15 * 60_000), 0);
        assert!(clock.tell(20_000));
        assert!(!clock.tell(25_000));
        assert!(clock.tell(30_000));
        // A short window is still told four times over.
        let mut short = IdleClock::new(Some(6_000), 0);
        assert!(short.tell(1_500));
        assert!(short.tell(3_000));
    }

    #[test]
    fn the_notice_says_how_long() {
        assert_eq!(
            IdleClock::new(Some(15 * 60_000), 0).notice(),
            "You were signed out after 15 minutes without activity. Your drafts are saved."
        );
        assert_eq!(
            IdleClock::new(Some(6_000), 0).notice(),
            "You were signed out after 6 seconds without activity. Your drafts are saved."
        );
        assert!(IdleClock::new(Some(60_000), 0)
            .notice()
            .contains("after 1 minute without"));
    }
}
