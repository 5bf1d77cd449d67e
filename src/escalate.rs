//! The escalation service's work, below its command line (`rounds-escalation`): follow the
//! clinic's rooms as its service account, and post each escalation step the rules
//! ([`crate::domain::escalation`]) say is due.
//!
//! Everything it decides comes from the rooms: after a restart the first sync shows which
//! notices were already posted, so none is lost or repeated.

use crate::api::rounds::{with_txn, EscalationMeta, EscalationStage};
use crate::api::{events::MESSAGE, Client, Transport};
use crate::domain::escalation::{next_step, Due, Stage};
use crate::domain::{ClinicPolicy, Escalation, Filter, Inbox, Incoming, Status, Thread, View};
use crate::provision::{self, Clinic, ProvisionError, RosterEntry};
use crate::sync::{thread_history, NativePlatform, Platform, SyncEngine, ThreadPager};
use std::collections::BTreeSet;
use std::time::Duration;

/// How far back the service looks after a start: a thread that started waiting longer ago than
/// two of the longest windows is past escalating.
const HORIZON_MS: u64 = 2 * Escalation::MAX_WINDOW_SECONDS as u64 * 1000;
/// Pages of each category's threads list read at most when catching up after a start.
const MAX_CATCH_UP_PAGES: usize = 20;

/// An escalation notice the service posted.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The category room.
    pub room_id: String,
    /// The thread's root.
    pub root_id: String,
    /// The step.
    pub stage: Stage,
    /// The people the notice mentions.
    pub people: Vec<String>,
    /// When the step fell due and when the notice was accepted (milliseconds since the epoch).
    pub due_at: u64,
    /// When the homeserver accepted the notice.
    pub posted_at: u64,
}

/// The service's view of the clinic: its sync, the threads, and what it posted.
pub struct Watcher<T> {
    engine: SyncEngine<T>,
    space: String,
    inbox: Inbox,
    /// Steps posted in this run, so a step is not posted again before its echo comes back.
    posted: BTreeSet<(String, Stage)>,
}

impl<T: Transport> Watcher<T> {
    /// Joins the rooms the service account was invited to (role spaces, then the category rooms
    /// they open) and catches up with the clinic (the first sync).
    pub async fn start(client: Client<T>, prefix: &str) -> Result<Self, ProvisionError> {
        let (clinic, _) = provision::accept_clinic_invites_and_join(&client, prefix).await?;
        let me = client.user_id().map_err(|e| api_error("signing in", e))?.to_owned();
        let mut watcher = Watcher {
            engine: SyncEngine::new(client, clinic.space.clone(), clinic.policy),
            space: clinic.space,
            inbox: Inbox::new(&me),
            posted: BTreeSet::new(),
        };
        watcher.sync(Duration::ZERO).await?;
        watcher.catch_up(NativePlatform::default().now_ms()).await?;
        Ok(watcher)
    }

