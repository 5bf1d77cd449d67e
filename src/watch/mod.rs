//! Work the EHR opens, below the command line of `rounds-watch`: read what changed in the
//! clinic's EHR since the last read (FHIR search by `_lastUpdated`, which any R4 server
//! answers), open one thread per fact that needs work, in the category and for the roles the
//! clinic's rules name, and close it when the EHR shows the work done.
//!
//! The record of what was read and which thread each fact opened is kept on the homeserver
//! ([`record`]); every post carries a transaction id made from what it is about ([`post`]), so
//! a post repeated after a crash is stored once.

pub mod changes;
pub mod facts;
pub mod post;
pub mod record;

use crate::api::{Client, Transport};
use crate::fhir::{instant, FhirClient, FhirError, Patient};
use crate::provision::{self, Clinic, ProvisionError};
use changes::{Changed, Followed};
use facts::{fact_of, resolution, Done, Fact};
use record::{Checkpoint, FactThread, WatchRecord};
use std::fmt;

/// How far back the first read of a clinic's EHR looks: recent work, not years of history.
pub const FIRST_LOOK_BACK_MS: u64 = 7 * 86_400_000;

/// What the watch did about one fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Happened {
    /// A thread was opened.
    Opened {
        /// The fact.
        fact: Fact,
        /// Its thread's root.
        root: String,
        /// When the EHR recorded the fact (epoch ms).
        recorded_at: u64,
    },
    /// The EHR showed the work done; the thread was resolved.
    Resolved {
        /// The fact.
        fact: Fact,
        /// Its thread's root.
        root: String,
    },
    /// The EHR showed a resolved fact again; its thread was reopened.
    Reopened {
        /// The fact.
        fact: Fact,
        /// Its thread's root.
        root: String,
    },
    /// A fact the clinic's rules leave alone, or cannot place (named why).
    Skipped {
        /// The fact.
        fact: Fact,
        /// Why.
        why: String,
    },
}

/// Why a round of the watch failed (it is tried again later).
#[derive(Debug)]
pub enum WatchError {
    /// The homeserver refused or could not be reached.
    Homeserver(ProvisionError),
    /// The EHR refused or could not be reached.
    Ehr(FhirError),
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Homeserver(e) => write!(f, "homeserver: {e}"),
            WatchError::Ehr(e) => write!(f, "EHR: {e}"),
        }
    }
}

impl From<ProvisionError> for WatchError {
    fn from(e: ProvisionError) -> Self {
        WatchError::Homeserver(e)
    }
}

impl From<FhirError> for WatchError {
    fn from(e: FhirError) -> Self {
        WatchError::Ehr(e)
    }
}

fn homeserver(step: &str) -> impl FnOnce(crate::api::Error) -> WatchError + '_ {
    move |error| {
        WatchError::Homeserver(ProvisionError::Api {
            step: step.to_owned(),
            error,
        })
    }
}

/// The watch of one clinic's EHR, signed in as the clinic's service account.
pub struct Watch<T> {
    matrix: Client<T>,
    ehr: FhirClient<T>,
    prefix: String,
    clinic: Clinic,
    record: WatchRecord,
    /// Whether the record was read from the homeserver yet.
    loaded: bool,
    /// The clinic's offset from UTC, for the times in posted text.
    offset_minutes: i32,
}

impl<T: Transport> Watch<T> {
    /// Joins the clinic's rooms the service account was invited to.
    pub async fn start(
        matrix: Client<T>,
        ehr: FhirClient<T>,
        prefix: &str,
        offset_minutes: i32,
    ) -> Result<Self, WatchError> {
        let (clinic, _) = provision::accept_clinic_invites_and_join(&matrix, prefix).await?;
        Ok(Watch {
            matrix,
            ehr,
            prefix: prefix.to_owned(),
            clinic,
            record: WatchRecord::default(),
            loaded: false,
            offset_minutes,
        })
    }

    /// The clinic's name.
    pub fn clinic_name(&self) -> &str {
        &self.clinic.policy.name
    }

    /// How far the watch has read each resource type (FHIR instants).
    pub fn checkpoints(&self) -> Vec<(String, String)> {
        self.record
            .read
            .iter()
            .map(|(kind, c)| (kind.clone(), c.at.clone()))
            .collect()
    }

