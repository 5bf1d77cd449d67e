//! The typed FHIR client against the local FHIR server (Medplum's router, started and seeded by
//! `scripts/test.sh`, checking tokens from the local identity provider): search, paging, read,
//! update with If-Match, conflicts, refusals, and the tokens it accepts.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use rounds::api::NativeTransport;
use rounds::fhir::schedule::{self, ChangeError, Step};
use rounds::fhir::{Appointment, FhirClient, FhirError, Patient, Slot};

fn base() -> String {
    std::env::var("ROUNDS_TEST_FHIR").expect("ROUNDS_TEST_FHIR is not set: run scripts/test.sh")
}

/// A client with the suite's backend token. The first call reloads the EHR's seed, so the
/// tests below start from the same appointments however often the suite runs against one server.
fn client() -> FhirClient<NativeTransport> {
    static SEEDED: std::sync::Once = std::sync::Once::new();
    let token = common::ehr_token();
    SEEDED.call_once(|| common::reset_ehr(&base(), &token));
    FhirClient::new(NativeTransport::default(), &base(), Some(token))
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
    let (y, m, d) = rounds::domain::clock::civil(days as i64);
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
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

/// Midnight UTC `days` from today.
fn day(days: i64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (y, m, d) = rounds::domain::clock::civil(secs / 86_400 + days);
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

fn booked(c: &FhirClient<NativeTransport>, patient: &str, id: &str) -> rounds::fhir::Versioned<Appointment> {
    run(schedule::upcoming(c, patient, &now()))
        .unwrap()
        .into_iter()
        .find(|a| a.resource.id.as_deref() == Some(id))
        .expect("seeded appointment")
}

#[test]
fn reschedule_moves_the_appointment_and_its_slots() {
    let c = client();
    let appointment = booked(&c, "Patient/liam-k", "liam-k-1");
    let old_slot = appointment.resource.slot[0].reference.clone().unwrap();
    // Any day of the coming weeks, not only the next few free times.
    let free = run(schedule::free_slots(&c, &appointment.resource, &now(), &day(21))).unwrap();
    assert!(free.len() > 50, "three weeks of free times: {}", free.len());
    assert!(free.windows(2).all(|w| w[0].resource.start <= w[1].resource.start));
    let target = free.last().unwrap().clone();
    assert!(
        target.resource.start.as_str() >= day(13).as_str(),
        "{}",
        target.resource.start
    );
    let moved = run(schedule::reschedule(&c, &appointment, &target)).unwrap();
    assert_eq!(moved.resource.start.as_deref(), Some(target.resource.start.as_str()));
    let new_slot = run(c.read::<Slot>(target.resource.id.as_deref().unwrap())).unwrap();
    assert_eq!(new_slot.resource.status, "busy");
    let freed = run(c.read::<Slot>(old_slot.trim_start_matches("Slot/"))).unwrap();
    assert_eq!(freed.resource.status, "free");
    // A second change based on the old read is refused, and nothing is written.
    let again = run(schedule::reschedule(&c, &appointment, &free[0])).unwrap_err();
    assert_eq!(again, ChangeError::NothingWritten(FhirError::Conflict));
    let cancelled = run(schedule::cancel(&c, &moved, "Family moved away")).unwrap();
    assert_eq!(cancelled.resource.status, "cancelled");
    let stored = run(c.read::<Appointment>("liam-k-1")).unwrap();
    assert_eq!(
        stored.resource.cancelation_reason,
        Some(serde_json::json!({"text": "Family moved away"}))
    );
    assert_eq!(
        run(c.read::<Slot>(target.resource.id.as_deref().unwrap()))
            .unwrap()
            .resource
            .status,
        "free"
    );
}

#[test]
fn a_slot_write_that_fails_after_the_move_is_reported_and_can_be_undone_or_finished() {
    let c = client();
    let appointment = booked(&c, "Patient/noah-t", "noah-t-1");
    let original_start = appointment.resource.start.clone();
    let free = run(schedule::free_slots(&c, &appointment.resource, &now(), &day(14))).unwrap();
    let target = free[3].clone();
    let target_id = target.resource.id.clone().unwrap();

    // Someone edits the chosen slot in the EHR in between: the slot write conflicts.
    let touch = |c: &FhirClient<NativeTransport>| {
        let current = run(c.read::<Slot>(&target_id)).unwrap();
        let mut edited = current.resource.clone();
        edited
            .extra
            .insert("comment".into(), serde_json::json!("edited elsewhere"));
        run(c.update(&edited, &current.version)).unwrap();
    };
    touch(&c);
    let ChangeError::Partial(partial) = run(schedule::reschedule(&c, &appointment, &target)).unwrap_err() else {
        panic!("expected a half-done change");
    };
    assert_eq!(partial.done, [Step::Appointment]);
    assert_eq!(partial.failed, Step::TakeSlot);
    assert_eq!(partial.error, FhirError::Conflict);
    let on_server = run(c.read::<Appointment>("noah-t-1")).unwrap();
    assert_eq!(
        on_server.resource.start.as_deref(),
        Some(target.resource.start.as_str()),
        "the move was written"
    );

    // Undo: the appointment goes back; the slot stays free.
    let back = run(schedule::undo(&c, &partial)).unwrap();
    assert_eq!(back.resource.start, original_start);
    assert_eq!(
        run(c.read::<Appointment>("noah-t-1")).unwrap().resource.start,
        original_start
    );
    assert_eq!(run(c.read::<Slot>(&target_id)).unwrap().resource.status, "free");

    // The same failure again, then Finish: the slot is read afresh and taken, the old one freed.
    let appointment = booked(&c, "Patient/noah-t", "noah-t-1");
    let old_slot = appointment.resource.slot[0].reference.clone().unwrap();
    let target = run(c.read::<Slot>(&target_id)).unwrap();
    touch(&c);
    let ChangeError::Partial(partial) = run(schedule::reschedule(&c, &appointment, &target)).unwrap_err() else {
        panic!("expected a half-done change");
    };
    let done = run(schedule::finish(&c, *partial)).unwrap();
    assert_eq!(done.resource.start.as_deref(), Some(target.resource.start.as_str()));
    assert_eq!(run(c.read::<Slot>(&target_id)).unwrap().resource.status, "busy");
    let freed = run(c.read::<Slot>(old_slot.trim_start_matches("Slot/"))).unwrap();
    assert_eq!(freed.resource.status, "free");
}

/// A searchset Bundle with one Slot and, if given, a `next` link.
fn page(next: Option<String>) -> String {
    let link: Vec<serde_json::Value> = next
        .into_iter()
        .map(|url| serde_json::json!({"relation": "next", "url": url}))
        .collect();
    serde_json::json!({"resourceType": "Bundle", "type": "searchset", "link": link,
        "entry": [{"resource": {"resourceType": "Slot", "id": "s1", "status": "free",
                                "start": "2026-01-01T13:00:00Z", "end": "2026-01-01T14:00:00Z"}}]})
    .to_string()
}

#[test]
fn next_links_to_another_server_are_refused_and_never_get_the_token() {
    let (elsewhere, seen_elsewhere) = common::recording_server(|_| page(None));
    let next = format!("{elsewhere}/fhir/R4/Slot?page=2");
    let (server, _) = common::recording_server(move |_| page(Some(next.clone())));
    let c = FhirClient::new(
        NativeTransport::default(),
        &format!("{server}/fhir/R4"),
        Some("per-person-token".into()),
    );
    let first = run(c.search::<Slot>(&[("_count", "1".into())])).unwrap();
    assert!(matches!(run(c.next_page(&first)), Err(FhirError::BadResponse(d)) if d.contains("not followed")));
    assert!(
        seen_elsewhere.lock().unwrap().is_empty(),
        "the other server was contacted"
    );

    // A link that climbs out of the base by `..` is refused the same way.
    let (server, seen) = common::recording_server(|host| page(Some(format!("http://{host}/fhir/R4/../../admin"))));
    let c = FhirClient::new(NativeTransport::default(), &format!("{server}/fhir/R4"), None);
    let first = run(c.search::<Slot>(&[])).unwrap();
    assert!(matches!(run(c.next_page(&first)), Err(FhirError::BadResponse(_))));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_schedule_whose_pages_never_end_is_capped() {
    let (server, seen) =
        common::recording_server(|host| page(Some(format!("http://{host}/fhir/R4/Appointment?page=next"))));
    let c = FhirClient::new(NativeTransport::default(), &format!("{server}/fhir/R4"), None);
    let err = run(schedule::between(&c, "2026-01-01", "2026-01-02")).unwrap_err();
    assert!(
        matches!(&err, FhirError::BadResponse(d) if d.contains("more than 20 pages")),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), schedule::MAX_PAGES);
}

#[test]
fn the_ehr_refuses_requests_without_a_valid_token_and_renews_through_the_hook() {
    // No token, a forged one: the EHR asks for a sign-in (401), nothing is read.
    let anonymous = FhirClient::new(NativeTransport::default(), &base(), None);
    assert_eq!(
        run(anonymous.read::<Patient>("sara-m")).unwrap_err(),
        FhirError::SignInNeeded
    );
    let forged = FhirClient::new(
        NativeTransport::default(),
        &base(),
        Some("eyJhbGciOiJub25lIn0.e30.".into()),
    );
    assert_eq!(
        run(forged.read::<Patient>("sara-m")).unwrap_err(),
        FhirError::SignInNeeded
    );

    // A client whose token the EHR refuses renews it once through its hook, then goes on.
    let renewals = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = renewals.clone();
    let renewing = FhirClient::new(NativeTransport::default(), &base(), Some("expired".into())).renewing_with(
        std::rc::Rc::new(move || {
            counted.set(counted.get() + 1);
            Box::pin(async { Ok(common::ehr_token()) })
        }),
    );
    assert_eq!(
        run(renewing.read::<Patient>("sara-m")).unwrap().resource.name[0].full(),
        "Sara Martinez"
    );
    assert_eq!(
        run(renewing.read::<Patient>("liam-k")).unwrap().resource.name[0].full(),
        "Liam Kim"
    );
    assert_eq!(renewals.get(), 1, "renewed once, then the fresh token is used");

    // A client holding no token yet (a reload keeps none in memory) renews before it asks, so
    // the EHR never refuses it; requests made together share one renewal.
    let renewals = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = renewals.clone();
    let counting = common::Flaky::default();
    let reloaded = FhirClient::new(counting.clone(), &base(), None).renewing_with(std::rc::Rc::new(move || {
        counted.set(counted.get() + 1);
        Box::pin(async { Ok(common::ehr_token()) })
    }));
    let (sara, liam) = run(futures_util::future::join(
        reloaded.read::<Patient>("sara-m"),
        reloaded.read::<Patient>("liam-k"),
    ));
    assert_eq!(sara.unwrap().resource.name[0].full(), "Sara Martinez");
    assert_eq!(liam.unwrap().resource.name[0].full(), "Liam Kim");
    assert_eq!(renewals.get(), 1, "one renewal for both");
    assert_eq!(counting.sent.get(), 2, "no request went without a token to be refused");
}

#[test]
fn the_smart_configuration_names_the_identity_provider() {
    let config = run(rounds::fhir::smart::discover(&NativeTransport::default(), &base())).unwrap();
    assert_eq!(config.token_endpoint, format!("{}/token", common::idp()));
    assert!(config.capabilities.iter().any(|c| c == "launch-standalone"));
    assert!(config.capabilities.iter().any(|c| c == "client-public"));
}
