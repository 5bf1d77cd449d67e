//! `session`: the services the screens bind to, between `sync` and `ui`.
//!
//! A [`Session`] is one signed-in person's session, a small façade over services, one concern
//! each: [`Syncing`] (the sync loop and its status), [`Sending`] (the outbox), a
//! [`ThreadHandle`] per thread (its history, receipts, typing, replies, corrections, files,
//! export, and with the EHR, appointment changes and Save to chart), [`Staff`], [`Presence`]
//! (availability), [`Drafts`], [`Push`], and the person's view of the clinic's [`Ehr`].
//! [`TabSession`] runs a session in one place (a browser tab): its loops, one persist cadence,
//! the send gate between tabs, idle logoff and how it ends.
//!
//! Everything here is generic over transport, store and platform, so it runs natively in tests;
//! [`browser`] binds it to a browser tab. Screens get domain types, plain views and one error
//! type ([`SessionError`]), never protocol content.

mod attachments;
mod audit;
mod availability;
#[cfg(target_arch = "wasm32")]
pub mod browser;
mod change;
mod choices;
mod core;
mod corrections;
mod device_secret;
mod drafts;
mod ehr;
mod error;
mod keep;
mod labels;
mod notifications;
mod push;
mod send;
mod signin;
mod staff;
mod staging;
mod sync;
mod tab;
mod thread;

pub use audit::HistoryFile;
pub use availability::Presence;
pub use change::Change;
pub use choices::Choices;
pub use core::Start;
pub use device_secret::device_secret;
pub use drafts::Drafts;
pub use ehr::{
    AppointmentChange, Capability, ChartSaved, Column, Ehr, FreeTime, HalfDone, Outcome, PatientMatch, PatientRecord,
    RecordCheck, Unfinished, Visit, VisitStatus,
};
pub use error::{Server, SessionError};
pub use labels::Labels;
pub use notifications::{worth_notifying, Notification};
pub use push::{Push, PushGateway, WebPushSubscription};
pub use send::Sending;
pub use signin::{resume, sign_in, sign_in_answered, sign_in_with_token, to_keep, SignInError};
pub use staff::{Colleague, RoleChangeLine, Staff};
pub use sync::{Syncing, LONG_POLL, SYNC_RECEIVED};
pub use tab::{Cleared, Ending, IdleClock, TabHost, TabMessage, TabSession};
pub use thread::ThreadHandle;

/// The staff list's entries (who holds which roles).
pub use crate::provision::RosterEntry;
/// The connection's state.
pub use crate::sync::SyncStatus;

use crate::api::Transport;
use crate::domain::{Inbox, ThreadDraft, ThreadKey};
use crate::store::LocalStore;
use crate::sync::{Command, Platform};
use core::Core;
use std::rc::Rc;

/// A signed-in person's session. Cheap to clone (one shared service).
pub struct Session<T, S, P> {
    core: Rc<Core<T, S, P>>,
}

