//! A new thread as it is being written: the New thread dialog's fields, kept as a draft, and
//! what they must say before the thread can be created.

use super::clinic::ClinicPolicy;
use super::thread::{Patient, Priority, ThreadInfo};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The New thread dialog's fields, saved as one draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDraft {
    /// Chosen category room (empty: the first the person may post in).
    pub room_id: String,
    /// Patient field.
    pub patient: String,
    /// The EHR's record of the patient, when one was chosen from the suggestions.
    #[serde(default)]
    pub patient_ref: Option<String>,
    /// Topic field.
    pub topic: String,
    /// Urgent checkbox.
    pub urgent: bool,
    /// First message.
    pub message: String,
    /// Roles the thread is addressed to.
    #[serde(default)]
    pub to_roles: Vec<String>,
    /// Whether the thread is only for chosen colleagues ([`ThreadDraft::to_people`]) rather
    /// than everyone in the category.
    #[serde(default)]
    pub direct: bool,
    /// The colleagues (user ids) a direct thread is for: a conversation with them.
    #[serde(default)]
    pub to_people: Vec<String>,
}

/// What a draft still lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftProblem {
    /// No category the person may post in.
    NoCategory,
    /// The topic is empty.
    NoTopic,
    /// The first message is empty.
    NoMessage,
    /// The thread is only for chosen colleagues, and none is chosen.
    NoPeople,
}

impl fmt::Display for DraftProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DraftProblem::NoCategory => "choose a category",
            DraftProblem::NoTopic => "give the thread a topic",
            DraftProblem::NoMessage => "write the first message",
            DraftProblem::NoPeople => "choose who the thread is for",
        })
    }
}

/// A draft that can be sent: where, what about, and its first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyThread {
    /// The category room (for a direct conversation, the room of its category).
    pub room_id: String,
    /// The colleagues of a direct conversation, sorted (empty: the category's room).
    pub people: Vec<String>,
    /// Topic, patient, priority and the roles addressed.
    pub info: ThreadInfo,
    /// The first message (trailing blank lines dropped).
    pub text: String,
}

impl ThreadDraft {
    /// Whether nothing worth keeping was typed.
    pub fn is_blank(&self) -> bool {
        self.patient.is_empty() && self.topic.is_empty() && self.message.is_empty()
    }

