//! Urgent pushes come again until the person reads: the homeserver tells the gateway when a
//! pusher's unread count reaches zero (a badge update: a notify request without an event), which
//! cancels the repeats for that browser. Kept in memory: a restarted gateway repeats nothing
//! it sent before the restart (the first push was delivered; only the reminders are lost).

use crate::webpush::Message;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often, and how many times, an unread urgent push is sent again.
#[derive(Clone, Copy)]
pub struct Policy {
    pub every: Duration,
    pub times: u32,
}

/// One browser's urgent push waiting to be repeated.
#[derive(Clone)]
pub struct Reminder {
    /// The device, as the homeserver described it (to build the push again).
    pub device: crate::notify::Device,
    pub message: Message,
    pub due: Instant,
    pub left: u32,
}

/// Reminders by pushkey (one per browser: the newest urgent message).
pub struct Reminders {
    policy: Policy,
    pending: Mutex<HashMap<String, Reminder>>,
}

impl Reminders {
    pub fn new(policy: Policy) -> Self {
        Reminders {
            policy,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// An urgent push was delivered to `device`: remind until read.
    pub fn urgent_sent(&self, device: &crate::notify::Device, message: &Message) {
        if self.policy.times == 0 {
            return;
        }
        let reminder = Reminder {
            device: device.clone(),
            message: message.clone(),
            due: Instant::now() + self.policy.every,
            left: self.policy.times,
        };
        self.lock().insert(device.pushkey.clone(), reminder);
    }

    /// The homeserver's new unread count for `pushkey`: nothing unread means the person read
    /// the urgent message, so the reminders stop. (The count is per room or per message, not
    /// per thread: reading something else while the urgent one waits keeps the reminders.)
    pub fn unread_now(&self, pushkey: &str, unread: Option<u64>) {
        if unread == Some(0) {
            self.lock().remove(pushkey);
        }
    }

    /// The pusher is gone: nothing more to remind.
    pub fn forget(&self, pushkey: &str) {
        self.lock().remove(pushkey);
    }

    /// Reminders due now, each counted as sent (the last one is dropped).
    pub fn take_due(&self) -> Vec<Reminder> {
        let now = Instant::now();
        let mut pending = self.lock();
        let due: Vec<Reminder> = pending.values().filter(|r| r.due <= now).cloned().collect();
        for reminder in &due {
            let key = &reminder.device.pushkey;
            match pending.get_mut(key) {
                Some(r) if r.left > 1 => {
                    r.left -= 1;
                    r.due = now + self.policy.every;
                }
                _ => {
                    pending.remove(key);
                }
            }
        }
        due
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Reminder>> {
        // A panic elsewhere while holding the lock leaves the map usable.
        self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
