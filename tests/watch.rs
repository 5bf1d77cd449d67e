//! The EHR watch against the real Synapse, FHIR server and identity provider: a missed visit
//! opens one thread for the front desk, never two (another round, a restart, a second
//! instance), a new booking resolves it and a recurrence reopens it; the watch signs in with its
//! own key and reads only what its scopes allow.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clinic, new_device, new_user, run, staff_member, TestClient};
use rounds::api::rounds::{THREAD_UPDATE, WATCH_KEY};
use rounds::api::{Direction, NativeTransport};
use rounds::domain::clinic::roles::{BILLING, FRONT_DESK};
use rounds::fhir::backend::{backend_client, BackendCredentials};
use rounds::fhir::{Appointment, FhirClient, FhirError, Patient, ServiceRequest, Versioned};
use rounds::provision::{self, Clinic};
use rounds::watch::{Happened, Watch};
use serde_json::{json, Value};
use std::rc::Rc;

const SCOPES: &str = "system/Appointment.rs system/ServiceRequest.rs system/Patient.r";

fn base() -> String {
    std::env::var("ROUNDS_TEST_FHIR").expect("ROUNDS_TEST_FHIR is not set: run scripts/test.sh")
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The watch's own credentials (`scripts/watch.sh` made the key; the provider has its public half).
fn credentials() -> Rc<BackendCredentials> {
    let path = std::env::var("ROUNDS_TEST_WATCH_KEY").expect("ROUNDS_TEST_WATCH_KEY is not set: run scripts/test.sh");
    let pem = std::fs::read_to_string(path).expect("the watch's key");
    Rc::new(BackendCredentials::from_pem("rounds-watch", &pem).expect("a P-256 key"))
}

fn watch_ehr() -> FhirClient<NativeTransport> {
    backend_client(NativeTransport::default(), &base(), credentials(), SCOPES)
}

/// The test suite's own client, which writes to the EHR as the clinic's staff would.
fn suite_ehr() -> FhirClient<NativeTransport> {
    FhirClient::new(NativeTransport::default(), &base(), Some(common::ehr_token()))
}

fn instant(ms: u64) -> String {
    rounds::fhir::instant::format(ms)
}

/// A new patient and a booked visit with Jordan `days` from now.
fn patient_with_visit(ehr: &FhirClient<NativeTransport>, days: i64) -> (String, Versioned<Appointment>) {
    let patient: Patient = serde_json::from_value(json!({
        "resourceType": "Patient",
        "name": [{ "given": ["Wren"], "family": common::unique("Watch") }],
        "birthDate": "2016-05-01"
    }))
    .unwrap();
    let patient = run(ehr.create(&patient)).unwrap().resource;
    let reference = format!("Patient/{}", patient.id.unwrap());
    let visit = visit(ehr, &reference, days, "Speech-language pathology");
    (reference, visit)
}

fn visit(ehr: &FhirClient<NativeTransport>, patient: &str, days: i64, service: &str) -> Versioned<Appointment> {
    let start = (now_ms() as i64 + days * 86_400_000) as u64;
    let appointment: Appointment = serde_json::from_value(json!({
        "resourceType": "Appointment",
        "status": "booked",
        "serviceType": [{ "text": service }],
        "start": instant(start),
        "end": instant(start + 3_600_000),
        "participant": [
            { "actor": { "reference": patient }, "status": "accepted" },
            { "actor": { "reference": "Practitioner/jordan" }, "status": "accepted" }
        ]
    }))
    .unwrap();
    run(ehr.create(&appointment)).unwrap()
}

fn set_status(
    ehr: &FhirClient<NativeTransport>,
    visit: &Versioned<Appointment>,
    status: &str,
) -> Versioned<Appointment> {
    let current = run(ehr.read::<Appointment>(visit.resource.id.as_deref().unwrap())).unwrap();
    let mut changed = current.resource.clone();
    changed.status = status.into();
    run(ehr.update(&changed, &current.version)).unwrap()
}

struct Setup {
    front_desk: TestClient,
    billing: TestClient,
    service: TestClient,
    prefix: String,
    clinic: Clinic,
}

fn setup() -> Setup {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let front_desk = staff_member(&admin, &clinic, &prefix, FRONT_DESK);
    let billing = staff_member(&admin, &clinic, &prefix, BILLING);
    let service = new_user("service");
    let (clinic, _) = run(provision::enlist_escalation_service(
        &admin,
        &clinic,
        service.user_id().unwrap(),
    ))
    .unwrap();
    Setup {
        front_desk,
        billing,
        service,
        prefix,
        clinic,
    }
}

fn started(s: &Setup, matrix: TestClient) -> Watch<NativeTransport> {
    run(Watch::start(matrix, watch_ehr(), &s.prefix, 0)).unwrap()
}

/// What one round did about `patient`'s facts.
fn round_for(watch: &mut Watch<NativeTransport>, patient: &str) -> Vec<Happened> {
    let fact_of = |h: &Happened| match h {
        Happened::Opened { fact, .. }
        | Happened::Resolved { fact, .. }
        | Happened::Reopened { fact, .. }
        | Happened::Skipped { fact, .. } => fact.patient.clone(),
    };
    run(watch.round(now_ms()))
        .unwrap()
        .into_iter()
        .filter(|h| fact_of(h) == patient)
        .collect()
}

/// The watch's thread roots in the scheduling room, as the front desk reads them.
fn watch_roots(reader: &TestClient, room: &str, resource: &str) -> Vec<Value> {
    let page = run(reader.messages(room, None, Direction::Backward, 100)).unwrap();
    page.chunk
        .into_iter()
        .filter(|e| e.content[WATCH_KEY]["resource"] == resource)
        .map(|e| json!({ "event_id": e.event_id, "sender": e.sender, "content": e.content }))
        .collect()
}

fn in_thread(reader: &TestClient, room: &str, root: &str) -> Vec<Value> {
    let page = run(reader.relations(room, root, "m.thread", None, 50)).unwrap();
    page.chunk
        .into_iter()
        .map(|e| json!({ "type": e.kind, "sender": e.sender, "content": e.content }))
        .collect()
}

#[test]
fn a_missed_visit_opens_one_thread_for_the_front_desk_which_a_new_booking_resolves_and_a_recurrence_reopens() {
    let s = setup();
    let room = s.clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let ehr = suite_ehr();
    let (patient, missed) = patient_with_visit(&ehr, -1);
    let resource = format!("Appointment/{}", missed.resource.id.as_deref().unwrap());
    let second_device = new_device(&s.service);
    let mut watch = started(&s, s.service.clone());
    assert_eq!(round_for(&mut watch, &patient), []);

    // The visit is marked missed: one thread, for the front desk, about the patient.
    let missed = set_status(&ehr, &missed, "noshow");
    let opened = round_for(&mut watch, &patient);
    assert!(matches!(opened.as_slice(), [Happened::Opened { .. }]), "{opened:?}");
    let roots = watch_roots(&s.front_desk, &room, &resource);
    assert_eq!(roots.len(), 1, "{roots:#?}");
    let root = &roots[0];
    assert_eq!(root["sender"], s.service.user_id().unwrap());
    let thread = &root["content"]["app.rounds.thread"];
    assert!(
        thread["topic"].as_str().unwrap().starts_with("Missed visit "),
        "{thread}"
    );
    assert!(
        thread["topic"].as_str().unwrap().ends_with(": please reschedule"),
        "{thread}"
    );
    assert_eq!(thread["patient"]["id"], patient.as_str());
    assert!(
        thread["patient"]["display"].as_str().unwrap().starts_with("Wren W"),
        "{thread}"
    );
    assert_eq!(thread["to_roles"], json!([FRONT_DESK]));
    assert_eq!(
        root["content"]["m.mentions"]["user_ids"],
        json!([s.front_desk.user_id().unwrap()])
    );
    assert_eq!(root["content"][WATCH_KEY]["kind"], "missed-visit");
    assert_eq!(root["content"][WATCH_KEY]["version"], missed.version.as_str());
    let root_id = root["event_id"].as_str().unwrap().to_owned();

    // Another round, a restart and a second instance on another device repeat nothing.
    assert_eq!(round_for(&mut watch, &patient), []);
    let mut restarted = started(&s, new_device(&s.service));
    assert_eq!(round_for(&mut restarted, &patient), []);
    let mut second = started(&s, second_device);
    assert_eq!(round_for(&mut second, &patient), []);
    assert_eq!(watch_roots(&s.front_desk, &room, &resource).len(), 1);
    // Billing cannot read Scheduling at all: the thread is not theirs.
    assert!(run(s.billing.messages(&room, None, Direction::Backward, 10)).is_err());

    // A later visit for the same service is booked: the thread resolves itself, once.
    visit(&ehr, &patient, 3, "Speech-language pathology");
    let resolved = round_for(&mut restarted, &patient);
    assert!(
        matches!(resolved.as_slice(), [Happened::Resolved { .. }]),
        "{resolved:?}"
    );
    assert_eq!(round_for(&mut watch, &patient), []);
    let events = in_thread(&s.front_desk, &room, &root_id);
    let notices: Vec<&str> = events
        .iter()
        .filter(|e| e["content"]["msgtype"] == "m.notice")
        .filter_map(|e| e["content"]["body"].as_str())
        .collect();
    assert_eq!(notices.len(), 1, "{events:#?}");
    assert!(
        notices[0].starts_with("Resolved: new appointment booked "),
        "{notices:?}"
    );
    let updates: Vec<&Value> = events.iter().filter(|e| e["type"] == THREAD_UPDATE).collect();
    assert_eq!(updates.len(), 1, "{events:#?}");
    assert_eq!(updates[0]["content"]["status"], "resolved");

    // The EHR shows the visit missed again (a correction, a new version): the same thread reopens.
    let booked_again = set_status(&ehr, &missed, "booked");
    set_status(&ehr, &booked_again, "noshow");
    let reopened = round_for(&mut second, &patient);
    assert!(
        matches!(reopened.as_slice(), [Happened::Reopened { .. }]),
        "{reopened:?}"
    );
    assert_eq!(watch_roots(&s.front_desk, &room, &resource).len(), 1);
    let events = in_thread(&s.front_desk, &room, &root_id);
    let last_update = events.iter().find(|e| e["type"] == THREAD_UPDATE).unwrap();
    assert_eq!(last_update["content"]["status"], "open", "newest first: {events:#?}");
}

#[test]
fn a_visit_cancelled_by_the_patient_opens_a_thread_and_one_cancelled_by_the_clinic_does_not() {
    let s = setup();
    let room = s.clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let ehr = suite_ehr();
    let mut watch = started(&s, s.service.clone());
    let cancel = |visit: &Versioned<Appointment>, code: &str| {
        let mut changed = visit.resource.clone();
        changed.status = "cancelled".into();
        changed.cancelation_reason = Some(json!({
            "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "code": code }]
        }));
        run(ehr.update(&changed, &visit.version)).unwrap()
    };
    let (by_patient, visit) = patient_with_visit(&ehr, 2);
    cancel(&visit, "pat-crs");
    let (by_clinic, other) = patient_with_visit(&ehr, 2);
    cancel(&other, "prov");
    let opened = round_for(&mut watch, &by_patient);
    assert!(matches!(opened.as_slice(), [Happened::Opened { .. }]), "{opened:?}");
    let resource = format!("Appointment/{}", visit.resource.id.as_deref().unwrap());
    let roots = watch_roots(&s.front_desk, &room, &resource);
    assert_eq!(roots.len(), 1);
    assert_eq!(
        roots[0]["content"]["app.rounds.thread"]["topic"],
        "Client canceled — please confirm reschedule"
    );
    assert_eq!(round_for(&mut watch, &by_clinic), []);
}

#[test]
fn a_new_referral_opens_a_thread_in_referral_which_a_first_visit_resolves_and_a_revoked_one_closes() {
    let s = setup();
    let room = s.clinic.policy.category("referral").unwrap().room.clone().unwrap();
    let ehr = suite_ehr();
    let mut watch = started(&s, s.service.clone());
    let refer = |patient: &str| -> ServiceRequest {
        let request: ServiceRequest = serde_json::from_value(json!({
            "resourceType": "ServiceRequest", "status": "active", "intent": "order",
            "subject": { "reference": patient },
            "code": { "text": "Speech-language evaluation" },
            "requester": { "display": "Dr. Lee, pediatrics" }
        }))
        .unwrap();
        run(ehr.create(&request)).unwrap().resource
    };

    // A referral, then the first visit booked: opened, then resolved.
    let (patient, _) = patient_with_visit(&ehr, -30);
    let referral = refer(&patient);
    let resource = format!("ServiceRequest/{}", referral.id.as_deref().unwrap());
    let opened = round_for(&mut watch, &patient);
    assert!(matches!(opened.as_slice(), [Happened::Opened { .. }]), "{opened:?}");
    let roots = watch_roots(&s.front_desk, &room, &resource);
    assert_eq!(roots.len(), 1, "{roots:#?}");
    let thread = &roots[0]["content"]["app.rounds.thread"];
    assert_eq!(thread["topic"], "New referral needs follow-up by end of today");
    assert_eq!(thread["to_roles"], json!([FRONT_DESK]));
    assert!(roots[0]["content"]["body"]
        .as_str()
        .unwrap()
        .contains("Speech-language evaluation"));
    visit(&ehr, &patient, 5, "Speech-language pathology");
    let resolved = round_for(&mut watch, &patient);
    assert!(
        matches!(resolved.as_slice(), [Happened::Resolved { .. }]),
        "{resolved:?}"
    );
    let root_id = roots[0]["event_id"].as_str().unwrap();
    let notices: Vec<String> = in_thread(&s.front_desk, &room, root_id)
        .iter()
        .filter_map(|e| e["content"]["body"].as_str().map(str::to_owned))
        .filter(|b| b.starts_with("Resolved"))
        .collect();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].starts_with("Resolved: new appointment booked "),
        "{notices:?}"
    );

    // Another referral, revoked in the EHR: closed with the reason.
    let (other, _) = patient_with_visit(&ehr, -30);
    let revoked = refer(&other);
    assert!(matches!(
        round_for(&mut watch, &other).as_slice(),
        [Happened::Opened { .. }]
    ));
    let current = run(ehr.read::<ServiceRequest>(revoked.id.as_deref().unwrap())).unwrap();
    let mut changed = current.resource.clone();
    changed.status = "revoked".into();
    run(ehr.update(&changed, &current.version)).unwrap();
    let closed = round_for(&mut watch, &other);
    assert!(matches!(closed.as_slice(), [Happened::Resolved { .. }]), "{closed:?}");
}

