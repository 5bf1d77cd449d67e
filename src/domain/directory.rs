//! The clinic's staff directory: who holds which role, as the clinic's admins publish it in the
//! clinic space (`app.rounds.staff`, one state event per person). Addressing a role and `@`
//! mentions resolve through it; the homeserver's role spaces stay the source of access.

use super::clinic::{roles::ADMIN, ClinicPolicy};
use super::thread::fold;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One person in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Person {
    /// Display name, when known.
    pub name: Option<String>,
    /// Role ids held.
    pub roles: Vec<String>,
}

/// Whether someone holding `held` is addressed as `role`: they hold it, but admins (who stay in
/// every role space) count only for the admin role itself. The one rule for role mentions, the
/// escalation service and "For my role".
pub fn addressed_as<S: AsRef<str>>(held: &[S], role: &str) -> bool {
    let holds = |r: &str| held.iter().any(|h| h.as_ref() == r);
    holds(role) && (role == ADMIN || !holds(ADMIN))
}

/// Who holds which role.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Directory {
    people: BTreeMap<String, Person>,
}

/// Something `@` can address: a role or a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    /// What is written after `@` (the role's label or the person's name).
    pub label: String,
    /// The role id, for a role.
    pub role: Option<String>,
}

impl Directory {
    /// Records what the clinic says about `user_id`; no roles removes them.
    pub fn set(&mut self, user_id: &str, person: Person) {
        if person.roles.is_empty() {
            self.people.remove(user_id);
        } else {
            self.people.insert(user_id.to_owned(), person);
        }
    }

    /// What the clinic says about `user_id`, if they are on the staff.
    pub fn person(&self, user_id: &str) -> Option<&Person> {
        self.people.get(user_id)
    }

    /// Everyone on the staff, by user id.
    pub fn people(&self) -> impl Iterator<Item = (&str, &Person)> {
        self.people.iter().map(|(id, p)| (id.as_str(), p))
    }

    /// Whether nothing is known yet.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The people addressed as `role` ([`addressed_as`]).
    pub fn members<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.people
            .iter()
            .filter(move |(_, p)| addressed_as(&p.roles, role))
            .map(|(id, _)| id.as_str())
    }

    /// Whom a message mentions (`m.mentions.user_ids`): the members of the roles it is addressed
    /// to, and every role or person written as `@Label` / `@Name` in `text`; never `me`.
    pub fn mentions(&self, policy: &ClinicPolicy, text: &str, to_roles: &[String], me: &str) -> Vec<String> {
        let written = fold(text);
        let says = |label: &str| written.contains(&format!("@{}", fold(label)));
        let roles = policy
            .roles
            .iter()
            .filter(|r| to_roles.contains(&r.id) || says(&r.label))
            .map(|r| r.id.as_str());
        let mut people: BTreeSet<&str> = roles.flat_map(|r| self.members(r)).collect();
        people.extend(
            self.people
                .iter()
                .filter(|(_, p)| p.name.as_deref().is_some_and(says))
                .map(|(id, _)| id.as_str()),
        );
        people.remove(me);
        people.into_iter().map(str::to_owned).collect()
    }

    /// What `@` offers for `typed` (the text after `@`) in a category that `seeing` roles can
    /// see: those roles, then people holding one, whose label starts with it (or any word of a
    /// name does), at most `limit`.
    pub fn addressees(&self, policy: &ClinicPolicy, seeing: &[String], typed: &str, limit: usize) -> Vec<Addressee> {
        let typed = fold(typed.trim());
        let matches = |label: &str| {
            let label = fold(label);
            label.starts_with(&typed) || label.split_whitespace().any(|w| w.starts_with(&typed))
        };
        let roles = policy
            .roles
            .iter()
            .filter(|r| seeing.contains(&r.id) && matches(&r.label))
            .map(|r| Addressee {
                label: r.label.clone(),
                role: Some(r.id.clone()),
            });
        let people = self
            .people
            .values()
            .filter(|p| p.roles.iter().any(|r| seeing.contains(r)))
            .filter_map(|p| p.name.clone())
            .filter(|name| matches(name))
            .map(|label| Addressee { label, role: None });
        roles.chain(people).take(limit).collect()
    }
}

