//! Notifications while Rounds is closed: the person's pusher at the homeserver, the push rule
//! that makes urgent threads high priority, and the thread a pushed event belongs to.

use super::core::Core;
use super::error::SessionError;
use crate::api::{urgent_rule, Pusher, Transport, URGENT_RULE};
use crate::domain::{Incoming, ThreadKey};
use crate::store::LocalStore;
use crate::sync::{convert, Platform};

/// The clinic's push gateway, from `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushGateway {
    /// The gateway's notify URL, which the homeserver calls.
    pub notify_url: String,
    /// The application id the gateway knows Rounds by.
    pub app_id: String,
}

impl PushGateway {
    /// What is wrong with a portal's push settings (`push.gateway`, `push.vapid_public_key`),
    /// if anything.
    pub fn problem(notify_url: &str, vapid_public_key: &str) -> Option<&'static str> {
        let url = notify_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || !url.ends_with("/_matrix/push/v1/notify") {
            return Some("push.gateway must be the gateway's http(s) URL ending in /_matrix/push/v1/notify");
        }
        let key = vapid_public_key.trim_end_matches('=');
        let base64url = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !base64url || key.len() != 87 {
            return Some("push.vapid_public_key must be the gateway's VAPID public key (87 characters of base64url)");
        }
        None
    }
}

/// One browser's Web Push subscription (keys base64url, as the browser gives them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPushSubscription {
    /// The push service URL for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key: the pushkey.
    pub p256dh: String,
    /// The browser's authentication secret.
    pub auth: String,
}

/// Notifications while Rounds is closed, for this person.
pub struct Push<T, S, P> {
    pub(super) core: std::rc::Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Push<T, S, P> {
    /// Registers this browser's subscription with the homeserver (ids only: the
    /// `event_id_only` format) and the urgent-thread rule. Both replace what was there, so
    /// calling it at every start is safe.
    pub async fn register(
        &self,
        gateway: &PushGateway,
        subscription: &WebPushSubscription,
        device: &str,
    ) -> Result<(), SessionError> {
        let pusher = Pusher::web_push(
            &gateway.notify_url,
            &gateway.app_id,
            &subscription.endpoint,
            &subscription.p256dh,
            &subscription.auth,
            device,
        );
        let client = &self.core.client;
        client.set_pusher(&pusher).await?;
        Ok(client
            .set_push_rule("override", URGENT_RULE, &urgent_rule(), None)
            .await?)
    }

    /// Removes this browser's pusher, whatever application id it was registered under
    /// (sign-out, notifications turned off).
    pub async fn unregister(&self, p256dh: &str) -> Result<(), SessionError> {
        let client = &self.core.client;
        for pusher in client.pushers().await? {
            if pusher.pushkey == p256dh {
                client.remove_pusher(&pusher.app_id, &pusher.pushkey).await?;
            }
        }
        Ok(())
    }

    /// The thread the event `event_id` of `room` belongs to: a notification names an event,
    /// the app opens threads.
    pub async fn thread_of(&self, room: &str, event_id: &str) -> Result<ThreadKey, SessionError> {
        if let Some(thread) = self.core.state.borrow().inbox.thread_of_message(room, event_id) {
            return Ok(thread.key());
        }
        let event = self.core.client.event(room, event_id).await?;
        let root = match convert::timeline_event(room, &event) {
            Some(Incoming::InThread { root_id, .. }) => root_id,
            _ => event_id.to_owned(),
        };
        Ok(self.core.resolve(&ThreadKey::new(room, root)))
    }
}

#[cfg(test)]
mod tests {
    use super::PushGateway;

    #[test]
    fn push_settings_are_checked_before_use() {
        let key = "B".to_owned() + &"A".repeat(86);
        assert_eq!(
            PushGateway::problem("https://push.example/_matrix/push/v1/notify", &key),
            None
        );
        assert!(PushGateway::problem("https://push.example/notify", &key).is_some());
        assert!(PushGateway::problem("ftp://push.example/_matrix/push/v1/notify", &key).is_some());
        assert!(PushGateway::problem("https://push.example/_matrix/push/v1/notify", "short").is_some());
        assert!(PushGateway::problem("https://push.example/_matrix/push/v1/notify", &"+".repeat(87)).is_some());
    }
}
