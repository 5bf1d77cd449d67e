//! What the services need from where they run: a clock, randomness, waiting, and transaction
//! ids. The browser supplies timers and WebCrypto ([`BrowserPlatform`]); native tests and tools
//! use [`NativePlatform`].

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

/// The platform a service runs on.
pub trait Platform: Clone + 'static {
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> u64;
    /// A random number in `[0, 1)` (backoff jitter).
    fn random(&self) -> f64;
    /// Waits `ms` milliseconds.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
    /// A new transaction id, unique across devices and restarts.
    fn new_txn_id(&self) -> String;
    /// Marks a moment for performance tools (the browser's User Timing); nothing elsewhere.
    fn mark(&self, _name: &str) {}
    /// How far the clinic's clock (its time zone, else the device's) is ahead of UTC at `ts`
    /// (minutes): what staff read times in. UTC where the platform does not know.
    fn utc_offset_minutes(&self, _ts: u64) -> i32 {
        0
    }
}

/// A wait that can be cut short: the browser coming back online wakes sleeping retries at once.
#[derive(Clone, Default)]
pub struct Alarm {
    rings: Rc<Cell<u64>>,
}

impl Alarm {
    /// Wakes every [`Alarm::wait`] in progress.
    pub fn ring(&self) {
        self.rings.set(self.rings.get().wrapping_add(1));
    }

    /// Sleeps `ms`, returning early when [`Alarm::ring`] is called.
    pub async fn wait<P: Platform>(&self, platform: &P, ms: u64) {
        let start = self.rings.get();
        let mut left = ms;
        while left > 0 && self.rings.get() == start {
            let slice = left.min(200);
            platform.sleep(slice).await;
            left -= slice;
        }
    }
}

/// The host's clock, a small pseudo-random generator and blocking sleeps (like the native
/// transport, for tools and tests that drive one step at a time).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Default)]
pub struct NativePlatform {
    counter: Rc<Cell<u64>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Platform for NativePlatform {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn random(&self) -> f64 {
        // SplitMix64 over a per-platform counter seeded by the clock: jitter, not secrets.
        let n = self.counter.get().wrapping_add(0x9E37_79B9_7F4A_7C15) ^ self.now_ms();
        self.counter.set(n);
        let mut z = n;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        std::future::ready(())
    }

    fn new_txn_id(&self) -> String {
        let count = self.counter.get().wrapping_add(1);
        self.counter.set(count);
        format!("rounds-{}-{}-{count}", self.now_ms(), std::process::id())
    }
}

/// Timers from the browser's event loop and ids from its CSPRNG.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Default)]
pub struct BrowserPlatform;

#[cfg(target_arch = "wasm32")]
impl Platform for BrowserPlatform {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX))
    }

    fn new_txn_id(&self) -> String {
        web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .unwrap_or_else(|| format!("rounds-{}-{}", js_sys::Date::now(), js_sys::Math::random()))
    }

    fn mark(&self, name: &str) {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark(name);
        }
    }

    fn utc_offset_minutes(&self, ts: u64) -> i32 {
        super::intl::utc_offset_minutes(ts)
    }
}
