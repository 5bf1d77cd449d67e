//! Availability: Available, With a patient or Off duty, kept on the homeserver for colleagues
//! to see; while not available, ordinary messages are held back from notifications.

use super::change::Change;
use super::core::Core;
use super::error::SessionError;
use crate::api::{hold_rule, urgent_rule, PresenceState, Transport, HOLD_RULE, URGENT_RULE};
use crate::domain::Availability;
use crate::store::LocalStore;
use crate::sync::Platform;
use std::rc::Rc;

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

    /// Sets the person's availability on the homeserver (presence and status message, which
    /// every sync from now on keeps), and while they are not available, a push rule that
    /// holds back everything but urgent threads and escalations until they are again.
    pub async fn set(&self, availability: Availability) -> Result<(), SessionError> {
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
        client.set_presence(presence, Some(availability.label())).await?;
        self.core.state.borrow_mut().mine = availability;
        self.core.emit(Change::Availability);
        Ok(())
    }
}
