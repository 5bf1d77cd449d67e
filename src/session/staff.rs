//! Who the person is to the clinic, and for admins, everyone else: roles, categories, the
//! staff list and role changes (the homeserver refuses what the person may not do).

use super::audit::HistoryFile;
use super::core::Core;
use super::error::SessionError;
use crate::api::Transport;
use crate::domain::{clock, render_role_history, ClinicPolicy, StaffView, DIRECT};
use crate::fhir::instant;
use crate::provision::{self, RoleHistory, RosterEntry};
use crate::store::LocalStore;
use crate::sync::Platform;
use std::rc::Rc;

/// One role change, as staff read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChangeLine {
    /// When the homeserver recorded it (milliseconds since the epoch).
    pub at: u64,
    /// "Morgan Lee gave Alex Kim the role Billing".
    pub text: String,
}

/// A colleague a thread can be sent to directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colleague {
    /// Their user id.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// The labels of their roles ("Clinician, Admin").
    pub roles: String,
    /// Role ids they hold.
    pub role_ids: Vec<String>,
}

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

    /// The clinic's service account (its escalation service and EHR watch), if it has one:
    /// only its escalation notices and EHR threads count as such.
    pub fn service_account(&self) -> Option<String> {
        self.core.state.borrow().policy.escalation_service.clone()
    }

    /// The label of the category whose room is `room`; for a direct conversation,
    /// `("direct", "Direct · <the others' names>")` (empty when unknown).
    pub fn category_label(&self, room: &str) -> (String, String) {
        let state = self.core.state.borrow();
        if let Some(members) = state.inbox.conversation(room) {
            let me = state.inbox.me();
            let names: Vec<String> = members.iter().filter(|m| *m != me).map(|m| self.name_of(m)).collect();
            return (DIRECT.to_owned(), format!("Direct · {}", names.join(", ")));
        }
        state
            .policy
            .category_by_room(room)
            .map(|c| (c.id.clone(), c.label.clone()))
            .unwrap_or_default()
    }

    /// Everyone else on the clinic's staff, by name: whom a thread can go to directly.
    pub fn colleagues(&self) -> Vec<Colleague> {
        let state = self.core.state.borrow();
        let me = state.inbox.me();
        let mut colleagues: Vec<Colleague> = state
            .directory
            .people()
            .filter(|(id, _)| *id != me)
            .map(|(id, person)| Colleague {
                user_id: id.to_owned(),
                name: person.name.clone().unwrap_or_else(|| state.inbox.name(id)),
                roles: person
                    .roles
                    .iter()
                    .map(|r| role_label(&state.policy, r))
                    .collect::<Vec<_>>()
                    .join(", "),
                role_ids: person.roles.clone(),
            })
            .collect();
        colleagues.sort_by(|a, b| a.name.cmp(&b.name));
        colleagues
    }

    /// A colleague's name (the clinic's staff list first, then their display name).
    fn name_of(&self, user: &str) -> String {
        let state = self.core.state.borrow();
        let listed = state.directory.person(user).and_then(|p| p.name.clone());
        listed.unwrap_or_else(|| state.inbox.name(user))
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

    /// Every role change the homeserver recorded (who gave or took which role from whom),
    /// newest first. Only admins can read every role's history.
    pub async fn role_history(&self) -> Result<Vec<RoleChangeLine>, SessionError> {
        let history = provision::role_history(&self.core.client, &self.core.clinic()).await?;
        let policy = self.core.policy();
        let name = self.names(&history);
        Ok(history
            .changes
            .iter()
            .map(|change| RoleChangeLine {
                at: change.at,
                text: change.sentence(&name, &role_label(&policy, &change.role)),
            })
            .collect())
    }

    /// The role changes as a text file for the clinic's records, times in the clinic's zone.
    pub async fn export_role_history(&self) -> Result<HistoryFile, SessionError> {
        let history = provision::role_history(&self.core.client, &self.core.clinic()).await?;
        let policy = self.core.policy();
        let platform = &self.core.platform;
        let now = platform.now_ms();
        let text = render_role_history(
            &history.changes,
            &self.core.me(),
            now,
            self.names(&history),
            |role| role_label(&policy, role),
            |ts| clock::iso_local(ts, platform.utc_offset_minutes(ts)),
        );
        let name = format!("role-changes-{}.txt", instant::format(now).replace(':', "-"));
        Ok(HistoryFile { name, text })
    }

    /// A person's name for the record: as the role spaces last named them, else as the inbox
    /// knows them.
    fn names<'a>(&'a self, history: &'a RoleHistory) -> impl Fn(&str) -> String + 'a {
        move |user: &str| {
            history
                .names
                .get(user)
                .cloned()
                .unwrap_or_else(|| self.core.state.borrow().inbox.name(user))
        }
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

/// A role's label in the clinic policy (its id when the policy no longer has it).
fn role_label(policy: &ClinicPolicy, role: &str) -> String {
    policy.role(role).map_or_else(|| role.to_owned(), |r| r.label.clone())
}