#[test]
fn an_ehr_outage_ends_the_round_and_the_next_start_catches_up() {
    let s = setup();
    let room = s.clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let ehr = suite_ehr();
    let (patient, visit) = patient_with_visit(&ehr, -1);
    // The EHR cannot be reached (nothing listens there): the round fails, nothing is posted
    // and the record stays where it was.
    let unreachable = backend_client(
        NativeTransport::default(),
        "http://127.0.0.1:9/fhir/R4",
        credentials(),
        SCOPES,
    );
    let mut down = run(Watch::start(s.service.clone(), unreachable, &s.prefix, 0)).unwrap();
    let error = run(down.round(now_ms())).unwrap_err();
    assert!(
        matches!(error, rounds::watch::WatchError::Ehr(FhirError::Unreachable(_))),
        "{error}"
    );
    set_status(&ehr, &visit, "noshow");
    // Back (the service starts over after a failure): what happened meanwhile is caught up.
    let mut back = started(&s, new_device(&s.service));
    let opened = round_for(&mut back, &patient);
    assert!(matches!(opened.as_slice(), [Happened::Opened { .. }]), "{opened:?}");
    let resource = format!("Appointment/{}", visit.resource.id.as_deref().unwrap());
    assert_eq!(watch_roots(&s.front_desk, &room, &resource).len(), 1);
}

