//! The Push Gateway API's notify request: which devices to push to, what they receive, and
//! which pushkeys to report back as `rejected` (the homeserver then deletes those pushers).

use crate::renotify::Reminders;
use crate::webpush::{Delivery, Message, Sender, Subscription};
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a notify waits for the push services before it is answered. A slow push service
/// must not hold the homeserver, nor one of the few threads tiny_http reads connections on (a
/// burst queued behind them: 16 notifies to a push service taking 3 s were answered four at a
/// time, the last after 12 s). What is still on its way then finishes on its own.
const ANSWER_WITHIN: Duration = Duration::from_millis(800);

/// The gateway: one application id, one Web Push sender, the urgent pushes to repeat.
pub struct Gateway {
    app_id: String,
    sender: Sender,
    reminders: Reminders,
    /// Pushkeys found dead after their notify was answered: reported as `rejected` with the
    /// next notify that names them.
    late_rejected: Mutex<HashSet<String>>,
}

impl Gateway {
    pub fn new(app_id: String, sender: Sender, reminders: Reminders) -> Self {
        Gateway {
            app_id,
            sender,
            reminders,
            late_rejected: Mutex::default(),
        }
    }

    /// Sends the urgent pushes that are still unread and due again.
    pub fn remind_due(&self) {
        for reminder in self.reminders.take_due() {
            if !deliver(self, &reminder.device, &reminder.message) {
                self.reminders.forget(&reminder.device.pushkey);
            }
        }
    }
}

#[derive(Deserialize)]
struct NotifyRequest {
    notification: Notification,
}

/// Only the fields the gateway forwards are read. With the `event_id_only` format the homeserver
/// sends no content; with any other format the content is ignored here all the same.
#[derive(Deserialize)]
struct Notification {
    event_id: Option<String>,
    room_id: Option<String>,
    prio: Option<String>,
    #[serde(default)]
    counts: Counts,
    #[serde(default)]
    devices: Vec<Device>,
}

#[derive(Deserialize, Default)]
struct Counts {
    unread: Option<u64>,
}

/// One pusher the homeserver asks the gateway to push to.
#[derive(Deserialize, Clone)]
pub struct Device {
    app_id: String,
    pub pushkey: String,
    #[serde(default)]
    data: DeviceData,
}

#[derive(Deserialize, Default, Clone)]
struct DeviceData {
    // Any JSON: a pusher with something else than a string here is rejected, not the request.
    endpoint: Option<serde_json::Value>,
    auth: Option<serde_json::Value>,
}

/// Answers one notify request body: the HTTP status and the JSON answer.
pub fn answer(gateway: &Arc<Gateway>, body: &[u8]) -> (u16, String) {
    let request: NotifyRequest = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => {
            let error = serde_json::json!({ "errcode": "M_BAD_JSON", "error": format!("Not a notify request: {e}") });
            return (400, error.to_string());
        }
    };
    let n = request.notification;
    // No event: the homeserver only updates the unread count (the person read something).
    // Nothing is pushed (a browser must show every push); urgent reminders may stop.
    if n.event_id.is_none() {
        for device in n.devices.iter().filter(|d| d.app_id == gateway.app_id) {
            gateway.reminders.unread_now(&device.pushkey, n.counts.unread);
        }
        return (200, serde_json::json!({ "rejected": [] }).to_string());
    }
    let message = Message {
        room_id: n.room_id,
        event_id: n.event_id,
        high: n.prio.as_deref() == Some("high"),
        unread: n.counts.unread,
    };
    // Found dead after an earlier answer: reported now, and not pushed to again.
    let (mut rejected, devices): (Vec<String>, Vec<Device>) = {
        let mut late = gateway.late_rejected.lock().unwrap_or_else(|e| e.into_inner());
        let (dead, live): (Vec<Device>, Vec<Device>) = n.devices.into_iter().partition(|d| late.remove(&d.pushkey));
        (dead.into_iter().map(|d| d.pushkey).collect(), live)
    };
    rejected.extend(deliver_within(gateway, devices, message));
    (200, serde_json::json!({ "rejected": rejected }).to_string())
}

/// Where one notify's deliveries stand.
enum Progress {
    Pushing,
    Done(Vec<String>),
    Answered,
}

/// Pushes to `devices` on a thread of its own and returns the pushkeys to reject, or nothing
/// when the push services take longer than [`ANSWER_WITHIN`]: those found dead later are kept
/// for the next notify that names them.
fn deliver_within(gateway: &Arc<Gateway>, devices: Vec<Device>, message: Message) -> Vec<String> {
    let progress = Arc::new((Mutex::new(Progress::Pushing), Condvar::new()));
    let (pushing, gateway_for_push) = (progress.clone(), gateway.clone());
    std::thread::spawn(move || {
        let gateway = gateway_for_push;
        let mut rejected = Vec::new();
        for device in &devices {
            if !deliver(&gateway, device, &message) {
                gateway.reminders.forget(&device.pushkey);
                rejected.push(device.pushkey.clone());
            } else if message.high {
                gateway.reminders.urgent_sent(device, &message);
            }
        }
        let (state, done) = &*pushing;
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*state, Progress::Answered) {
            let mut late = gateway.late_rejected.lock().unwrap_or_else(|e| e.into_inner());
            late.extend(rejected);
        } else {
            *state = Progress::Done(rejected);
            done.notify_one();
        }
    });
    let (state, done) = &*progress;
    let state = state.lock().unwrap_or_else(|e| e.into_inner());
    let (mut state, _) = done
        .wait_timeout_while(state, ANSWER_WITHIN, |s| matches!(s, Progress::Pushing))
        .unwrap_or_else(|e| e.into_inner());
    match std::mem::replace(&mut *state, Progress::Answered) {
        Progress::Done(rejected) => rejected,
        _ => Vec::new(),
    }
}

/// Sends to one device; false when its pusher should be removed.
fn deliver(gateway: &Gateway, device: &Device, message: &Message) -> bool {
    if device.app_id != gateway.app_id {
        eprintln!("rounds-push: rejected a pusher of unknown app id {:?}", device.app_id);
        return false;
    }
    let subscription = match Subscription::parse(
        &device.pushkey,
        device.data.endpoint.as_ref().and_then(|v| v.as_str()),
        device.data.auth.as_ref().and_then(|v| v.as_str()),
    ) {
        Ok(subscription) => subscription,
        Err(problem) => {
            eprintln!("rounds-push: rejected a pusher: {problem}");
            return false;
        }
    };
    match gateway.sender.send(&subscription, message) {
        Delivery::Sent => true,
        Delivery::Gone(status) => {
            eprintln!("rounds-push: the push service no longer knows a subscription (HTTP {status}); rejected");
            false
        }
        Delivery::Refused(reason) => {
            eprintln!("rounds-push: rejected a pusher: {reason}");
            false
        }
        // The subscription may work again later: keep the pusher.
        Delivery::Failed(reason) => {
            eprintln!("rounds-push: push not delivered, pusher kept: {reason}");
            true
        }
    }
}
