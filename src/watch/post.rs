//! What the watch posts: the thread a fact opens, and the notices when the EHR shows the work
//! done or the fact again. Each carries a transaction id made from what it is about, so a
//! retried or repeated post is stored once by the homeserver.

use super::facts::{Done, Fact};
use crate::api::rounds::{
    with_mentions, with_txn, PatientRef, Priority, ThreadMeta, ThreadStatus, ThreadUpdate, WatchMeta, WATCH_KEY,
};
use crate::domain::clock::Local;
use crate::domain::{WatchKind, WatchRule};
use crate::fhir::instant;

/// A thread root for `fact` about the patient `display`, as `rule` says, mentioning `people`.
pub fn root_content(
    fact: &Fact,
    display: &str,
    rule: &WatchRule,
    people: &[String],
    offset_minutes: i32,
) -> serde_json::Value {
    // ` Tue 14:00`, or nothing when the EHR gave no time.
    let when = visit_time(fact, offset_minutes)
        .map(|t| format!(" {t}"))
        .unwrap_or_default();
    let service = fact.service.as_deref().unwrap_or("visit");
    let (topic, message) = match fact.kind {
        WatchKind::MissedVisit => (
            format!("Missed visit{when}: please reschedule"),
            format!("The EHR shows {display} did not come to the {service} visit{when}. Please reschedule."),
        ),
        WatchKind::PatientCancelled => (
            "Client canceled — please confirm reschedule".to_owned(),
            format!("{display} cancelled the {service} visit{when}. Please confirm a new time."),
        ),
        WatchKind::NewReferral => (
            "New referral needs follow-up by end of today".to_owned(),
            format!(
                "The EHR has a new referral for {display}: {}. Please contact the family and book a first visit.",
                fact.service.as_deref().unwrap_or("no service named")
            ),
        ),
    };
    let meta = ThreadMeta {
        topic,
        patient: Some(PatientRef {
            display: display.to_owned(),
            id: Some(fact.patient.clone()),
        }),
        priority: if rule.urgent {
            Priority::Urgent
        } else {
            Priority::Routine
        },
        to_roles: rule.roles.clone(),
        category: None,
    };
    let mut content = with_mentions(meta.root_content(&message), people);
    content[WATCH_KEY] = serde_json::to_value(WatchMeta {
        kind: fact.kind.id().to_owned(),
        resource: fact.resource.clone(),
        version: fact.version.clone(),
    })
    .expect("watch metadata serialises");
    with_txn(content, &txn("open", &[&fact.key()]))
}