    /// The thread this draft makes, among the category rooms `rooms` the person may post in
    /// (in the policy's order): its category (the first one when none was chosen), only the
    /// roles that can see it addressed.
    pub fn ready(&self, policy: &ClinicPolicy, rooms: &[String]) -> Result<ReadyThread, DraftProblem> {
        let room_id = rooms
            .iter()
            .find(|r| **r == self.room_id)
            .or_else(|| rooms.first().filter(|_| self.room_id.is_empty()))
            .ok_or(DraftProblem::NoCategory)?
            .clone();
        let topic = self.topic.trim();
        if topic.is_empty() {
            return Err(DraftProblem::NoTopic);
        }
        if self.message.trim().is_empty() {
            return Err(DraftProblem::NoMessage);
        }
        let category = policy.category_by_room(&room_id);
        let may_see = category.map(|c| c.roles.clone()).unwrap_or_default();
        let mut people = if self.direct {
            self.to_people.clone()
        } else {
            Vec::new()
        };
        people.sort();
        people.dedup();
        // Never the whole category for a thread meant for a few.
        if self.direct && people.is_empty() {
            return Err(DraftProblem::NoPeople);
        }
        // A direct conversation is addressed to its people; roles do not apply there.
        let direct = self.direct;
        let patient = Some(self.patient.trim())
            .filter(|p| !p.is_empty())
            .map(|display| Patient {
                display: display.to_owned(),
                id: self.patient_ref.clone(),
            });
        Ok(ReadyThread {
            info: ThreadInfo {
                topic: topic.to_owned(),
                patient,
                priority: if self.urgent {
                    Priority::Urgent
                } else {
                    Priority::Routine
                },
                to_roles: self
                    .to_roles
                    .iter()
                    .filter(|r| !direct && may_see.contains(r))
                    .cloned()
                    .collect(),
                category: category.filter(|_| direct).map(|c| c.id.clone()),
                from_ehr: None,
            },
            text: self.message.trim_end().to_owned(),
            room_id,
            people,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> (ClinicPolicy, Vec<String>) {
        let mut policy = ClinicPolicy::with_defaults("Clinic");
        let mut rooms = Vec::new();
        for (i, c) in policy.categories.iter_mut().enumerate() {
            c.room = Some(format!("!room{i}"));
            rooms.push(format!("!room{i}"));
        }
        (policy, rooms)
    }

    #[test]
    fn a_draft_needs_a_topic_and_a_message_and_a_category_the_person_may_post_in() {
        let (policy, rooms) = policy();
        let mut draft = ThreadDraft::default();
        assert_eq!(draft.ready(&policy, &rooms), Err(DraftProblem::NoTopic));
        draft.topic = "  Friday coverage ".into();
        assert_eq!(draft.ready(&policy, &rooms), Err(DraftProblem::NoMessage));
        draft.message = "Who can cover?\n\n".into();
        let ready = draft.ready(&policy, &rooms).unwrap();
        assert_eq!(ready.room_id, rooms[0], "the first category when none was chosen");
        assert_eq!(
            (ready.info.topic.as_str(), ready.text.as_str()),
            ("Friday coverage", "Who can cover?")
        );
        assert_eq!(draft.ready(&policy, &[]), Err(DraftProblem::NoCategory));
        draft.room_id = "!elsewhere".into();
        assert_eq!(
            draft.ready(&policy, &rooms),
            Err(DraftProblem::NoCategory),
            "a room the person may not post in is never chosen for them"
        );
    }

    #[test]
    fn only_roles_that_can_see_the_category_are_addressed() {
        let (policy, rooms) = policy();
        let billing_room = policy
            .categories
            .iter()
            .find(|c| c.id == "billing")
            .unwrap()
            .room
            .clone()
            .unwrap();
        let draft = ThreadDraft {
            room_id: billing_room,
            topic: "Claim".into(),
            message: "Denied".into(),
            patient: " Sara M. ".into(),
            patient_ref: Some("Patient/sara".into()),
            urgent: true,
            to_roles: vec!["clinician".into(), "billing".into()],
            ..ThreadDraft::default()
        };
        let ready = draft.ready(&policy, &rooms).unwrap();
        assert_eq!(ready.info.to_roles, ["billing"]);
        assert_eq!(ready.info.priority, Priority::Urgent);
        assert_eq!(ready.info.title(), "Sara M. – Claim");
        assert_eq!(ready.info.patient.unwrap().id.as_deref(), Some("Patient/sara"));
    }

    #[test]
    fn a_draft_for_a_few_people_keeps_its_category_and_addresses_them_not_roles() {
        let (policy, rooms) = policy();
        let draft = ThreadDraft {
            room_id: rooms[1].clone(),
            topic: "Friday coverage needed".into(),
            message: "Can one of you take the 3 pm?".into(),
            to_roles: vec!["clinician".into()],
            direct: true,
            to_people: vec!["@jordan:x".into(), "@priya:x".into(), "@jordan:x".into()],
            ..ThreadDraft::default()
        };
        let ready = draft.ready(&policy, &rooms).unwrap();
        assert_eq!(ready.people, ["@jordan:x", "@priya:x"]);
        assert!(ready.info.to_roles.is_empty());
        assert_eq!(ready.info.category.as_deref(), Some(policy.categories[1].id.as_str()));
        // Meant for a few and nobody chosen: refused, never sent to the whole category.
        let nobody = ThreadDraft {
            to_people: Vec::new(),
            ..draft.clone()
        };
        assert_eq!(nobody.ready(&policy, &rooms), Err(DraftProblem::NoPeople));
        // Back to everyone: the people once ticked do not count.
        let everyone = ThreadDraft { direct: false, ..draft };
        let ready = everyone.ready(&policy, &rooms).unwrap();
        assert!(ready.people.is_empty());
        assert_eq!(ready.info.category, None);
        assert_eq!(ready.info.to_roles, ["clinician"]);
    }
}
