//! The typed FHIR client against the local FHIR server (Medplum's router, started and seeded by
//! `scripts/test.sh`): search, paging, read, update with If-Match, conflicts, refusals.
#![cfg(not(target_arch = "wasm32"))]

use rounds::api::NativeTransport;
use rounds::fhir::schedule;
use rounds::fhir::{Appointment, FhirClient, FhirError, Patient, Slot};

fn client() -> FhirClient<NativeTransport> {
    let base = std::env::var("ROUNDS_TEST_FHIR").expect("ROUNDS_TEST_FHIR is not set: run scripts/test.sh");
    let token = std::env::var("ROUNDS_TEST_FHIR_TOKEN").ok();
    FhirClient::new(NativeTransport::default(), &base, token)
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

fn now() -> String {
    // The seed's free slots start today; any instant in the past day works as a lower bound.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 86_400;
    let days = secs / 86_400;
    let (y, m, d) = civil(days as i64);
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[test]
fn patient_search_folds_accents_and_case() {
    let c = client();
    let found = run(schedule::find_patients(&c, "jose")).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name[0].full(), "José Hernández");
    let found = run(schedule::find_patients(&c, "SAR")).unwrap();
    assert_eq!(found[0].name[0].short(), "Sara M.");
    assert!(run(schedule::find_patients(&c, "nobody-by-this-name"))
        .unwrap()
        .is_empty());
}

#[test]
fn search_pages_through_next_links() {
    let c = client();
    let first = run(c.search::<Slot>(&[("schedule", "Schedule/jordan".into()), ("_count", "5".into())])).unwrap();
    let second = run(c.next_page(&first)).unwrap().expect("a second page");
    let ids = |b: &rounds::fhir::Bundle| {
        b.resources::<Slot>()
            .into_iter()
            .filter_map(|s| s.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first).len(), 5);
    assert_eq!(ids(&second).len(), 5);
    assert!(ids(&first).iter().all(|id| !ids(&second).contains(id)));
}

#[test]
fn update_with_if_match_and_a_stale_version_conflicts() {
    let c = client();
    let read = run(c.read::<Patient>("noah-t")).unwrap();
    let mut changed = read.resource.clone();
    changed.extra.insert("active".into(), serde_json::json!(true));
    let updated = run(c.update(&changed, &read.version)).unwrap();
    assert_ne!(updated.version, read.version);
    assert_eq!(updated.resource.extra.get("active"), Some(&serde_json::json!(true)));
    // Someone else's change since our read: 412, not a silent overwrite.
    assert_eq!(run(c.update(&changed, &read.version)).unwrap_err(), FhirError::Conflict);
}

#[test]
fn invalid_input_is_refused_with_the_outcome() {
    let c = client();
    let read = run(c.read::<Appointment>("oliver-g-1")).unwrap();
    let mut broken = read.resource.clone();
    broken.status = "bogus".into();
    match run(c.update(&broken, &read.version)).unwrap_err() {
        FhirError::Refused { status, issues } => {
            assert_eq!(status, 400);
            assert!(!issues.is_empty());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        run(c.read::<Patient>("no-such-patient")),
        Err(FhirError::Refused { status: 404, .. })
    ));
    let down = FhirClient::new(NativeTransport::default(), "http://127.0.0.1:9/fhir/R4", None);
    assert!(matches!(run(down.read::<Patient>("x")), Err(FhirError::Unreachable(_))));
}

#[test]
fn reschedule_moves_the_appointment_and_its_slots() {
    let c = client();
    let upcoming = run(schedule::upcoming(&c, "Patient/liam-k", &now())).unwrap();
    let appointment = upcoming
        .into_iter()
        .find(|a| a.resource.id.as_deref() == Some("liam-k-1"))
        .expect("seeded");
    let old_slot = appointment.resource.slot[0].reference.clone().unwrap();
    let free = run(schedule::free_slots(&c, &appointment.resource, &now(), 5)).unwrap();
    let target = free.last().unwrap().clone();
    let moved = run(schedule::reschedule(&c, &appointment, &target)).unwrap();
    assert_eq!(moved.resource.start.as_deref(), Some(target.resource.start.as_str()));
    let new_slot = run(c.read::<Slot>(target.resource.id.as_deref().unwrap())).unwrap();
    assert_eq!(new_slot.resource.status, "busy");
    let freed = run(c.read::<Slot>(old_slot.trim_start_matches("Slot/"))).unwrap();
    assert_eq!(freed.resource.status, "free");
    // A second change based on the old read is refused.
    let again = run(schedule::reschedule(&c, &appointment, &free[0])).unwrap_err();
    assert_eq!(again, FhirError::Conflict);
    let cancelled = run(schedule::cancel(&c, &moved)).unwrap();
    assert_eq!(cancelled.resource.status, "cancelled");
}
