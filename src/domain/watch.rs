//! Work the EHR opens (`rounds-watch`): for each kind of EHR fact, whether it opens a thread,
//! in which category, for which roles, how urgent, and how soon it must be followed up. The
//! rules live in the clinic's policy; a kind the policy does not mention follows its default.

use serde::{Deserialize, Serialize};

use super::clinic::roles;

/// A kind of EHR fact that becomes a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WatchKind {
    /// The patient did not come (an Appointment marked `noshow`).
    MissedVisit,
    /// The patient cancelled (an Appointment `cancelled` with a patient reason).
    PatientCancelled,
    /// A referral arrived (a ServiceRequest, ordered or proposed, newly active).
    NewReferral,
}

impl WatchKind {
    /// Every kind, in the order the Staff page lists them.
    pub const ALL: [WatchKind; 3] = [
        WatchKind::MissedVisit,
        WatchKind::PatientCancelled,
        WatchKind::NewReferral,
    ];

    /// The kind's name for staff (`Missed visit`).
    pub fn label(self) -> &'static str {
        match self {
            WatchKind::MissedVisit => "Missed visit",
            WatchKind::PatientCancelled => "Cancelled by the patient",
            WatchKind::NewReferral => "New referral",
        }
    }

    /// The kind's id on the wire and on the command line (`missed-visit`).
    pub fn id(self) -> &'static str {
        match self {
            WatchKind::MissedVisit => "missed-visit",
            WatchKind::PatientCancelled => "patient-cancelled",
            WatchKind::NewReferral => "new-referral",
        }
    }

    /// The kind named `id`.
    pub fn from_id(id: &str) -> Option<WatchKind> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// What the clinic does with one kind of EHR fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchRule {
    /// The kind.
    pub kind: WatchKind,
    /// Whether such facts open threads at all.
    pub enabled: bool,
    /// The category (id) the thread is opened in.
    pub category: String,
    /// Role ids the thread is addressed to.
    pub roles: Vec<String>,
    /// Whether the thread is urgent (it then waits for an acknowledgement, and escalates).
    #[serde(default)]
    pub urgent: bool,
}

impl WatchRule {
    /// The rule a clinic gets without choosing one: the front desk reschedules, in Scheduling,
    /// and follows referrals up, in Referral.
    pub fn default_for(kind: WatchKind) -> WatchRule {
        let category = match kind {
            WatchKind::MissedVisit | WatchKind::PatientCancelled => "scheduling",
            WatchKind::NewReferral => "referral",
        };
        WatchRule {
            kind,
            enabled: true,
            category: category.into(),
            roles: vec![roles::FRONT_DESK.into()],
            urgent: false,
        }
    }
}

/// The rule for `kind` among `rules` (the clinic's), or its default.
pub fn rule_for(rules: &[WatchRule], kind: WatchKind) -> WatchRule {
    rules
        .iter()
        .find(|r| r.kind == kind)
        .cloned()
        .unwrap_or_else(|| WatchRule::default_for(kind))
}

/// `rules` with `rule` in place of the clinic's rule for its kind.
pub fn with_rule(rules: &[WatchRule], rule: WatchRule) -> Vec<WatchRule> {
    let mut out: Vec<WatchRule> = rules.iter().filter(|r| r.kind != rule.kind).cloned().collect();
    out.push(rule);
    out.sort_by_key(|r| r.kind);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_the_clinic_left_alone_follows_its_default() {
        let rule = rule_for(&[], WatchKind::MissedVisit);
        assert!(rule.enabled);
        assert_eq!(rule.category, "scheduling");
        assert_eq!(rule.roles, ["front-desk"]);
    }

    #[test]
    fn the_clinics_own_rule_replaces_the_default_and_only_its_kind() {
        let off = WatchRule {
            enabled: false,
            ..WatchRule::default_for(WatchKind::PatientCancelled)
        };
        let rules = with_rule(&[], off.clone());
        assert_eq!(rule_for(&rules, WatchKind::PatientCancelled), off);
        assert!(rule_for(&rules, WatchKind::MissedVisit).enabled);
        let again = with_rule(&rules, WatchRule::default_for(WatchKind::PatientCancelled));
        assert_eq!(again.len(), 1);
        assert!(rule_for(&again, WatchKind::PatientCancelled).enabled);
    }

    #[test]
    fn kinds_are_named_by_their_ids_on_the_wire() {
        for kind in WatchKind::ALL {
            assert_eq!(WatchKind::from_id(kind.id()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.id());
        }
        assert_eq!(WatchKind::from_id("nonsense"), None);
    }
}