    /// One round at `now`: reads every change since the checkpoints and acts on it, oldest
    /// change first, then keeps the new checkpoints on the homeserver. A quiet round is one
    /// search of the EHR per followed resource type.
    pub async fn round(&mut self, now: u64) -> Result<Vec<Happened>, WatchError> {
        if !self.loaded {
            self.record = self.load_record().await?;
            self.loaded = true;
        }
        let first_look = instant::format(now.saturating_sub(FIRST_LOOK_BACK_MS));
        let mut changed = Vec::new();
        for followed in Followed::ALL {
            let checkpoint = self.record.read.get(followed.resource_type()).cloned();
            let since = checkpoint.as_ref().map_or(first_look.as_str(), |c| c.at.as_str());
            let fresh = changes::changed_since(&self.ehr, followed, since).await?;
            let seen = checkpoint.map(|c| c.seen).unwrap_or_default();
            changed.extend(fresh.into_iter().filter(|c| !seen.contains(&c.version_key())));
        }
        // Across types in the order the EHR changed them: a booking after a referral closes it.
        changed.sort_by_key(Changed::updated_ms);
        if !changed.is_empty() {
            // Another instance may have acted meanwhile, and the clinic may have changed its
            // rules or rooms (`rounds-admin watch`): both are read afresh before acting.
            self.record = self.load_record().await?;
            self.clinic = provision::load_clinic(&self.matrix, &self.prefix).await?;
        }
        let mut happened = Vec::new();
        for change in &changed {
            let before = self.record.threads.clone();
            let acted = self.consider(change).await;
            // What was posted is recorded at once: a failure later in the round (which ends
            // it, to be tried again) must not post it a second time.
            if self.record.threads != before {
                self.save(now).await?;
            }
            happened.extend(acted?);
        }
        let before = self.record.read.clone();
        for followed in Followed::ALL {
            let of_type: Vec<&Changed> = changed.iter().filter(|c| c.followed() == followed).collect();
            self.advance(followed.resource_type(), &of_type, &first_look);
        }
        if self.record.read != before {
            self.save(now).await?;
        }
        Ok(happened)
    }

    async fn save(&mut self, now: u64) -> Result<(), WatchError> {
        self.record
            .save(&self.matrix, now)
            .await
            .map_err(homeserver("keeping the watch's record"))
    }

    /// Moves the checkpoint of `resource_type` to the latest of `changed`, remembering which
    /// versions changed at that very instant; the first read starts at `first_look`.
    fn advance(&mut self, resource_type: &str, changed: &[&Changed], first_look: &str) {
        let checkpoint = self
            .record
            .read
            .entry(resource_type.to_owned())
            .or_insert_with(|| Checkpoint {
                at: first_look.to_owned(),
                seen: Default::default(),
            });
        let Some(latest) = changed.iter().filter_map(|c| c.updated_ms()).max() else {
            return;
        };
        let at_latest: Vec<&&Changed> = changed.iter().filter(|c| c.updated_ms() == Some(latest)).collect();
        if instant::parse(&checkpoint.at) != Some(latest) {
            checkpoint.seen.clear();
        }
        checkpoint.seen.extend(at_latest.iter().map(|c| c.version_key()));
        if let Some(at) = at_latest.first().and_then(|c| c.last_updated()) {
            checkpoint.at = at.to_owned();
        }
    }

    async fn load_record(&self) -> Result<WatchRecord, WatchError> {
        WatchRecord::load(&self.matrix)
            .await
            .map_err(homeserver("reading the watch's record"))
    }

    /// Acts on one change: the fact it shows, and the open facts about its patient it resolves.
    async fn consider(&mut self, change: &Changed) -> Result<Vec<Happened>, WatchError> {
        let mut happened = Vec::new();
        if let Some(fact) = fact_of(change) {
            happened.extend(self.on_fact(fact).await?);
        }
        let Some(patient) = change.patient() else {
            return Ok(happened);
        };
        let done: Vec<(String, FactThread, Done)> = self
            .record
            .open_for(patient)
            .filter_map(|(key, thread)| Some((key.clone(), thread.clone(), resolution(&thread.fact, change)?)))
            .collect();
        for (key, thread, how) in done {
            happened.push(self.resolve(key, thread, &how, change).await?);
        }
        Ok(happened)
    }