impl<T, S, P> Clone for Session<T, S, P> {
    fn clone(&self) -> Self {
        Session {
            core: self.core.clone(),
        }
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Session<T, S, P> {
    /// A session ready to paint from `start` (its kept inbox, if any); a [`TabSession`] runs it.
    pub fn new(start: Start<T>, store: Rc<S>, platform: P, labels: Labels) -> Self {
        let core = Rc::new(Core::new(start, store, platform, labels));
        core.follow_outbox();
        // A kept inbox may hold what expired while the app was closed.
        core.expire_old();
        Session { core }
    }

    /// Who hears about changes (screens; several may listen).
    pub fn listen(&self, listener: impl Fn(&Change) + 'static) {
        self.core.listen(listener);
    }

    /// The signed-in user id.
    pub fn me(&self) -> String {
        self.core.me()
    }

    /// Reads the inbox.
    pub fn with_inbox<R>(&self, read: impl FnOnce(&Inbox) -> R) -> R {
        read(&self.core.state.borrow().inbox)
    }

    /// The thread `key` (by the key it was created with, or the event id of its first message).
    pub fn thread(&self, key: &ThreadKey) -> ThreadHandle<T, S, P> {
        ThreadHandle {
            core: self.core.clone(),
            key: key.clone(),
        }
    }

    /// Starts the thread `draft` describes: queued (and kept on the device) before anything is
    /// sent, so a thread written offline goes out later, exactly once. Its key is what it is
    /// known by from now on, before and after the homeserver names it.
    pub async fn create_thread(&self, draft: &ThreadDraft) -> Result<ThreadKey, SessionError> {
        let rooms = self.core.category_rooms();
        let ready = draft
            .ready(&self.core.policy(), &rooms)
            .map_err(|problem| SessionError::Refused(problem.to_string()))?;
        let mut mentions = self.core.mentions(&ready.text, &ready.info.to_roles);
        let room_id = if ready.people.is_empty() {
            ready.room_id
        } else {
            mentions.extend(ready.people.iter().cloned());
            mentions.sort();
            mentions.dedup();
            self.core.conversation_with(&ready.people, &ready.info).await?
        };
        let command = Command::NewThread {
            info: ready.info,
            text: ready.text,
            mentions,
        };
        let item = self.core.outbox.queue(&room_id, None, "", &command).await?;
        Ok(ThreadKey::new(item.room_id, item.txn_id))
    }

    /// Loads the next page of older threads in every category the person can see; `false`
    /// when there are no more.
    pub async fn load_older_threads(&self) -> Result<bool, SessionError> {
        let rooms = self.core.thread_rooms();
        let Some(mut pager) = self.core.pager.borrow_mut().take() else {
            return Ok(true); // already loading
        };
        let result = if pager.exhausted(&rooms) {
            Ok(Vec::new())
        } else {
            pager.next_page(&self.core.client, &rooms).await
        };
        let more = !pager.exhausted(&rooms);
        *self.core.pager.borrow_mut() = Some(pager);
        self.core.learned(result?);
        send::echo_outbox(&self.core);
        Ok(more)
    }

    /// The sync loop.
    pub fn sync(&self) -> Syncing<T, S, P> {
        Syncing {
            core: self.core.clone(),
        }
    }

    /// The send queue.
    pub fn sending(&self) -> Sending<T, S, P> {
        Sending {
            core: self.core.clone(),
        }
    }

    /// The person and the clinic's staff.
    pub fn staff(&self) -> Staff<T, S, P> {
        Staff {
            core: self.core.clone(),
        }
    }

    /// Availability.
    pub fn presence(&self) -> Presence<T, S, P> {
        Presence {
            core: self.core.clone(),
        }
    }

    /// The inbox filter choices kept on the device.
    pub fn choices(&self) -> Choices<T, S, P> {
        Choices {
            core: self.core.clone(),
        }
    }

    /// Drafts.
    pub fn drafts(&self) -> Drafts<T, S, P> {
        Drafts {
            core: self.core.clone(),
        }
    }

    /// Notifications while Rounds is closed.
    pub fn push(&self) -> Push<T, S, P> {
        Push {
            core: self.core.clone(),
        }
    }

    /// The notifications news in `arrived` deserves now (see [`worth_notifying`]); news
    /// held back while the person is not available is counted for [`Session::release_held`].
    pub fn notifications_for(&self, arrived: &[ThreadKey]) -> Vec<Notification> {
        self.core.notifications_for(arrived)
    }

    /// Once available again: one notification for what was held back, if anything was.
    pub fn release_held(&self) -> Option<Notification> {
        self.core.release_held()
    }

    /// The person's view of the clinic's EHR, when the portal has one.
    pub fn ehr(&self) -> Option<Rc<Ehr<T>>> {
        self.core.ehr.borrow().clone()
    }

    /// Gives the session the portal's EHR client.
    pub fn set_ehr(&self, ehr: Ehr<T>) {
        *self.core.ehr.borrow_mut() = Some(Rc::new(ehr));
    }

    /// Says the EHR connection changed (connected, renewed, ended).
    pub fn ehr_changed(&self) {
        self.core.emit(Change::Ehr);
    }

    /// Whether the person's EHR access allows `capability` (`None`: no EHR, or not connected).
    pub fn can(&self, capability: Capability) -> Option<bool> {
        self.ehr().and_then(|ehr| ehr.can(capability))
    }
}