    /// The first sync holds only each room's latest events: reads the escalating categories'
    /// threads active within the horizon, and the whole of every urgent open one, so that the
    /// notices already posted are known before anything is decided.
    async fn catch_up(&mut self, now: u64) -> Result<(), ProvisionError> {
        let client = self.engine.client();
        let rooms: Vec<String> = self
            .policy()
            .categories
            .iter()
            .filter(|c| c.escalation.is_some())
            .filter_map(|c| c.room.clone())
            .collect();
        let mut pager = ThreadPager::default();
        for _ in 0..MAX_CATCH_UP_PAGES {
            if pager.exhausted(&rooms) {
                break;
            }
            let page = pager
                .next_page(client, &rooms)
                .await
                .map_err(|e| api_error("listing threads", e))?;
            let recent = page
                .iter()
                .any(|i| incoming_ts(i).is_some_and(|ts| within_horizon(ts, now)));
            self.inbox.apply(page);
            if !recent {
                break;
            }
        }
        let urgent: Vec<(String, String)> = self
            .waiting(now)
            .map(|t| (t.room_id.clone(), t.root_id.clone()))
            .collect();
        for (room, root) in urgent {
            let mut from = None;
            loop {
                let (replies, next) = thread_history(client, &room, &root, from.as_deref())
                    .await
                    .map_err(|e| api_error("reading an urgent thread", e))?;
                self.inbox.apply(replies);
                match next {
                    Some(token) => from = Some(token),
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// One sync, waiting at most `timeout` for news. Invites to new role spaces are accepted.
    pub async fn sync(&mut self, timeout: Duration) -> Result<(), ProvisionError> {
        let inbox = &self.inbox;
        let batch = self
            .engine
            .poll(timeout, |id| inbox.knows(id))
            .await
            .map_err(|e| api_error("syncing", e))?;
        if !batch.invited.is_empty() {
            provision::accept_roles(self.engine.client(), &self.clinic(), &batch.invited).await?;
        }
        self.inbox.apply(batch.incoming);
        Ok(())
    }

    /// The clinic's current policy.
    pub fn policy(&self) -> &ClinicPolicy {
        self.engine.policy()
    }

    /// When the earliest step not yet posted falls due (`now`: to leave out threads past the
    /// horizon).
    pub fn next_due(&self, now: u64) -> Option<u64> {
        self.pending(now).map(|(_, due)| due.at).min()
    }

    /// Posts every step due at `now`; returns what was posted.
    pub async fn act(&mut self, now: u64) -> Result<Vec<Posted>, ProvisionError> {
        let due: Vec<(String, String, String, Due)> = self
            .pending(now)
            .filter(|(_, due)| due.at <= now)
            .map(|(thread, due)| {
                (
                    thread.room_id.clone(),
                    thread.root_id.clone(),
                    thread.latest().id.clone(),
                    due,
                )
            })
            .collect();
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let staff = provision::roster(self.engine.client(), &self.clinic()).await?;
        let mut posted = Vec::new();
        for (room_id, root_id, latest, due) in due {
            let starter = self
                .inbox
                .thread(&crate::domain::ThreadKey::new(room_id.as_str(), root_id.as_str()))
                .map(|t| t.messages[0].sender.clone())
                .unwrap_or_default();
            let people = holders(&staff, &due.roles, &starter);
            let body = notice_text(self.policy(), &due, &staff, &people);
            let meta = EscalationMeta {
                stage: match due.stage {
                    Stage::Reminder => EscalationStage::Reminder,
                    Stage::Backup => EscalationStage::Backup,
                },
                roles: due.roles.clone(),
            };
            // One id per thread and step: a retried send is stored once by the homeserver.
            let txn = format!("escalation-{}-{root_id}", stage_name(due.stage));
            let content = with_txn(meta.notice_content(&root_id, &latest, &body, &people), &txn);
            self.engine
                .client()
                .send_event(&room_id, MESSAGE, &txn, &content)
                .await
                .map_err(|e| api_error("posting an escalation notice", e))?;
            self.posted.insert((root_id.clone(), due.stage));
            posted.push(Posted {
                room_id,
                root_id,
                stage: due.stage,
                people,
                due_at: due.at,
                posted_at: NativePlatform::default().now_ms(),
            });
        }
        Ok(posted)
    }

    /// Urgent open threads that started within the horizon.
    fn waiting(&self, now: u64) -> impl Iterator<Item = &Thread> + '_ {
        let urgent = Filter {
            view: View::Urgent,
            ..Filter::default()
        };
        self.inbox
            .query(&urgent)
            .into_iter()
            .filter(move |t| t.status == Status::Open && within_horizon(t.messages[0].ts, now))
    }

    /// Urgent threads with a step to take, and the step.
    fn pending(&self, now: u64) -> impl Iterator<Item = (&Thread, Due)> + '_ {
        let service = self.inbox.me();
        self.waiting(now).filter_map(move |thread| {
            let category = self.policy().category_by_room(&thread.room_id)?;
            let due = next_step(thread, category, service)?;
            (!self.posted.contains(&(thread.root_id.clone(), due.stage))).then_some((thread, due))
        })
    }

    fn clinic(&self) -> Clinic {
        Clinic {
            space: self.space.clone(),
            policy: self.policy().clone(),
        }
    }
}

/// The people addressed as any of `roles`, but the thread's own sender.
fn holders(staff: &[RosterEntry], roles: &[String], starter: &str) -> Vec<String> {
    let people: BTreeSet<&str> = roles
        .iter()
        .flat_map(|role| provision::role_members(staff, role))
        .map(|p| p.user_id.as_str())
        .filter(|id| *id != starter)
        .collect();
    people.into_iter().map(str::to_owned).collect()
}

/// What any Matrix client shows: how long the thread waited, whom it calls in, by name (older
/// clients notice mentions by display name).
fn notice_text(policy: &ClinicPolicy, due: &Due, staff: &[RosterEntry], people: &[String]) -> String {
    let roles: Vec<&str> = due
        .roles
        .iter()
        .map(|r| policy.role(r).map_or(r.as_str(), |role| role.label.as_str()))
        .collect();
    let names: Vec<&str> = people
        .iter()
        .filter_map(|id| staff.iter().find(|p| &p.user_id == id))
        .map(|p| p.display_name.as_deref().unwrap_or(p.user_id.as_str()))
        .collect();
    let whom = if names.is_empty() {
        format!("{} (nobody holds it now)", roles.join(", "))
    } else {
        format!("{} ({})", roles.join(", "), names.join(", "))
    };
    match due.stage {
        Stage::Reminder => format!("Still waiting for acknowledgement. Reminding {whom}."),
        Stage::Backup => format!("No acknowledgement yet. Calling in {whom}."),
    }
}

fn within_horizon(ts: u64, now: u64) -> bool {
    ts.saturating_add(HORIZON_MS) >= now
}

fn incoming_ts(incoming: &Incoming) -> Option<u64> {
    match incoming {
        Incoming::Root { message, .. } | Incoming::InThread { message, .. } => Some(message.ts),
        _ => None,
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Reminder => "reminder",
        Stage::Backup => "backup",
    }
}

fn api_error(step: &str, error: crate::api::Error) -> ProvisionError {
    ProvisionError::Api {
        step: step.to_owned(),
        error,
    }
}
