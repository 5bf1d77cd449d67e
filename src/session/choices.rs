//! The person's inbox filter choices, kept encrypted on the device so the next start opens
//! where they left off (a first start opens on For me).

use super::core::Core;
use super::error::SessionError;
use crate::api::Transport;
use crate::domain::InboxChoices;
use crate::store::LocalStore;
use crate::sync::Platform;
use std::rc::Rc;

/// The person's inbox choices on this device.
pub struct Choices<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Choices<T, S, P> {
    /// The choices kept at the last change, or a first start's.
    pub async fn inbox(&self) -> Result<InboxChoices, SessionError> {
        Ok(self.core.store.load_choices().await?.unwrap_or_default())
    }

    /// Keeps the choices for the next start.
    pub async fn keep_inbox(&self, choices: &InboxChoices) -> Result<(), SessionError> {
        Ok(self.core.store.save_choices(choices).await?)
    }
}
