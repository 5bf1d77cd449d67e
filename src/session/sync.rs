//! Staying up to date: the long-poll sync loop and its status, and what each sync brings into
//! the inbox (messages, receipts, typing, membership, availability, missing thread roots, role
//! invites).

use super::change::Change;
use super::core::Core;
use crate::api::{Error, Transport};
use crate::domain::{Availability, Incoming, ThreadKey};
use crate::provision;
use crate::store::LocalStore;
use crate::sync::{Backoff, Batch, Platform, SyncStatus};
use std::rc::Rc;
use std::time::Duration;

/// How long the server may hold a sync open.
pub const LONG_POLL: Duration = Duration::from_secs(30);
/// The performance mark set when a sync batch with news is about to be applied (the page
/// measures from it to the next frame: `rounds:sync-to-paint`).
pub const SYNC_RECEIVED: &str = "rounds:sync-received";

/// The sync loop of a session.
pub struct Syncing<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Syncing<T, S, P> {
    /// The connection's state.
    pub fn status(&self) -> SyncStatus {
        self.core.state.borrow().status
    }

    /// Syncs until the session stops: long-polls, applies what arrives, reconnects with
    /// backoff, and keeps the inbox on the device. Ends the session if the server says the
    /// token is gone.
    pub async fn run(&self) {
        let mut backoff = Backoff::default();
        while !self.core.stopped.get() {
            self.set_status(self.status().before_attempt());
            match self.sync_once(LONG_POLL).await {
                Ok(()) => {
                    backoff.reset();
                    self.set_status(SyncStatus::Live);
                }
                // Stopped meanwhile (signed out): whatever the last request says no longer matters.
                Err(_) if self.core.stopped.get() => {}
                Err(e) if e.is_unknown_token() => self.core.server_ended(),
                Err(e) => {
                    let ms = backoff.delay_for(e.retry_after_ms(), self.core.platform.random());
                    self.set_status(if e.status() == Some(429) {
                        SyncStatus::Throttled { retry_in_ms: ms }
                    } else {
                        SyncStatus::Offline { retry_in_ms: ms }
                    });
                    self.core.alarm.wait(&self.core.platform, ms).await;
                }
            }
        }
    }

    /// The browser is back online: waits end now.
    pub fn wake(&self) {
        self.core.alarm.ring();
    }

    /// Marks the connection offline at once (the browser said so).
    pub fn went_offline(&self) {
        self.set_status(SyncStatus::Offline { retry_in_ms: 0 });
    }

    fn set_status(&self, status: SyncStatus) {
        let changed = std::mem::replace(&mut self.core.state.borrow_mut().status, status) != status;
        if changed {
            self.core.emit(Change::Status);
        }
    }

    /// One sync (long-polling up to `timeout`) and everything it brings; then the inbox is kept.
    pub async fn sync_once(&self, timeout: Duration) -> Result<(), Error> {
        let Some(mut engine) = self.core.engine.borrow_mut().take() else {
            return Ok(()); // another sync is running
        };
        engine.set_online(self.core.state.borrow().mine.is_online());
        let result = {
            let state = &self.core.state;
            engine.poll(timeout, |id| state.borrow().inbox.knows(id)).await
        };
        // The very first sync of an inbox brings history, not news (no notifications).
        let first = self.core.state.borrow().since.is_none();
        let since = engine.since().map(str::to_owned);
        *self.core.engine.borrow_mut() = Some(engine);
        let batch = result?;
        self.apply(batch, first).await;
        if first {
            self.read_directory().await;
            // Invites that waited for the staff list.
            self.join_conversations(Vec::new()).await;
        }
        self.core.state.borrow_mut().since = since;
        self.fetch_missing_roots().await;
        self.core.persist_if_due().await;
        Ok(())
    }

    async fn apply(&self, batch: Batch, first: bool) {
        let Batch {
            incoming,
            joined,
            left,
            invited,
            conversation_invites,
            policy,
            staff,
            availability,
        } = batch;
        self.note_availability(availability);
        let core = &self.core;
        let me = core.me();
        let (arrived, touched, typing, membership) = {
            let mut state = core.state.borrow_mut();
            let mut membership = false;
            if let Some(mut policy) = policy {
                core.labels.apply(&mut policy);
                membership |= state.policy != policy;
                state.policy = policy;
            }
            for (user, person) in staff {
                state.directory.set(&user, person);
            }
            let arrived = news_from_others(&state.inbox, &incoming, &me);
            let typing = incoming.iter().any(|i| matches!(i, Incoming::Typing { .. }));
            if incoming.iter().any(|i| !matches!(i, Incoming::Typing { .. })) {
                // The start of the client's share of the latency (to the frame painted, measured
                // by the page): the sync answer is decoded and translated.
                core.platform.mark(SYNC_RECEIVED);
            }
            let touched = state.inbox.apply(incoming);
            state.dirty |= !touched.is_empty();
            let mut rooms = state.joined.clone();
            rooms.extend(joined);
            for room in &left {
                rooms.remove(room);
            }
            if rooms != state.joined {
                state.joined = rooms;
                state.dirty = true;
                membership = true;
            }
            (arrived, touched, typing, membership)
        };
        // Queued items show in threads that arrived meanwhile (after a restart, say).
        super::send::echo_outbox(core);
        core.expire_old();
        core.touched(touched);
        if typing {
            core.emit(Change::Typing);
        }
        if membership {
            core.emit(Change::Membership);
        }
        if !first && !arrived.is_empty() {
            core.emit(Change::Arrived(arrived));
        }
        self.join_conversations(conversation_invites).await;
        // A role given by an admin arrives as an invite: take it and join what it allows.
        if !invited.is_empty() {
            if let Ok((rooms, _)) = provision::accept_roles(&core.client, &core.clinic(), &invited).await {
                core.state.borrow_mut().joined = rooms;
                core.emit(Change::Membership);
            }
        }
    }

