//! Who the person is to the clinic, and for admins, everyone else: roles, categories, the
//! staff list and role changes (the homeserver refuses what the person may not do).

use super::core::Core;
use super::error::SessionError;
use crate::api::Transport;
use crate::domain::{ClinicPolicy, StaffView};
use crate::provision::{self, RosterEntry};
use crate::store::LocalStore;
use crate::sync::Platform;
use std::rc::Rc;

/// The clinic's staff as this person sees them.
pub struct Staff<T, S, P> {
    pub(super) core: Rc<Core<T, S, P>>,
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> Staff<T, S, P> {
    /// Who the person is to the clinic: roles and categories, from the rooms the server says
    /// they joined.
    pub fn me(&self) -> StaffView {
        self.core.staff()
    }

    /// The clinic policy (with this portal's labels).
    pub fn policy(&self) -> ClinicPolicy {
        self.core.policy()
    }

    /// The label of the category whose room is `room` (empty when unknown).
    pub fn category_label(&self, room: &str) -> (String, String) {
        let state = self.core.state.borrow();
        state
            .policy
            .category_by_room(room)
            .map(|c| (c.id.clone(), c.label.clone()))
            .unwrap_or_default()
    }

    /// Everyone holding a role, with their roles.
    pub async fn roster(&self) -> Result<Vec<RosterEntry>, SessionError> {
        Ok(provision::roster(&self.core.client, &self.core.clinic()).await?)
    }

    /// Gives (`add`) or takes a role; the homeserver refuses what the person may not do.
    pub async fn change_role(&self, user: &str, role: &str, add: bool) -> Result<(), SessionError> {
        let clinic = self.core.clinic();
        let roles = [role.to_owned()];
        if add {
            provision::add_roles(&self.core.client, &clinic, user, &roles).await?;
        } else {
            provision::remove_roles(&self.core.client, &clinic, user, &roles).await?;
        }
        Ok(())
    }

    /// The full user id for `user` (a user name on this person's homeserver, or a full id).
    pub fn user_id_for(&self, user: &str) -> String {
        if user.starts_with('@') {
            user.to_owned()
        } else {
            format!("@{user}:{}", provision::server_name(&self.core.me()))
        }
    }
}