#[test]
fn a_visit_whose_patient_the_ehr_does_not_give_still_opens_its_thread_and_holds_up_nothing() {
    let s = setup();
    let room = s.clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let ehr = suite_ehr();
    let mut watch = started(&s, s.service.clone());
    // A visit naming a patient record the EHR does not have, then an ordinary one.
    let stranger = format!("Patient/{}", common::unique("gone"));
    let orphan = set_status(&ehr, &visit(&ehr, &stranger, -1, "Speech-language pathology"), "noshow");
    let (patient, missed) = patient_with_visit(&ehr, -1);
    set_status(&ehr, &missed, "noshow");
    assert!(matches!(
        round_for(&mut watch, &stranger).as_slice(),
        [Happened::Opened { .. }]
    ));
    let resource = format!("Appointment/{}", orphan.resource.id.as_deref().unwrap());
    let roots = watch_roots(&s.front_desk, &room, &resource);
    assert_eq!(roots.len(), 1);
    assert_eq!(
        roots[0]["content"]["app.rounds.thread"]["patient"]["display"],
        "A patient"
    );
    assert_eq!(
        roots[0]["content"]["app.rounds.thread"]["patient"]["id"],
        stranger.as_str()
    );
    // The other fact of the same round was not held up (it was acted on in that round).
    let again = round_for(&mut watch, &patient);
    assert_eq!(again, []);
    let other = format!("Appointment/{}", missed.resource.id.as_deref().unwrap());
    assert_eq!(watch_roots(&s.front_desk, &room, &other).len(), 1);
}

