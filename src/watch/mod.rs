//! Work the EHR opens, below the command line of `rounds-watch`: read what changed in the
//! clinic's EHR since the last read (FHIR search by `_lastUpdated`, which any R4 server
//! answers), open one thread per fact that needs work, in the category and for the roles the
//! clinic's rules name, and close it when the EHR shows the work done.
//!
//! The record of what was read and which thread each fact opened is kept on the homeserver
//! ([`record`]); every post carries a transaction id made from what it is about ([`post`]), so
//! a post repeated after a crash is stored once.

pub mod facts;
pub mod post;
pub mod record;

use crate::api::{Client, Transport};
use crate::fhir::{instant, Appointment, FhirClient, FhirError, Patient};
use crate::provision::{self, Clinic, ProvisionError};
use facts::{appointment_fact, resolves, Fact};
use record::{FactThread, WatchRecord};
use std::fmt;

/// Changes read per page (the EHR's largest page).
const PAGE: usize = 100;
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

    /// How far the watch has read (a FHIR instant), if it has.
    pub fn checkpoint(&self) -> Option<&str> {
        self.record.checkpoint.as_deref()
    }

    /// One round at `now`: reads every change since the checkpoint and acts on it, then keeps
    /// the new checkpoint on the homeserver. A quiet round is one search of the EHR.
    pub async fn round(&mut self, now: u64) -> Result<Vec<Happened>, WatchError> {
        if !self.loaded {
            self.record = self.load_record().await?;
            self.loaded = true;
        }
        let since = self
            .record
            .checkpoint
            .clone()
            .unwrap_or_else(|| instant::format(now.saturating_sub(FIRST_LOOK_BACK_MS)));
        let read_before = self.record.at_checkpoint.clone();
        let changed: Vec<Appointment> = self
            .changed_since(&since)
            .await?
            .into_iter()
            .filter(|a| !read_before.contains(&version_key(a)))
            .collect();
        if !changed.is_empty() {
            // Another instance may have acted meanwhile, and the clinic may have changed its
            // rules or rooms (`rounds-admin watch`): both are read afresh before acting.
            self.record = self.load_record().await?;
            self.clinic = provision::load_clinic(&self.matrix, &self.prefix).await?;
        }
        let before = self.record.clone();
        let mut happened = Vec::new();
        for appointment in &changed {
            happened.extend(self.consider(appointment).await?);
        }
        self.advance_checkpoint(&changed, since);
        if self.record != before {
            self.record
                .save(&self.matrix, now)
                .await
                .map_err(homeserver("keeping the watch's record"))?;
        }
        Ok(happened)
    }

    /// Moves the checkpoint to the latest change in `changed` (read from `since`), remembering
    /// which versions changed at that very instant.
    fn advance_checkpoint(&mut self, changed: &[Appointment], since: String) {
        let updated = |a: &Appointment| a.meta.as_ref()?.last_updated.as_deref().and_then(instant::parse);
        let Some(latest) = changed.iter().filter_map(updated).max() else {
            self.record.checkpoint.get_or_insert(since);
            return;
        };
        let same_instant = changed.iter().filter(|a| updated(a) == Some(latest)).map(version_key);
        if self.record.checkpoint.as_deref().and_then(instant::parse) != Some(latest) {
            self.record.at_checkpoint.clear();
        }
        self.record.at_checkpoint.extend(same_instant);
        self.record.checkpoint = changed
            .iter()
            .find(|a| updated(a) == Some(latest))
            .and_then(|a| a.meta.as_ref()?.last_updated.clone());
    }

    async fn load_record(&self) -> Result<WatchRecord, WatchError> {
        WatchRecord::load(&self.matrix)
            .await
            .map_err(homeserver("reading the watch's record"))
    }

    /// Every appointment changed at or after `since`, oldest change first. (`ge`, not `gt`:
    /// two changes in the same instant are both read; what was seen already is recognised by
    /// its version.)
    async fn changed_since(&self, since: &str) -> Result<Vec<Appointment>, FhirError> {
        let params = [
            ("_lastUpdated", format!("ge{since}")),
            ("_sort", "_lastUpdated".to_owned()),
            ("_count", PAGE.to_string()),
        ];
        let mut page = self.ehr.search::<Appointment>(&params).await?;
        let mut all = page.resources::<Appointment>();
        while let Some(next) = self.ehr.next_page(&page).await? {
            all.extend(next.resources::<Appointment>());
            page = next;
        }
        Ok(all)
    }

    /// Acts on one changed appointment: the fact it shows, and the open facts it resolves.
    async fn consider(&mut self, appointment: &Appointment) -> Result<Vec<Happened>, WatchError> {
        let mut happened = Vec::new();
        if let Some(fact) = appointment_fact(appointment) {
            happened.extend(self.on_fact(fact).await?);
        }
        let Some(patient) = appointment.actor("Patient").and_then(|a| a.reference.clone()) else {
            return Ok(happened);
        };
        let done: Vec<(String, FactThread)> = self
            .record
            .open_for(&patient)
            .filter(|(_, t)| resolves(&t.fact, appointment))
            .map(|(key, thread)| (key.clone(), thread.clone()))
            .collect();
        for (key, thread) in done {
            happened.push(self.resolve(key, thread, appointment).await?);
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

    async fn resolve(&mut self, key: String, thread: FactThread, booked: &Appointment) -> Result<Happened, WatchError> {
        let how = match booked.start.as_deref().and_then(instant::parse) {
            Some(ms) => format!(
                "new appointment booked {}",
                crate::domain::clock::Local::at(ms, self.offset_minutes).weekday_clock()
            ),
            None => "new appointment booked".to_owned(),
        };
        let resolution = post::resolution(&thread.root, &thread.root, &how, &version_key(booked));
        self.post(&thread.room, resolution, "resolving a thread").await?;
        let at = booked
            .meta
            .as_ref()
            .and_then(|m| m.last_updated.as_deref())
            .and_then(instant::parse)
            .unwrap_or(thread.fact.seen_at);
        let root = thread.root.clone();
        let fact = thread.fact.clone();
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

    /// `Sara M.` for `Patient/sara-m` (the patient's name as threads show it).
    async fn patient_display(&self, reference: &str) -> Result<String, FhirError> {
        let id = reference.strip_prefix("Patient/").unwrap_or(reference);
        let patient = self.ehr.read::<Patient>(id).await?.resource;
        Ok(patient
            .name
            .first()
            .map(|n| n.short())
            .unwrap_or_else(|| "A patient".into()))
    }
}

/// `Appointment/1/_history/2`: one version of a resource.
fn version_key(appointment: &Appointment) -> String {
    format!(
        "Appointment/{}/_history/{}",
        appointment.id.as_deref().unwrap_or_default(),
        appointment
            .meta
            .as_ref()
            .and_then(|m| m.version_id.as_deref())
            .unwrap_or_default()
    )
}