/// The notice that the work is done (`how`: what the EHR shows), then the update resolving the
/// thread; `because` names the change that showed it.
pub fn resolution(root: &str, latest: &str, how: &str, because: &str) -> [(&'static str, serde_json::Value); 2] {
    [
        notice(
            root,
            latest,
            &format!("Resolved: {how}."),
            &txn("resolved-notice", &[root, because]),
        ),
        update(root, latest, ThreadStatus::Resolved, &txn("resolved", &[root, because])),
    ]
}

/// What showed the work done, as the resolution notice says it (`new appointment booked Tue
/// 14:00`).
pub fn done(how: &Done, offset_minutes: i32) -> String {
    match how {
        Done::Booked { start } => match clock(start.as_deref(), offset_minutes) {
            Some(at) => format!("new appointment booked {at}"),
            None => "new appointment booked".to_owned(),
        },
        // In staff's words, not FHIR's status codes.
        Done::ReferralClosed { status } => match status.as_str() {
            "completed" => "the referral is completed in the EHR",
            "revoked" => "the referral was withdrawn in the EHR",
            _ => "the referral was removed from the EHR as entered in error",
        }
        .to_owned(),
    }
}

/// The notice that the EHR shows the fact again (version `version`), then the update reopening
/// the thread.
pub fn reopening(root: &str, latest: &str, fact: &Fact, offset_minutes: i32) -> [(&'static str, serde_json::Value); 2] {
    let service = fact.service.as_deref().unwrap_or("patient's");
    let when = visit_time(fact, offset_minutes)
        .map(|t| format!(" {t}"))
        .unwrap_or_default();
    let text = match fact.kind {
        WatchKind::MissedVisit => {
            format!("Open again: the EHR shows the {service} visit{when} as missed once more.")
        }
        WatchKind::PatientCancelled => {
            format!("Open again: the EHR shows the {service} visit{when} as cancelled by the patient once more.")
        }
        WatchKind::NewReferral => "Open again: the EHR shows the referral active once more.".to_owned(),
    };
    [
        notice(root, latest, &text, &txn("reopened-notice", &[root, &fact.version])),
        update(
            root,
            latest,
            ThreadStatus::Open,
            &txn("reopened", &[root, &fact.version]),
        ),
    ]
}

/// `Tue 14:00`: when the visit was, in the clinic's time (`None` when the EHR gave no time).
pub fn visit_time(fact: &Fact, offset_minutes: i32) -> Option<String> {
    clock(fact.start.as_deref(), offset_minutes)
}

/// The FHIR instant `at` as `Tue 14:00` in the clinic's time.
fn clock(at: Option<&str>, offset_minutes: i32) -> Option<String> {
    at.and_then(instant::parse)
        .map(|ms| Local::at(ms, offset_minutes).weekday_clock())
}

fn notice(root: &str, latest: &str, text: &str, txn_id: &str) -> (&'static str, serde_json::Value) {
    let content = serde_json::json!({
        "msgtype": "m.notice",
        "body": text,
        "m.relates_to": crate::api::events::ThreadRelation::new(root, latest),
    });
    (crate::api::events::MESSAGE, with_txn(content, txn_id))
}

fn update(root: &str, latest: &str, status: ThreadStatus, txn_id: &str) -> (&'static str, serde_json::Value) {
    let change = ThreadUpdate {
        status: Some(status),
        priority: None,
    };
    (
        crate::api::rounds::THREAD_UPDATE,
        with_txn(change.content(root, latest), txn_id),
    )
}

/// A transaction id for what `parts` name: the same post always gets the same one.
pub fn txn(what: &str, parts: &[&str]) -> String {
    let named: String = parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("watch-{what}-{named}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WatchRule;

    fn missed(start: Option<&str>) -> Fact {
        Fact {
            kind: WatchKind::MissedVisit,
            resource: "Appointment/a1".into(),
            version: "2".into(),
            patient: "Patient/p1".into(),
            service: Some("Speech-language pathology".into()),
            start: start.map(str::to_owned),
            seen_at: 0,
        }
    }

    #[test]
    fn a_missed_visit_names_its_time_and_reads_well_without_one() {
        let rule = WatchRule::default_for(WatchKind::MissedVisit);
        let with = root_content(&missed(Some("2026-12-08T14:00:00Z")), "Maya R.", &rule, &[], 0);
        assert_eq!(
            with["app.rounds.thread"]["topic"],
            "Missed visit Tue 14:00: please reschedule"
        );
        let without = root_content(&missed(None), "Maya R.", &rule, &[], 0);
        assert_eq!(without["app.rounds.thread"]["topic"], "Missed visit: please reschedule");
        assert!(without["body"]
            .as_str()
            .unwrap()
            .ends_with("did not come to the Speech-language pathology visit. Please reschedule."));
        // A closed referral is said in staff's words, never as a FHIR status code.
        let closed = |status: &str| done(&Done::ReferralClosed { status: status.into() }, 0);
        assert_eq!(closed("revoked"), "the referral was withdrawn in the EHR");
        assert!(!closed("entered-in-error").contains("entered-in-error"));
        // The same fact is always the same post.
        assert_eq!(
            with["app.rounds.txn"],
            root_content(&missed(Some("2026-12-08T14:00:00Z")), "Maya R.", &rule, &[], 0)["app.rounds.txn"]
        );
    }
}
