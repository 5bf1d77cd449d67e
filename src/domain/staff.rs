//! What one signed-in staff member may see, derived from server-side membership.

use super::clinic::{Category, ClinicPolicy, Role};
use std::collections::BTreeSet;

/// The signed-in person as the UI shows them: who they are, the roles they hold and the
/// categories they can read.
///
/// Roles come from role-space membership and categories from joined category rooms: both are
/// decided and enforced by the homeserver, so this view never grants more than the server does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffView {
    /// Matrix user id.
    pub user_id: String,
    /// Display name (falls back to the user id's localpart).
    pub display_name: String,
    /// Roles held, in policy order.
    pub roles: Vec<Role>,
    /// Categories readable, in policy order.
    pub categories: Vec<Category>,
}

impl StaffView {
    /// Derives the view from the policy and the set of room ids the user has joined.
    pub fn new(policy: &ClinicPolicy, user_id: &str, display_name: Option<&str>, joined: &BTreeSet<String>) -> Self {
        let is_joined = |room: &Option<String>| room.as_ref().is_some_and(|r| joined.contains(r));
        StaffView {
            user_id: user_id.to_owned(),
            display_name: display_name
                .filter(|n| !n.trim().is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| localpart(user_id).to_owned()),
            roles: policy.roles.iter().filter(|r| is_joined(&r.space)).cloned().collect(),
            categories: policy
                .categories
                .iter()
                .filter(|c| is_joined(&c.room))
                .cloned()
                .collect(),
        }
    }

    /// Whether the person's roles work with appointments (clinicians, front desk, admins): the
    /// EHR decides what they may actually read and change; this only decides what is offered.
    pub fn schedules(&self) -> bool {
        use super::clinic::roles::{ADMIN, CLINICIAN, FRONT_DESK};
        self.roles
            .iter()
            .any(|r| [CLINICIAN, FRONT_DESK, ADMIN].contains(&r.id.as_str()))
    }

    /// The roles threads reach this person through ([`super::addressed_as`]).
    pub fn addressed_as(&self) -> Vec<String> {
        let held: Vec<&str> = self.roles.iter().map(|r| r.id.as_str()).collect();
        held.iter()
            .filter(|role| super::addressed_as(&held, role))
            .map(|role| (*role).to_owned())
            .collect()
    }

    /// Whether the user holds the clinic's admin role.
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.id == super::clinic::roles::ADMIN)
    }
}

/// `alice` from `@alice:example.org`.
pub fn localpart(user_id: &str) -> &str {
    let id = user_id.strip_prefix('@').unwrap_or(user_id);
    id.split(':').next().unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_follows_joined_rooms_only() {
        let mut policy = ClinicPolicy::with_defaults("Riverside");
        for (i, c) in policy.categories.iter_mut().enumerate() {
            c.room = Some(format!("!cat{i}:x"));
        }
        for (i, r) in policy.roles.iter_mut().enumerate() {
            r.space = Some(format!("!role{i}:x"));
        }
        // Front desk is role 1; scheduling is category 1, staffing 6.
        let joined: BTreeSet<String> = ["!role1:x", "!cat1:x", "!cat6:x", "!elsewhere:x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let view = StaffView::new(&policy, "@dana:x", None, &joined);
        assert_eq!(view.display_name, "dana");
        assert_eq!(view.roles.len(), 1);
        assert_eq!(view.roles[0].label, "Front desk");
        let ids: Vec<_> = view.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["scheduling", "staffing"]);
        assert!(!view.is_admin());
    }
}
