//! One thread, as a screen works with it: what it holds, its history, receipts and typing, and
//! everything posted in it. A handle keeps the thread's [`ThreadKey`]: a thread started here
//! stays the same thread when the homeserver names it, so whatever holds the handle carries on.

use super::core::Core;
use super::error::SessionError;
use crate::api::Transport;
use crate::domain::compose::TemplateFacts;
use crate::domain::{Addressee, Body, EhrClaim, Incoming, Message, Status, Thread, ThreadKey};
use crate::fhir::instant;
use crate::store::LocalStore;
use crate::sync::{fetch_root, thread_history, Command, Platform};
use std::rc::Rc;

/// Suggestions `@` shows at most.
const ADDRESSEES_SHOWN: usize = 6;
/// Typing notices last this long unless renewed.
const TYPING_MS: u64 = 6_000;

/// A thread of the session.
pub struct ThreadHandle<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
    pub(super) key: ThreadKey,
}

impl<T, S, P> Clone for ThreadHandle<T, S, P> {
    fn clone(&self) -> Self {
        ThreadHandle {
            core: self.core.clone(),
            key: self.key.clone(),
        }
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// The members of the direct conversation the thread is in (`None`: it is in a category).
    pub(super) fn conversation_members(&self) -> Option<Vec<String>> {
        let state = self.core.state.borrow();
        state.inbox.conversation(self.key.room_str()).map(<[String]>::to_vec)
    }

    /// The thread's key.
    pub fn key(&self) -> &ThreadKey {
        &self.key
    }

    /// Reads the thread as this device has it now.
    pub fn with<R>(&self, read: impl FnOnce(Option<&Thread>) -> R) -> R {
        read(self.core.state.borrow().inbox.thread(&self.key))
    }

    /// The room and the root's event id, once the homeserver has the root (nothing can be
    /// asked about a thread still on its way).
    pub(super) fn on_server_ids(&self) -> Result<(String, String), SessionError> {
        self.with(|t| t.and_then(|t| Some((t.room_id.clone(), t.root_event()?.to_owned()))))
            .ok_or_else(|| SessionError::Refused("this thread is not on the homeserver yet".into()))
    }

    /// Loads the thread's root (a deep link to a thread not synced yet) and its newest replies.
    /// A thread started here and not on the server yet has nothing to load.
    pub async fn open(&self) -> Result<(), SessionError> {
        let known = self.with(|t| t.is_some());
        if !known {
            let (room, root) = (self.key.room_str(), self.key.id_str());
            match fetch_root(&self.core.client, room, root).await {
                Ok(Some(found)) => self.core.learned([found]),
                Ok(None) => {
                    return Err(SessionError::Refused(
                        "this thread's first message is not available".into(),
                    ))
                }
                Err(e) if matches!(e.status(), Some(403 | 404)) => return Err(SessionError::NotAllowed),
                Err(e) => return Err(e.into()),
            }
        }
        let key = self.core.resolve(&self.key);
        let Ok((room, root)) = self.on_server_ids() else {
            return Ok(());
        };
        if self.core.state.borrow().earlier.contains_key(&key) {
            return Ok(());
        }
        let (found, token) = thread_history(&self.core.client, &room, &root, None).await?;
        {
            let mut state = self.core.state.borrow_mut();
            state.earlier.insert(key, token);
            state.dirty = true;
        }
        self.core.learned(found);
        super::send::echo_outbox(&self.core);
        Ok(())
    }

    /// Whether earlier replies of the thread can be loaded.
    pub fn has_earlier(&self) -> bool {
        let key = self.core.resolve(&self.key);
        matches!(self.core.state.borrow().earlier.get(&key), Some(Some(_)))
    }

    /// Loads the page of replies before the ones shown.
    pub async fn load_earlier(&self) -> Result<(), SessionError> {
        let key = self.core.resolve(&self.key);
        let token = self.core.state.borrow().earlier.get(&key).cloned().flatten();
        let (Some(token), Ok((room, root))) = (token, self.on_server_ids()) else {
            return Ok(());
        };
        let (found, token) = thread_history(&self.core.client, &room, &root, Some(&token)).await?;
        self.core.state.borrow_mut().earlier.insert(key, token);
        self.core.learned(found);
        Ok(())
    }

    /// The person is looking at the thread: sends a read receipt for its newest message from
    /// someone else, once, and shows it at once.
    pub async fn read(&self) {
        let key = self.core.resolve(&self.key);
        let target = {
            let state = self.core.state.borrow();
            state
                .inbox
                .thread(&key)
                .and_then(|t| Some((t.room_id.clone(), t.root_id.clone(), state.inbox.receipt_to_send(t)?)))
                .filter(|(_, _, event)| state.receipts.get(&key) != Some(event))
        };
        let Some((room, root, event)) = target else { return };
        self.core.state.borrow_mut().receipts.insert(key, event.clone());
        self.core.learned([Incoming::Receipt {
            room_id: room.clone(),
            user_id: self.core.me(),
            event_id: event.clone(),
            ts: Some(self.core.platform.now_ms()),
        }]);
        // The root is in the main timeline; replies are in the thread.
        let thread = (event != root).then_some(root.as_str());
        // A lost receipt only means the message shows as unread a little longer elsewhere.
        let _ = self.core.client.send_read_receipt(&room, &event, thread).await;
    }

    /// The person is typing (or stopped) here: at most one notice per few seconds.
    pub async fn typing(&self, typing: bool) {
        let room = self.key.room_str().to_owned();
        let now = self.core.platform.now_ms();
        {
            let mut state = self.core.state.borrow_mut();
            let last = state.typing_sent.get(&room).copied().unwrap_or(0);
            if typing && now.saturating_sub(last) < TYPING_MS - 2_000 {
                return;
            }
            if !typing && last == 0 {
                return;
            }
            state.typing_sent.insert(room.clone(), if typing { now } else { 0 });
        }
        // Typing notices are best effort.
        let _ = self.core.client.set_typing(&room, typing, TYPING_MS).await;
    }

    /// Who is typing here, other than the person.
    pub fn typists(&self) -> Vec<String> {
        self.core.state.borrow().inbox.typing(self.key.room_str())
    }

    /// Replies, mentioning the roles and people written as `@Label` in `text`.
    pub async fn reply(&self, text: &str) -> Result<(), SessionError> {
        let mentions = self.core.mentions(text, &[]);
        let command = Command::Reply {
            text: text.trim_end().to_owned(),
            mentions,
        };
        self.core.post(&self.key, command).await
    }

    /// Marks the thread resolved, or open again.
    pub async fn set_status(&self, status: Status) -> Result<(), SessionError> {
        self.core.post(&self.key, Command::SetStatus(status)).await
    }

    /// Takes on the (urgent) thread.
    pub async fn acknowledge(&self) -> Result<(), SessionError> {
        self.core.post(&self.key, Command::Acknowledge).await
    }

    /// What `@` offers for `typed` here: the roles that can see the category and the people
    /// holding them.
    pub fn addressees(&self, typed: &str) -> Vec<Addressee> {
        let state = self.core.state.borrow();
        let Some(category) = state.policy.category_by_room(self.key.room_str()) else {
            return Vec::new();
        };
        state
            .directory
            .addressees(&state.policy, &category.roles, typed, ADDRESSEES_SHOWN)
    }

    /// The category's message templates.
    pub fn templates(&self) -> Vec<String> {
        let state = self.core.state.borrow();
        state
            .policy
            .category_by_room(self.key.room_str())
            .map(|c| c.templates.clone())
            .unwrap_or_default()
    }

    /// What the thread knows to fill a template with: its patient, its appointment (the
    /// latest change made from the thread) and who is writing.
    pub fn template_facts(&self) -> TemplateFacts {
        let sender = self.core.state.borrow().display_name.clone();
        self.with(|thread| TemplateFacts {
            patient: thread.and_then(|t| t.info.patient.as_ref()).map(|p| p.display.clone()),
            appointment_at: thread.and_then(latest_appointment),
            sender,
        })
    }

    /// Whether `message` is an escalation notice that counts: from the clinic's escalation
    /// service (anyone else's reads as text).
    pub fn is_escalation_notice(&self, message: &Message) -> bool {
        let escalation = self.core.state.borrow().policy.escalation_service.clone();
        crate::domain::escalation::is_valid_notice(message, escalation.as_deref())
    }
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Core<T, S, P> {
    /// Whom a message with `text`, addressed to `to_roles`, mentions.
    pub fn mentions(&self, text: &str, to_roles: &[String]) -> Vec<String> {
        let state = self.state.borrow();
        state
            .directory
            .mentions(&state.policy, text, to_roles, state.inbox.me())
    }
}

/// When the thread's appointment starts, as its latest change made from the thread says.
fn latest_appointment(thread: &Thread) -> Option<u64> {
    thread.messages.iter().rev().find_map(|m| match &m.body {
        Body::Appointment {
            claim:
                EhrClaim::Appointment {
                    start: Some(start),
                    cancelled: false,
                    ..
                },
            ..
        } => instant::parse(start),
        _ => None,
    })
}
