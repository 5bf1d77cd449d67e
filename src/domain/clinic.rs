//! The clinic: its roles, its categories and which roles may see each category.
//!
//! [`ClinicPolicy`] serialises to exactly the content of the clinic space's `app.rounds.clinic`
//! state event (see `docs/PROTOCOL.md`).

use super::attachment::AttachmentRules;
use super::watch::{rule_for, WatchKind, WatchRule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Role ids of the default policy.
pub mod roles {
    /// Therapists and other clinicians.
    pub const CLINICIAN: &str = "clinician";
    /// Front desk and scheduling.
    pub const FRONT_DESK: &str = "front-desk";
    /// Billing.
    pub const BILLING: &str = "billing";
    /// Clinic administrators (power 100 everywhere).
    pub const ADMIN: &str = "admin";
}

/// A role staff can hold; holding it means being a member of its role space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Stable id, such as `front-desk`.
    pub id: String,
    /// Label shown to staff, such as `Front desk`.
    pub label: String,
    /// Room id of the role space, once provisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
    /// The category people with this role land on (front desk: scheduling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
}

/// A category of threads; each has its own room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable id, such as `scheduling`.
    pub id: String,
    /// Label shown to staff.
    pub label: String,
    /// Role ids allowed to see and post in this category.
    pub roles: Vec<String>,
    /// Room id of the category room, once provisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// What happens to an urgent thread nobody acknowledges; `None`: nothing beyond the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
    /// Message templates the composer offers in this category (`{date}`-style placeholders are
    /// for the writer to replace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
    /// How long messages of this category are kept, in minutes (`None`: as long as the
    /// homeserver keeps anything). The homeserver purges what is older (`m.room.retention`) and
    /// Rounds neither shows nor keeps it on the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_minutes: Option<u32>,
}

impl Category {
    /// The retention period in milliseconds, if the category has one.
    pub fn retention_ms(&self) -> Option<u64> {
        self.retention_minutes.map(|m| u64::from(m) * 60_000)
    }
}

/// Most templates one category may offer (a longer list is no quicker than typing).
pub const MAX_TEMPLATES: usize = 20;
/// Longest template, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 500;

/// Escalation of unacknowledged urgent threads in one category (run by the escalation service).
///
/// One window after an urgent thread started waiting, the roles it is addressed to are reminded;
/// one more window later the backup role is called in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// Seconds between the thread, the reminder and the call to the backup role.
    pub window_seconds: u32,
    /// The role called in when the reminder brought no acknowledgement.
    pub backup_role: String,
}

impl Escalation {
    /// Shortest window accepted (seconds; test-sized windows are a few seconds).
    pub const MIN_WINDOW_SECONDS: u32 = 1;
    /// Longest window accepted: an urgent thread left a day is no longer handled by escalation.
    pub const MAX_WINDOW_SECONDS: u32 = 24 * 60 * 60;

    /// The window in milliseconds.
    pub fn window_ms(&self) -> u64 {
        u64::from(self.window_seconds) * 1000
    }
}

/// The clinic's policy: name, roles and categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicPolicy {
    /// The clinic's display name.
    pub name: String,
    /// Roles, in display order.
    pub roles: Vec<Role>,
    /// Categories, in display order.
    pub categories: Vec<Category>,
    /// The clinic's escalation service account: only its notices count as escalations, and it
    /// holds no role although it reads the role spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_service: Option<String>,
    /// Minutes after sending during which staff may retract their own message (admins may
    /// retract any message at any time). The homeserver enforces it (`deploy/synapse`).
    #[serde(default = "ClinicPolicy::default_retraction_window")]
    pub retraction_window_minutes: u32,
    /// How large attachments may be and of which types (checked before upload; the
    /// homeserver's `max_upload_size` is the limit it enforces).
    #[serde(default)]
    pub attachments: AttachmentRules,
    /// The clinic's own rules for work the EHR opens (`rounds-watch`); a kind not listed
    /// follows its default ([`super::watch::rule_for`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<WatchRule>,
}

