//! The record of role changes: who gave or took which role, from whom, and when.
//!
//! The homeserver keeps it: a role is membership of the role's space, which only admins may
//! invite to or remove from, so each change is a membership event signed by the admin who made
//! it, in a history the app cannot rewrite. This module reads those events as staff say it.

/// What happened to a person's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChangeKind {
    /// Given by an admin (an invitation to the role's space).
    Given,
    /// Taken by an admin (removed from the role's space, or the invitation withdrawn).
    Taken,
    /// Given up by the person themselves (left the space or declined the invitation).
    GivenUp,
}

/// One change of one person's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    /// When the homeserver recorded it (milliseconds since the epoch).
    pub at: u64,
    /// Who made the change (user id).
    pub by: String,
    /// Whose role changed (user id).
    pub person: String,
    /// The role's id in the clinic policy.
    pub role: String,
    /// Given, taken or given up.
    pub kind: RoleChangeKind,
}

impl RoleChange {
    /// Reads one membership event of `role`'s space: `by` set `person`'s membership to
    /// `membership` (from `previous`, when the homeserver says). Accepting a role (a join) and
    /// a profile change are not changes of role.
    pub fn from_membership(
        role: &str,
        by: &str,
        person: &str,
        membership: &str,
        previous: Option<&str>,
        at: u64,
    ) -> Option<Self> {
        let held_before = matches!(previous, Some("join" | "invite"));
        let kind = match membership {
            "invite" if !held_before => RoleChangeKind::Given,
            "leave" | "ban" if previous.is_none() || held_before => {
                if by == person {
                    RoleChangeKind::GivenUp
                } else {
                    RoleChangeKind::Taken
                }
            }
            _ => return None,
        };
        Some(Self {
            at,
            by: by.to_owned(),
            person: person.to_owned(),
            role: role.to_owned(),
            kind,
        })
    }

    /// The change as staff say it: "Morgan Lee gave Alex Kim the role Billing". `name` gives a
    /// person's name for a user id; `role` is the role's label.
    pub fn sentence(&self, name: impl Fn(&str) -> String, role: &str) -> String {
        let (by, person) = (name(&self.by), name(&self.person));
        match self.kind {
            RoleChangeKind::Given => format!("{by} gave {person} the role {role}"),
            RoleChangeKind::Taken => format!("{by} took the role {role} from {person}"),
            RoleChangeKind::GivenUp => format!("{person} gave up the role {role}"),
        }
    }
}

/// The clinic's role changes as a plain-text document for its records, newest first, each with
/// the user ids as well as the names (names can change). `name` gives a person's name, `role`
/// a role's label, `time` writes a timestamp.
pub fn render_role_history(
    changes: &[RoleChange],
    exported_by: &str,
    exported_at: u64,
    name: impl Fn(&str) -> String,
    role: impl Fn(&str) -> String,
    time: impl Fn(u64) -> String,
) -> String {
    let mut out = format!(
        "Rounds — role changes\nExported by {} at {}\nTimes are the clinic's, with their offset from UTC.\n\
         Recorded by the homeserver: each change is signed by the admin who made it.\n\n",
        name(exported_by),
        time(exported_at)
    );
    if changes.is_empty() {
        out.push_str("No role changes recorded.\n");
    }
    let with_id = |user: &str| format!("{} ({user})", name(user));
    for change in changes {
        out.push_str(&format!(
            "{}  {}\n",
            time(change.at),
            change.sentence(with_id, &role(&change.role))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(membership: &str, previous: Option<&str>, by: &str) -> Option<RoleChangeKind> {
        RoleChange::from_membership("billing", by, "@alex:x", membership, previous, 5).map(|c| c.kind)
    }

    #[test]
    fn an_invitation_gives_a_removal_takes_and_leaving_gives_up() {
        assert_eq!(change("invite", None, "@morgan:x"), Some(RoleChangeKind::Given));
        assert_eq!(
            change("invite", Some("leave"), "@morgan:x"),
            Some(RoleChangeKind::Given)
        );
        assert_eq!(change("leave", Some("join"), "@morgan:x"), Some(RoleChangeKind::Taken));
        assert_eq!(
            change("leave", Some("invite"), "@morgan:x"),
            Some(RoleChangeKind::Taken)
        );
        assert_eq!(change("ban", Some("join"), "@morgan:x"), Some(RoleChangeKind::Taken));
        assert_eq!(change("leave", None, "@morgan:x"), Some(RoleChangeKind::Taken));
        assert_eq!(change("leave", Some("join"), "@alex:x"), Some(RoleChangeKind::GivenUp));
        assert_eq!(
            change("leave", Some("invite"), "@alex:x"),
            Some(RoleChangeKind::GivenUp)
        );
    }

    #[test]
    fn accepting_a_role_or_changing_a_profile_is_not_a_change_of_role() {
        assert_eq!(change("join", Some("invite"), "@alex:x"), None);
        assert_eq!(change("join", Some("join"), "@alex:x"), None);
        assert_eq!(change("invite", Some("invite"), "@morgan:x"), None);
        assert_eq!(change("leave", Some("leave"), "@morgan:x"), None);
        assert_eq!(change("knock", None, "@alex:x"), None);
    }

    #[test]
    fn changes_read_as_staff_say_them_and_the_record_names_ids_too() {
        let name = |u: &str| match u {
            "@morgan:x" => "Morgan Lee".to_owned(),
            _ => "Alex Kim".to_owned(),
        };
        let given = RoleChange::from_membership("billing", "@morgan:x", "@alex:x", "invite", None, 1).unwrap();
        let taken = RoleChange::from_membership("billing", "@morgan:x", "@alex:x", "leave", Some("join"), 2).unwrap();
        let left = RoleChange::from_membership("billing", "@alex:x", "@alex:x", "leave", Some("join"), 3).unwrap();
        assert_eq!(
            given.sentence(name, "Billing"),
            "Morgan Lee gave Alex Kim the role Billing"
        );
        assert_eq!(
            taken.sentence(name, "Billing"),
            "Morgan Lee took the role Billing from Alex Kim"
        );
        assert_eq!(left.sentence(name, "Billing"), "Alex Kim gave up the role Billing");

        let text = render_role_history(
            &[taken, given],
            "@morgan:x",
            9,
            name,
            |_| "Billing".into(),
            |t| format!("t{t}"),
        );
        assert!(
            text.starts_with("Rounds — role changes\nExported by Morgan Lee at t9\n"),
            "{text}"
        );
        assert!(text.contains("t2  Morgan Lee (@morgan:x) took the role Billing from Alex Kim (@alex:x)\n"));
        assert!(
            text.find("t2 ").unwrap() < text.find("t1 ").unwrap(),
            "newest first as given"
        );
        let empty = render_role_history(&[], "@morgan:x", 9, name, |_| String::new(), |t| t.to_string());
        assert!(empty.ends_with("No role changes recorded.\n"));
    }
}