#[test]
fn the_watch_reads_only_what_its_scopes_allow_and_a_key_the_provider_does_not_know_gets_nothing() {
    let watch = watch_ehr();
    // It reads appointments and patients…
    assert!(run(watch.read::<Appointment>("maya-r-1")).is_ok());
    // …but may not change them, nor read anything else of the chart.
    let visit = run(watch.read::<Appointment>("maya-r-1")).unwrap();
    let refused = run(watch.update(&visit.resource, &visit.version)).unwrap_err();
    assert!(matches!(refused, FhirError::NotAllowed(_)), "{refused:?}");
    let other = run(watch.search::<rounds::fhir::Slot>(&[("_count", "1".into())])).unwrap_err();
    assert!(matches!(other, FhirError::NotAllowed(_)), "{other:?}");

    // An assertion signed with another key is refused by the provider: no token, no data.
    let stranger = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let pem = p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&stranger, p256::pkcs8::LineEnding::LF).unwrap();
    let forged = Rc::new(BackendCredentials::from_pem("rounds-watch", &pem).unwrap());
    let impostor = backend_client(NativeTransport::default(), &base(), forged, SCOPES);
    let refused = run(impostor.read::<Appointment>("maya-r-1")).unwrap_err();
    assert!(matches!(refused, FhirError::NotAllowed(_)), "{refused:?}");
    // Nor does naming more scopes get more.
    let greedy = backend_client(NativeTransport::default(), &base(), credentials(), "system/*.cruds");
    assert!(run(greedy.read::<Appointment>("maya-r-1")).is_err());
}