/// The `@…` being typed just before `caret` (a byte offset in `text`): where its `@` is and
/// what follows it. `None` when the caret is not in one (an `@` inside a word, such as an email
/// address, or more than three words back, does not count).
pub fn typed_mention(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let typed = &before[at + 1..];
    let starts_word = before[..at].chars().next_back().is_none_or(char::is_whitespace);
    let plausible = !typed.contains('\n') && typed.split(' ').count() <= 3 && typed.chars().count() <= 40;
    (starts_word && plausible).then_some((at, typed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        let mut d = Directory::default();
        let person = |name: &str, roles: &[&str]| Person {
            name: Some(name.into()),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        };
        d.set("@priya:x", person("Priya Shah", &["clinician"]));
        d.set("@jordan:x", person("Jordan Ellis", &["clinician"]));
        d.set("@dana:x", person("Dana Brooks", &["front-desk"]));
        d.set("@sam:x", person("Sam Ortiz", &["billing"]));
        d.set(
            "@morgan:x",
            person("Morgan Reyes", &["clinician", "front-desk", "billing", "admin"]),
        );
        d
    }

    #[test]
    fn a_role_reaches_its_members_and_no_one_else() {
        let policy = ClinicPolicy::with_defaults("X");
        let d = directory();
        let to_clinicians = d.mentions(
            &policy,
            "Client in lobby, who can come?",
            &["clinician".into()],
            "@dana:x",
        );
        assert_eq!(to_clinicians, ["@jordan:x", "@priya:x"]);
        // Written in the text, by label, in any case; the writer is never mentioned.
        assert_eq!(
            d.mentions(&policy, "@front desk please call", &[], "@dana:x"),
            Vec::<String>::new()
        );
        assert_eq!(
            d.mentions(&policy, "@Front desk please call", &[], "@priya:x"),
            ["@dana:x"]
        );
        assert_eq!(d.mentions(&policy, "Thanks @Sam Ortiz", &[], "@dana:x"), ["@sam:x"]);
        assert_eq!(
            d.mentions(&policy, "@Admin can you approve?", &[], "@dana:x"),
            ["@morgan:x"]
        );
        assert!(d.mentions(&policy, "no one in particular", &[], "@dana:x").is_empty());
    }

    #[test]
    fn the_mention_being_typed_is_found_before_the_caret() {
        assert_eq!(typed_mention("Can @cl", 7), Some((4, "cl")));
        assert_eq!(typed_mention("@", 1), Some((0, "")));
        assert_eq!(typed_mention("Can @Front de", 13), Some((4, "Front de")));
        assert_eq!(typed_mention("mail dana@clinic", 16), None);
        assert_eq!(typed_mention("@Priya Shah thanks for taking this on", 37), None);
        assert_eq!(typed_mention("@cl\nnext", 8), None);
        assert_eq!(typed_mention("é @x", 5), Some((3, "x")));
    }

    #[test]
    fn at_offers_roles_then_people() {
        let policy = ClinicPolicy::with_defaults("X");
        let d = directory();
        let everyone: Vec<String> = policy.roles.iter().map(|r| r.id.clone()).collect();
        let labels = |seeing: &[String], typed: &str| -> Vec<String> {
            d.addressees(&policy, seeing, typed, 5)
                .into_iter()
                .map(|a| a.label)
                .collect()
        };
        assert_eq!(labels(&everyone, "cl"), ["Clinician"]);
        assert_eq!(labels(&everyone, "s"), ["Priya Shah", "Sam Ortiz"]);
        assert_eq!(labels(&everyone, "fr"), ["Front desk"]);
        assert_eq!(labels(&everyone, "").len(), 5);
        // In Scheduling (clinicians, front desk, admins) billing is not offered.
        let scheduling = &policy.category("scheduling").unwrap().roles;
        assert_eq!(labels(scheduling, "s"), ["Priya Shah"]);
        assert!(labels(scheduling, "bi").is_empty());
        let removed = Person::default();
        let mut d2 = d.clone();
        d2.set("@sam:x", removed);
        assert_eq!(d2.members("billing").count(), 0);
    }
}
