//! What the watch has done, kept on the homeserver as the service account's account data
//! ([`WATCH_RECORD`]): how far it has read the EHR's history, and the thread of every fact.
//! A restart reads it back and repeats nothing.

use super::facts::Fact;
use crate::api::rounds::WATCH_RECORD;
use crate::api::{Client, Error, Transport};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How long a resolved fact is remembered: a recurrence within it reopens the same thread.
const KEEP_RESOLVED_MS: u64 = 90 * 86_400_000;

/// The watch's record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchRecord {
    /// How far each followed resource type (`Appointment`) has been read.
    #[serde(default)]
    pub read: BTreeMap<String, Checkpoint>,
    /// Each fact's thread, by [`Fact::key`].
    #[serde(default)]
    pub threads: BTreeMap<String, FactThread>,
}

/// How far one resource type has been read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `lastUpdated` of the latest change read (a FHIR instant).
    pub at: String,
    /// The versions read that changed at that very instant (`Appointment/1/_history/2`): the
    /// next read starts there again (`ge`), and skips these.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub seen: BTreeSet<String>,
}

/// The thread a fact opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactThread {
    /// The fact, as last seen.
    pub fact: Fact,
    /// The category room.
    pub room: String,
    /// The thread's root.
    pub root: String,
    /// When the EHR showed the work done (epoch ms), if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<u64>,
}

impl WatchRecord {
    /// The record kept on the homeserver (empty the first time).
    pub async fn load<T: Transport>(client: &Client<T>) -> Result<WatchRecord, Error> {
        Ok(client.account_data(WATCH_RECORD).await?.unwrap_or_default())
    }

    /// Keeps the record on the homeserver, forgetting facts resolved long before `now`.
    pub async fn save<T: Transport>(&mut self, client: &Client<T>, now: u64) -> Result<(), Error> {
        self.threads
            .retain(|_, t| t.resolved_at.is_none_or(|at| at.saturating_add(KEEP_RESOLVED_MS) > now));
        client.set_account_data(WATCH_RECORD, self).await
    }

    /// Open facts about `patient`, by key.
    pub fn open_for<'a>(&'a self, patient: &'a str) -> impl Iterator<Item = (&'a String, &'a FactThread)> + 'a {
        self.threads
            .iter()
            .filter(move |(_, t)| t.resolved_at.is_none() && t.fact.patient == patient)
    }
}
