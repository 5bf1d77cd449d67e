//! Availability: Available, With a patient or Off duty, kept on the homeserver for colleagues
//! to see; while not available, ordinary messages are held back from notifications.

use super::change::Change;
use super::core::Core;
use super::error::SessionError;
use crate::api::{hold_rule, urgent_rule, Error, PresenceState, Transport, HOLD_RULE, URGENT_RULE};
use crate::domain::Availability;
use crate::store::LocalStore;
use crate::sync::Platform;
use std::rc::Rc;

/// How long to wait when the homeserver asks to slow down without saying for how long.
const RATE_LIMITED_WAIT_MS: u64 = 1_000;

/// The person's availability and their colleagues'.
pub struct Presence<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Presence<T, S, P> {
    /// The person's own availability.
    pub fn mine(&self) -> Availability {
        self.core.state.borrow().mine
    }

    /// A colleague's availability, when their presence says one.
    pub fn of(&self, user_id: &str) -> Option<Availability> {
        self.core.state.borrow().availability.get(user_id).copied()
    }

    /// Sets the person's availability: here at once, so that every sync from now on reports
    /// it (none started meanwhile says "online" after "Off duty"), then on the homeserver
    /// (presence and status message; while not available, a push rule that holds back
    /// everything but urgent threads and escalations). Changes made quickly are coalesced: while
    /// one is being sent, a newer choice only changes what is sent next, and a homeserver
    /// asking to slow down is waited out rather than refused to the person.
    pub async fn set(&self, availability: Availability) -> Result<(), SessionError> {
        let previous = std::mem::replace(&mut self.core.state.borrow_mut().mine, availability);
        self.core.emit(Change::Availability);
        if std::mem::replace(&mut self.core.state.borrow_mut().sending_availability, true) {
            return Ok(()); // the send under way takes the newest choice
        }
        let result = self.send_newest().await;
        self.core.state.borrow_mut().sending_availability = false;
        if result.is_err() {
            self.core.state.borrow_mut().mine = previous;
            self.core.emit(Change::Availability);
        }
        result
    }

    /// Sends the newest choice until the homeserver holds it.
    async fn send_newest(&self) -> Result<(), SessionError> {
        let mut sent = None;
        loop {
            let wanted = self.core.state.borrow().mine;
            if sent == Some(wanted) {
                return Ok(());
            }
            match self.send(wanted).await {
                Ok(()) => sent = Some(wanted),
                Err(e) if e.status() == Some(429) => {
                    let wait = e.retry_after_ms().unwrap_or(RATE_LIMITED_WAIT_MS);
                    self.core.platform.sleep(wait.min(RATE_LIMITED_WAIT_MS * 10)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn send(&self, availability: Availability) -> Result<(), Error> {
        let client = &self.core.client;
        let presence = if availability.is_online() {
            PresenceState::Online
        } else {
            PresenceState::Unavailable
        };
        // The hold changes before the presence does: whoever sees someone available again can
        // rely on their ordinary messages reaching them.
        if availability == Availability::Available {
            client.delete_push_rule("override", HOLD_RULE).await?;
        } else {
            // The hold goes after the urgent rule: make sure that one is there.
            client
                .set_push_rule("override", URGENT_RULE, &urgent_rule(), None)
                .await?;
            client
                .set_push_rule("override", HOLD_RULE, &hold_rule(), Some(URGENT_RULE))
                .await?;
        }
        client.set_presence(presence, Some(availability.label())).await
    }
}