/// Why a policy is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// The clinic has no name.
    EmptyName,
    /// Two roles, or two categories, share an id.
    DuplicateId(String),
    /// A category names a role the policy does not define.
    UnknownRole {
        /// The category.
        category: String,
        /// The unknown role.
        role: String,
    },
    /// A category keeps messages for no time at all.
    Retention {
        /// The category.
        category: String,
    },
    /// The policy has no `admin` role, so nobody could change it.
    NoAdminRole,
    /// The attachment rules are not usable (what is wrong).
    Attachments(String),
    /// A rule for work the EHR opens cannot be followed.
    Watch {
        /// The kind of EHR fact (its label).
        kind: String,
        /// What is wrong.
        problem: String,
    },
    /// A category's escalation window is outside what the policy accepts.
    EscalationWindow {
        /// The category.
        category: String,
        /// The window given, in seconds.
        seconds: u32,
    },
    /// A category escalates to a role the policy does not define, or one that cannot see it.
    BackupRole {
        /// The category.
        category: String,
        /// The backup role.
        role: String,
        /// Whether the role exists at all.
        exists: bool,
    },
    /// A category's templates are empty, too long, repeated or too many.
    Templates {
        /// The category.
        category: String,
        /// What is wrong.
        problem: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::EmptyName => write!(f, "the clinic needs a name"),
            PolicyError::DuplicateId(id) => write!(f, "the id '{id}' is used twice"),
            PolicyError::UnknownRole { category, role } => {
                write!(f, "category '{category}' allows unknown role '{role}'")
            }
            PolicyError::NoAdminRole => write!(f, "the policy must define the 'admin' role"),
            PolicyError::EscalationWindow { category, seconds } => write!(
                f,
                "category '{category}': an escalation window of {seconds} s is not sensible \
                 (give {} s to {} s)",
                Escalation::MIN_WINDOW_SECONDS,
                Escalation::MAX_WINDOW_SECONDS
            ),
            PolicyError::BackupRole {
                category,
                role,
                exists: false,
            } => {
                write!(f, "category '{category}' escalates to unknown role '{role}'")
            }
            PolicyError::BackupRole { category, role, .. } => write!(
                f,
                "category '{category}' escalates to role '{role}', which cannot see it"
            ),
            PolicyError::Templates { category, problem } => write!(f, "category '{category}': {problem}"),
            PolicyError::Attachments(problem) => write!(f, "attachments: {problem}"),
            PolicyError::Watch { kind, problem } => write!(f, "{kind} from the EHR: {problem}"),
            PolicyError::Retention { category } => {
                write!(
                    f,
                    "category '{category}': a retention period must be at least one minute"
                )
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// (id, label, home category)
const DEFAULT_ROLES: [(&str, &str, Option<&str>); 4] = [
    (roles::CLINICIAN, "Clinician", Some("clinical")),
    (roles::FRONT_DESK, "Front desk", Some("scheduling")),
    (roles::BILLING, "Billing", Some("billing")),
    (roles::ADMIN, "Admin", None),
];

const DEFAULT_CATEGORIES: [(&str, &str, &[&str]); 7] = [
    ("clinical", "Clinical", &[roles::CLINICIAN, roles::ADMIN]),
    (
        "scheduling",
        "Scheduling",
        &[roles::CLINICIAN, roles::FRONT_DESK, roles::ADMIN],
    ),
    (
        "authorization",
        "Authorization",
        &[roles::CLINICIAN, roles::FRONT_DESK, roles::BILLING, roles::ADMIN],
    ),
    ("billing", "Billing", &[roles::BILLING, roles::ADMIN]),
    (
        "referral",
        "Referral",
        &[roles::CLINICIAN, roles::FRONT_DESK, roles::ADMIN],
    ),
    (
        "documentation",
        "Documentation",
        &[roles::CLINICIAN, roles::BILLING, roles::ADMIN],
    ),
    (
        "staffing",
        "Staffing",
        &[roles::CLINICIAN, roles::FRONT_DESK, roles::ADMIN],
    ),
];

impl ClinicPolicy {
    /// For each category room with a retention period: the time (milliseconds) before which its
    /// messages have expired at `now`.
    pub fn retention_cutoffs(&self, now: u64) -> std::collections::HashMap<String, u64> {
        self.categories
            .iter()
            .filter_map(|c| Some((c.room.clone()?, now.saturating_sub(c.retention_ms()?))))
            .collect()
    }

    /// How long direct conversations keep messages, in milliseconds: the shortest period of any
    /// category (a conversation may be about anything the categories are; `None`: no category
    /// limits it).
    pub fn conversation_retention_ms(&self) -> Option<u64> {
        self.categories.iter().filter_map(Category::retention_ms).min()
    }

    /// Retraction window of a policy that does not set one: long enough to notice a message
    /// went to the wrong thread, short enough that the record stays settled.
    pub fn default_retraction_window() -> u32 {
        15
    }

    /// The default policy of DESIGN.md for a clinic called `name`, not yet provisioned.
    pub fn with_defaults(name: &str) -> Self {
        ClinicPolicy {
            name: name.to_owned(),
            roles: DEFAULT_ROLES
                .iter()
                .map(|(id, label, home)| Role {
                    id: (*id).into(),
                    label: (*label).into(),
                    space: None,
                    home: home.map(str::to_owned),
                })
                .collect(),
            categories: DEFAULT_CATEGORIES
                .iter()
                .map(|(id, label, allowed)| Category {
                    id: (*id).into(),
                    label: (*label).into(),
                    roles: allowed.iter().map(|r| (*r).to_owned()).collect(),
                    room: None,
                    escalation: None,
                    templates: Vec::new(),
                    retention_minutes: None,
                })
                .collect(),
            escalation_service: None,
            retraction_window_minutes: Self::default_retraction_window(),
            attachments: AttachmentRules::default(),
            watch: Vec::new(),
        }
    }

    /// Checks names, unique ids and role references.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.name.trim().is_empty() {
            return Err(PolicyError::EmptyName);
        }
        // Roles and categories are separate namespaces ("billing" is both).
        let role_ids = self.roles.iter().map(|r| &r.id);
        let category_ids = self.categories.iter().map(|c| &c.id);
        if let Some(id) = first_duplicate(role_ids).or_else(|| first_duplicate(category_ids)) {
            return Err(PolicyError::DuplicateId(id.clone()));
        }
        if self.role(roles::ADMIN).is_none() {
            return Err(PolicyError::NoAdminRole);
        }
        for category in &self.categories {
            if let Some(role) = category.roles.iter().find(|r| self.role(r).is_none()) {
                return Err(PolicyError::UnknownRole {
                    category: category.id.clone(),
                    role: role.clone(),
                });
            }
            if let Some(escalation) = &category.escalation {
                self.validate_escalation(category, escalation)?;
            }
            validate_templates(category)?;
            if category.retention_minutes == Some(0) {
                return Err(PolicyError::Retention {
                    category: category.id.clone(),
                });
            }
        }
        for kind in WatchKind::ALL {
            self.validate_watch(&self.watch_rule(kind))?;
        }
        self.attachments.validate().map_err(PolicyError::Attachments)
    }

    /// What the clinic does with EHR facts of `kind`.
    pub fn watch_rule(&self, kind: WatchKind) -> WatchRule {
        rule_for(&self.watch, kind)
    }

    /// An enabled rule must open its threads where its roles read (a disabled one may name
    /// what the clinic no longer has).
    fn validate_watch(&self, rule: &WatchRule) -> Result<(), PolicyError> {
        if !rule.enabled {
            return Ok(());
        }
        let refused = |problem: String| PolicyError::Watch {
            kind: rule.kind.label().to_owned(),
            problem,
        };
        let category = self
            .category(&rule.category)
            .ok_or_else(|| refused(format!("there is no category \"{}\"", rule.category)))?;
        if rule.roles.is_empty() {
            return Err(refused("it is addressed to no role".into()));
        }
        if let Some(role) = rule.roles.iter().find(|r| !category.roles.contains(r)) {
            return Err(refused(format!("the role \"{role}\" cannot read {}", category.label)));
        }
        Ok(())
    }

    fn validate_escalation(&self, category: &Category, escalation: &Escalation) -> Result<(), PolicyError> {
        let window = escalation.window_seconds;
        if !(Escalation::MIN_WINDOW_SECONDS..=Escalation::MAX_WINDOW_SECONDS).contains(&window) {
            return Err(PolicyError::EscalationWindow {
                category: category.id.clone(),
                seconds: window,
            });
        }
        let backup = &escalation.backup_role;
        if self.role(backup).is_none() || !category.roles.contains(backup) {
            return Err(PolicyError::BackupRole {
                category: category.id.clone(),
                role: backup.clone(),
                exists: self.role(backup).is_some(),
            });
        }
        Ok(())
    }

    /// The role with this id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The category whose room is `room_id`.
    pub fn category_by_room(&self, room_id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.room.as_deref() == Some(room_id))
    }

    /// The role whose space is `room_id`.
    pub fn role_by_space(&self, room_id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.space.as_deref() == Some(room_id))
    }

    /// Categories that any of `held` roles may see, in policy order.
    pub fn categories_for<'a>(&'a self, held: &'a [String]) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories
            .iter()
            .filter(move |c| c.roles.iter().any(|r| held.contains(r)))
    }
}