    async fn on_fact(&mut self, fact: Fact) -> Result<Option<Happened>, WatchError> {
        let key = fact.key();
        let Some(thread) = self.record.threads.get(&key).cloned() else {
            return self.open(fact).await.map(Some);
        };
        if thread.fact.version == fact.version {
            return Ok(None);
        }
        let reopen = thread.resolved_at.is_some();
        if reopen {
            let reopening = post::reopening(&thread.root, &thread.root, &fact, self.offset_minutes);
            self.post(&thread.room, reopening, "reopening a thread").await?;
        }
        let root = thread.root.clone();
        self.record.threads.insert(
            key,
            FactThread {
                fact: fact.clone(),
                resolved_at: None,
                ..thread
            },
        );
        Ok(reopen.then_some(Happened::Reopened { fact, root }))
    }

    async fn open(&mut self, fact: Fact) -> Result<Happened, WatchError> {
        let rule = self.clinic.policy.watch_rule(fact.kind);
        let room = self.clinic.policy.category(&rule.category).and_then(|c| c.room.clone());
        let room = match (rule.enabled, room) {
            (false, _) => {
                return Ok(Happened::Skipped {
                    fact,
                    why: "the clinic's rule is off".into(),
                })
            }
            (true, None) => {
                return Ok(Happened::Skipped {
                    why: format!("the category \"{}\" has no room", rule.category),
                    fact,
                })
            }
            (true, Some(room)) => room,
        };
        let display = self.patient_display(&fact.patient).await?;
        let staff = provision::roster(&self.matrix, &self.clinic).await?;
        let mut people: Vec<String> = rule
            .roles
            .iter()
            .flat_map(|role| provision::role_members(&staff, role))
            .map(|p| p.user_id.clone())
            .collect();
        people.sort();
        people.dedup();
        let content = post::root_content(&fact, &display, &rule, &people, self.offset_minutes);
        let root = self
            .post(&room, [(crate::api::events::MESSAGE, content)], "opening a thread")
            .await?;
        let recorded_at = fact.seen_at;
        self.record.threads.insert(
            fact.key(),
            FactThread {
                fact: fact.clone(),
                room,
                root: root.clone(),
                resolved_at: None,
            },
        );
        Ok(Happened::Opened {
            fact,
            root,
            recorded_at,
        })
    }

    async fn resolve(
        &mut self,
        key: String,
        thread: FactThread,
        how: &Done,
        because: &Changed,
    ) -> Result<Happened, WatchError> {
        let words = post::done(how, self.offset_minutes);
        let resolution = post::resolution(&thread.root, &thread.root, &words, &because.version_key());
        self.post(&thread.room, resolution, "resolving a thread").await?;
        let at = because.updated_ms().unwrap_or(thread.fact.seen_at);
        let (root, fact) = (thread.root.clone(), thread.fact.clone());
        self.record.threads.insert(
            key,
            FactThread {
                resolved_at: Some(at),
                ..thread
            },
        );
        Ok(Happened::Resolved { fact, root })
    }

    /// Sends `posts` to `room` in order, each with the transaction id it carries; the id of the
    /// last one.
    async fn post(
        &self,
        room: &str,
        posts: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
        step: &str,
    ) -> Result<String, WatchError> {
        let mut last = String::new();
        for (kind, content) in posts {
            let txn = crate::api::rounds::txn_of(&content).unwrap_or_default().to_owned();
            last = self
                .matrix
                .send_event(room, kind, &txn, &content)
                .await
                .map_err(homeserver(step))?;
        }
        Ok(last)
    }

    /// `Sara M.` for `Patient/sara-m` (the patient's name as threads show it). A record the
    /// EHR does not give (gone, or refused) still gets its thread, about "a patient" linked by
    /// reference: one odd record must not hold up every other fact. An EHR out of reach ends
    /// the round, to be tried again.
    async fn patient_display(&self, reference: &str) -> Result<String, FhirError> {
        let id = reference.strip_prefix("Patient/").unwrap_or(reference);
        let name = match self.ehr.read::<Patient>(id).await {
            Ok(found) => found.resource.name.first().map(|n| n.short()),
            Err(e @ (FhirError::Unreachable(_) | FhirError::SignInNeeded)) => return Err(e),
            Err(_) => None,
        };
        Ok(name.unwrap_or_else(|| "A patient".into()))
    }
}
