//! Whether a colleague can be reached: Available, With a patient or Off duty. Carried as Matrix
//! presence plus a status message, so other Matrix clients show it too.

use serde::{Deserialize, Serialize};

/// What staff set (or the schedule sets for them during an appointment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Availability {
    /// Reachable.
    Available,
    /// In an appointment: only urgent messages get through at once.
    WithPatient,
    /// Not working.
    OffDuty,
}

impl Availability {
    /// Every choice, in the order the menu offers them.
    pub const ALL: [Availability; 3] = [
        Availability::Available,
        Availability::WithPatient,
        Availability::OffDuty,
    ];

    /// What staff read, and the status message other clients show.
    pub fn label(self) -> &'static str {
        match self {
            Availability::Available => "Available",
            Availability::WithPatient => "With a patient",
            Availability::OffDuty => "Off duty",
        }
    }

    /// The choice whose [`Availability::label`] is `label`.
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.label() == label)
    }

    /// Whether the presence to report is "online" (else "unavailable": busy, but still
    /// receiving urgent messages).
    pub fn is_online(self) -> bool {
        self == Availability::Available
    }

    /// Reads a colleague's presence: their status message when it is one of ours, else online
    /// as Available; `None` when nothing can be said (offline just means Rounds is closed).
    pub fn from_presence(online: bool, status_msg: Option<&str>) -> Option<Self> {
        match status_msg.and_then(Self::from_label) {
            Some(set) => Some(set),
            None if online => Some(Availability::Available),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_reads_back_as_what_was_set() {
        for a in Availability::ALL {
            assert_eq!(Availability::from_presence(a.is_online(), Some(a.label())), Some(a));
        }
        assert_eq!(
            Availability::from_presence(true, Some("At lunch")),
            Some(Availability::Available)
        );
        assert_eq!(Availability::from_presence(false, None), None);
    }
}