    /// Joins the direct conversations colleagues started with the person (an invite from
    /// someone not on the clinic's staff is left alone). The next sync brings the room.
    async fn join_conversations(&self, invites: Vec<(String, String)>) {
        let (stored, pending) = {
            let mut state = self.core.state.borrow_mut();
            let stored = std::mem::take(&mut state.conversation_invites);
            let mut pending = stored.clone();
            pending.extend(invites);
            (stored, pending)
        };
        let mut kept = Vec::new();
        for (room, inviter) in pending {
            let staff = self.core.state.borrow().directory.person(&inviter).is_some();
            if !staff {
                // Someone not on the staff list (or not yet read): left until they are.
                kept.push((room, inviter));
                continue;
            }
            if let Err(error) = self.core.client.join(&room, &[]).await {
                // Refused for good (the invite was withdrawn): nothing to join.
                if error.is_retryable() {
                    kept.push((room, inviter));
                }
            }
        }
        let mut state = self.core.state.borrow_mut();
        // Kept with the inbox: the sync token kept with it has moved past these invites.
        state.dirty |= kept != stored;
        state.conversation_invites.extend(kept);
    }

    fn note_availability(&self, changes: Vec<(String, Option<Availability>)>) {
        if changes.is_empty() {
            return;
        }
        {
            let mut state = self.core.state.borrow_mut();
            let me = state.inbox.me().to_owned();
            for (user, availability) in changes {
                match availability {
                    // A session carries on as the person last set it (another device, earlier);
                    // not while a choice made here is being sent: the homeserver's echo of an
                    // older one must not replace it.
                    Some(a) if user == me => {
                        if !state.sending_availability {
                            state.mine = a;
                        }
                    }
                    Some(a) => {
                        state.availability.insert(user, a);
                    }
                    None => {
                        state.availability.remove(&user);
                    }
                }
            }
        }
        self.core.emit(Change::Availability);
    }

    async fn fetch_missing_roots(&self) {
        let missing = self.core.state.borrow().inbox.missing_roots();
        if missing.is_empty() {
            return;
        }
        let Some(mut roots) = self.core.roots.borrow_mut().take() else {
            return;
        };
        let found = roots
            .fetch(&self.core.client, &missing, self.core.platform.now_ms())
            .await;
        *self.core.roots.borrow_mut() = Some(roots);
        if !found.is_empty() {
            self.core.learned(found);
        }
    }

    /// A kept inbox from before the directory existed continues its sync without the clinic
    /// space's state: read the directory once. Without it, only role mentions are missing, so a
    /// failure is reported and not retried.
    async fn read_directory(&self) {
        if !self.core.state.borrow().directory.is_empty() {
            return;
        }
        match self.core.client.room_state(&self.core.clinic_space).await {
            Ok(events) => {
                let mut state = self.core.state.borrow_mut();
                for (user, person) in events.iter().filter_map(crate::sync::convert::staff_entry) {
                    state.directory.set(&user, person);
                }
            }
            Err(_) => self.core.emit(Change::Problem(
                "The staff directory could not be read: mentions of people may not be recognised until the next sign-in."
                    .into(),
            )),
        }
    }
}

/// The threads in which `incoming` brings messages from others that `inbox` does not know yet.
fn news_from_others(inbox: &crate::domain::Inbox, incoming: &[Incoming], me: &str) -> Vec<ThreadKey> {
    let mut arrived: Vec<ThreadKey> = incoming
        .iter()
        .filter_map(|item| match item {
            Incoming::Root { room_id, message, .. } => Some((room_id, &message.id, &message.id, &message.sender)),
            Incoming::InThread {
                room_id,
                root_id,
                message,
            } => Some((room_id, root_id, &message.id, &message.sender)),
            _ => None,
        })
        .filter(|(_, _, id, sender)| **sender != me && !inbox.knows(id))
        .map(|(room, root, _, _)| inbox.resolve(&ThreadKey::new(room.as_str(), root.as_str())))
        .collect();
    arrived.dedup();
    arrived
}