fn validate_templates(category: &Category) -> Result<(), PolicyError> {
    let problem = |problem: String| PolicyError::Templates {
        category: category.id.clone(),
        problem,
    };
    let templates = &category.templates;
    if templates.len() > MAX_TEMPLATES {
        return Err(problem(format!(
            "{} templates (at most {MAX_TEMPLATES})",
            templates.len()
        )));
    }
    if templates.iter().any(|t| t.trim().is_empty()) {
        return Err(problem("a template is empty".into()));
    }
    if let Some(long) = templates.iter().find(|t| t.chars().count() > MAX_TEMPLATE_CHARS) {
        let start: String = long.chars().take(30).collect();
        return Err(problem(format!(
            "the template '{start}…' is longer than {MAX_TEMPLATE_CHARS} characters"
        )));
    }
    if let Some(twice) = first_duplicate(templates.iter()) {
        return Err(problem(format!("the template '{twice}' is there twice")));
    }
    Ok(())
}

fn first_duplicate<'a>(mut ids: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let mut seen = BTreeSet::new();
    ids.find(|id| !seen.insert(id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_matches_design() {
        let p = ClinicPolicy::with_defaults("Riverside Therapy");
        p.validate().unwrap();
        let front_desk = vec![roles::FRONT_DESK.to_owned()];
        let seen: Vec<_> = p.categories_for(&front_desk).map(|c| c.id.as_str()).collect();
        assert_eq!(seen, ["scheduling", "authorization", "referral", "staffing"]);
        let billing = vec![roles::BILLING.to_owned()];
        let seen: Vec<_> = p.categories_for(&billing).map(|c| c.id.as_str()).collect();
        assert_eq!(seen, ["authorization", "billing", "documentation"]);
        let admin = vec![roles::ADMIN.to_owned()];
        assert_eq!(p.categories_for(&admin).count(), 7);
    }

    #[test]
    fn invalid_policies_are_refused() {
        let mut p = ClinicPolicy::with_defaults("X");
        p.categories[0].roles.push("janitor".into());
        assert!(matches!(p.validate(), Err(PolicyError::UnknownRole { .. })));
        let mut p = ClinicPolicy::with_defaults("X");
        p.roles.retain(|r| r.id != roles::ADMIN);
        p.categories
            .iter_mut()
            .for_each(|c| c.roles.retain(|r| r != roles::ADMIN));
        assert_eq!(p.validate(), Err(PolicyError::NoAdminRole));
        let p = ClinicPolicy::with_defaults("  ");
        assert_eq!(p.validate(), Err(PolicyError::EmptyName));
    }

    #[test]
    fn nonsense_escalations_are_refused() {
        let with = |window_seconds: u32, backup: &str| {
            let mut p = ClinicPolicy::with_defaults("X");
            p.categories[0].escalation = Some(Escalation {
                window_seconds,
                backup_role: backup.into(),
            });
            p.validate()
        };
        assert_eq!(with(300, roles::ADMIN), Ok(()));
        assert!(matches!(
            with(0, roles::ADMIN),
            Err(PolicyError::EscalationWindow { seconds: 0, .. })
        ));
        assert!(matches!(
            with(90_000, roles::ADMIN),
            Err(PolicyError::EscalationWindow { .. })
        ));
        // Clinical is not billing's: a backup role must see the category it is called into.
        let refused = with(300, roles::BILLING).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "category 'clinical' escalates to role 'billing', which cannot see it"
        );
        assert!(matches!(
            with(300, "janitor"),
            Err(PolicyError::BackupRole { exists: false, .. })
        ));
    }

    #[test]
    fn nonsense_templates_are_refused() {
        let with = |templates: &[&str]| {
            let mut p = ClinicPolicy::with_defaults("X");
            p.categories[1].templates = templates.iter().map(|t| (*t).to_owned()).collect();
            p.validate().map_err(|e| e.to_string())
        };
        assert_eq!(
            with(&["Patient has arrived", "Authorization approved through {date}"]),
            Ok(())
        );
        assert_eq!(with(&["  "]), Err("category 'scheduling': a template is empty".into()));
        assert!(with(&["Hi", "Hi"]).unwrap_err().contains("'Hi' is there twice"));
        assert!(with(&[&"x".repeat(501)])
            .unwrap_err()
            .contains("longer than 500 characters"));
        let many: Vec<String> = (0..21).map(|i| format!("Template {i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(with(&many).unwrap_err().contains("21 templates (at most 20)"));
    }

    #[test]
    fn round_trips_as_state_content() {
        let mut p = ClinicPolicy::with_defaults("Riverside");
        p.categories[0].room = Some("!a:x".into());
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["categories"][0]["room"], "!a:x");
        assert!(json["categories"][1].get("room").is_none());
        let back: ClinicPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_watch_rule_must_open_threads_its_roles_can_read() {
        use crate::domain::watch::{with_rule, WatchKind, WatchRule};
        let mut p = ClinicPolicy::with_defaults("Riverside");
        assert!(p.validate().is_ok(), "the defaults hold");
        let missed = WatchRule::default_for(WatchKind::MissedVisit);
        let with = |rule: WatchRule| ClinicPolicy {
            watch: with_rule(&[], rule),
            ..p.clone()
        };
        let billing = with(WatchRule {
            roles: vec![roles::BILLING.into()],
            ..missed.clone()
        });
        assert!(matches!(billing.validate(), Err(PolicyError::Watch { .. })));
        let nowhere = with(WatchRule {
            category: "nowhere".into(),
            ..missed.clone()
        });
        assert!(matches!(nowhere.validate(), Err(PolicyError::Watch { .. })));
        let nobody = with(WatchRule {
            roles: Vec::new(),
            ..missed.clone()
        });
        assert!(matches!(nobody.validate(), Err(PolicyError::Watch { .. })));
        // Switched off, a rule may name what the clinic no longer has.
        p = with(WatchRule {
            enabled: false,
            category: "nowhere".into(),
            ..missed
        });
        assert!(p.validate().is_ok());
        assert!(!p.watch_rule(WatchKind::MissedVisit).enabled);
    }
}
