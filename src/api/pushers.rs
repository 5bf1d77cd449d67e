//! Pushers: where the homeserver sends notifications for a person while no client of theirs is
//! open (`/pushers`, `/pushers/set`).
//!
//! Rounds registers Web Push subscriptions the way the Matrix push gateways' web-push modules
//! expect (Sygnal's `webpush` pushkin and `rounds-push`): the pushkey is the subscription's
//! `p256dh` key, `data` holds the push service endpoint and the `auth` secret, and the format is
//! `event_id_only`, so message content never leaves the homeserver.

use super::client::{encode, query, Client, Empty};
use super::error::Error;
use super::transport::Transport;
use serde::{Deserialize, Serialize};

/// One HTTP pusher, as `/pushers/set` takes it and `/pushers` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pusher {
    /// The subscription's `p256dh` public key (base64url): unique per browser.
    pub pushkey: String,
    /// Always `http`.
    pub kind: String,
    /// The push gateway's application id for Rounds.
    pub app_id: String,
    /// Shown in other clients' device lists ("Rounds on Chrome").
    pub app_display_name: String,
    /// Which browser this is, for the same lists.
    pub device_display_name: String,
    /// The person's language.
    pub lang: String,
    /// The gateway and the subscription.
    pub data: PusherData,
}

/// `data` of a Web Push pusher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PusherData {
    /// The push gateway's notify URL (`…/_matrix/push/v1/notify`); only `http` pushers have
    /// one (an email pusher, made by another client, does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `event_id_only`: the homeserver sends ids and counts, never content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The push service endpoint of the browser's subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The subscription's `auth` secret (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
}

impl Pusher {
    /// A Web Push pusher for one browser subscription, sending ids only.
    pub fn web_push(gateway_url: &str, app_id: &str, endpoint: &str, p256dh: &str, auth: &str, device: &str) -> Self {
        Pusher {
            pushkey: p256dh.to_owned(),
            kind: "http".to_owned(),
            app_id: app_id.to_owned(),
            app_display_name: "Rounds".to_owned(),
            device_display_name: device.to_owned(),
            lang: "en".to_owned(),
            data: PusherData {
                url: Some(gateway_url.to_owned()),
                format: Some("event_id_only".to_owned()),
                endpoint: Some(endpoint.to_owned()),
                auth: Some(auth.to_owned()),
            },
        }
    }
}

impl<T: Transport> Client<T> {
    /// `GET /pushers`: every pusher of the signed-in person.
    pub async fn pushers(&self) -> Result<Vec<Pusher>, Error> {
        #[derive(Deserialize)]
        struct Pushers {
            #[serde(default)]
            pushers: Vec<Pusher>,
        }
        let answer: Pushers = self.get("/_matrix/client/v3/pushers").await?;
        Ok(answer.pushers)
    }

    /// `POST /pushers/set`: adds the pusher, or replaces the one with the same app id and key.
    pub async fn set_pusher(&self, pusher: &Pusher) -> Result<(), Error> {
        let _: Empty = self.post("/_matrix/client/v3/pushers/set", pusher).await?;
        Ok(())
    }

    /// `PUT /pushrules/global/{kind}/{ruleId}`: adds or replaces one of the person's push rules
    /// (`kind` is `override`, `underride`, `sender`, `room` or `content`), right after the rule
    /// `after` when given (rules are tried in order; the first that matches decides).
    pub async fn set_push_rule(
        &self,
        kind: &str,
        rule_id: &str,
        rule: &serde_json::Value,
        after: Option<&str>,
    ) -> Result<(), Error> {
        let path = format!(
            "/_matrix/client/v3/pushrules/global/{}/{}{}",
            encode(kind),
            encode(rule_id),
            query(&[("after", after.map(str::to_owned))])
        );
        let _: Empty = self.put(&path, rule).await?;
        Ok(())
    }

    /// `DELETE /pushrules/global/{kind}/{ruleId}`: removes one of the person's push rules (one
    /// that does not exist is already gone).
    pub async fn delete_push_rule(&self, kind: &str, rule_id: &str) -> Result<(), Error> {
        let path = format!(
            "/_matrix/client/v3/pushrules/global/{}/{}",
            encode(kind),
            encode(rule_id)
        );
        match self.delete::<Empty>(&path).await {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `POST /pushers/set` with `kind: null`: removes this browser's pusher.
    pub async fn remove_pusher(&self, app_id: &str, pushkey: &str) -> Result<(), Error> {
        let body = serde_json::json!({ "app_id": app_id, "pushkey": pushkey, "kind": null });
        let _: Empty = self.post("/_matrix/client/v3/pushers/set", &body).await?;
        Ok(())
    }
}

/// The push rule that marks new urgent threads: the homeserver then sends them with high
/// priority (the gateway asks the push service for high urgency), and other Matrix clients
/// sound for them too.
pub const URGENT_RULE: &str = "app.rounds.urgent";

/// The body of the [`URGENT_RULE`] push rule.
pub fn urgent_rule() -> serde_json::Value {
    serde_json::json!({
        "conditions": [{
            "kind": "event_property_is",
            "key": "content.app\\.rounds\\.thread.priority",
            "value": "urgent"
        }],
        "actions": ["notify", { "set_tweak": "sound", "value": "default" }]
    })
}

/// The push rule that holds back ordinary messages while the person is with a patient or off
/// duty. It sits right after [`URGENT_RULE`], so new urgent threads still notify, and it leaves
/// notices (escalations) alone.
pub const HOLD_RULE: &str = "app.rounds.hold";

/// The body of the [`HOLD_RULE`] push rule.
pub fn hold_rule() -> serde_json::Value {
    serde_json::json!({
        "conditions": [
            { "kind": "event_match", "key": "type", "pattern": "m.room.message" },
            { "kind": "event_property_is", "key": "content.msgtype", "value": "m.text" }
        ],
        "actions": []
    })
}
