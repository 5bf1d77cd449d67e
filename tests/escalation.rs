//! The escalation service's work against a real Synapse: an unacknowledged urgent thread is
//! reminded, then escalated to the backup role, each exactly once and also across a restart;
//! an acknowledged one is left alone; `rounds-admin`'s checks refuse nonsense settings.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clinic, new_user, run, staff_member, TestClient};
use rounds::api::events::MESSAGE;
use rounds::api::rounds::{ack_content, Priority, ThreadMeta, THREAD_ACK};
use rounds::domain::clinic::roles::{BILLING, CLINICIAN, FRONT_DESK};
use rounds::domain::escalation::Stage;
use rounds::domain::Escalation;
use rounds::escalate::{Posted, Watcher};
use rounds::provision::{self, Clinic};
use serde_json::Value;
use std::time::{Duration, Instant};

const CATEGORY: &str = "scheduling";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn urgent_thread(author: &TestClient, room: &str, topic: &str) -> String {
    let meta = ThreadMeta {
        topic: topic.into(),
        patient: None,
        priority: Priority::Urgent,
        to_roles: Vec::new(),
        category: None,
    };
    run(author.send_event(
        room,
        MESSAGE,
        &common::unique("txn"),
        &meta.root_content("Who can come?"),
    ))
    .unwrap()
}

/// Runs the service's loop (as `rounds-escalation` does) until `until` says stop or 20 s pass.
fn serve(watcher: &mut Watcher<rounds::api::NativeTransport>, mut until: impl FnMut(&[Posted]) -> bool) -> Vec<Posted> {
    let mut posted = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !until(&posted) && Instant::now() < deadline {
        posted.extend(run(watcher.act(now_ms())).unwrap());
        let wait = watcher
            .next_due(now_ms())
            .map_or(500, |at| at.saturating_sub(now_ms()).min(500));
        run(watcher.sync(Duration::from_millis(wait))).unwrap();
    }
    posted
}

/// The escalation notices in a thread, as the homeserver has them.
fn notices(reader: &TestClient, room: &str, root: &str) -> Vec<Value> {
    let page = run(reader.relations(room, root, "m.thread", None, 50)).unwrap();
    page.chunk
        .into_iter()
        .filter(|e| e.content.get("app.rounds.escalation").is_some())
        .map(|e| serde_json::json!({"sender": e.sender, "content": e.content}))
        .collect()
}

fn mentioned(notice: &Value) -> Vec<String> {
    serde_json::from_value(notice["content"]["m.mentions"]["user_ids"].clone()).unwrap()
}

struct Setup {
    admin: TestClient,
    clinician: TestClient,
    front_desk: TestClient,
    service: TestClient,
    prefix: String,
    clinic: Clinic,
}

fn setup(window_seconds: u32) -> Setup {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let clinician = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let front_desk = staff_member(&admin, &clinic, &prefix, FRONT_DESK);
    let service = new_user("escalation");
    let (clinic, _) = run(provision::enlist_escalation_service(
        &admin,
        &clinic,
        service.user_id().unwrap(),
    ))
    .unwrap();
    let escalation = Escalation {
        window_seconds,
        backup_role: "admin".into(),
    };
    let (clinic, _) = run(provision::set_escalation(&admin, &clinic, CATEGORY, Some(escalation))).unwrap();
    Setup {
        admin,
        clinician,
        front_desk,
        service,
        prefix,
        clinic,
    }
}

#[test]
fn an_unacknowledged_urgent_thread_is_reminded_then_escalated_once_each_even_across_a_restart() {
    let s = setup(1);
    let room = s.clinic.policy.category(CATEGORY).unwrap().room.clone().unwrap();
    let root = urgent_thread(&s.front_desk, &room, "Client in lobby is dysregulated");
    let mut watcher = run(Watcher::start(s.service, &s.prefix)).unwrap();
    let posted = serve(&mut watcher, |p| p.len() >= 2);
    let stages: Vec<Stage> = posted.iter().map(|p| p.stage).collect();
    assert_eq!(stages, [Stage::Reminder, Stage::Backup]);
    for p in &posted {
        println!(
            "{:?}: posted {} ms after the window ended",
            p.stage,
            p.posted_at - p.due_at
        );
    }

    // On the server: one reminder for the clinicians (not the sender), one call to the admin.
    let found = notices(&s.admin, &room, &root);
    assert_eq!(found.len(), 2, "{found:#?}");
    let reminder = found
        .iter()
        .find(|n| n["content"]["app.rounds.escalation"]["stage"] == "reminder")
        .unwrap();
    let backup = found
        .iter()
        .find(|n| n["content"]["app.rounds.escalation"]["stage"] == "backup")
        .unwrap();
    assert_eq!(mentioned(reminder), [s.clinician.user_id().unwrap()]);
    assert_eq!(mentioned(backup), [s.admin.user_id().unwrap()]);
    assert_eq!(reminder["content"]["msgtype"], "m.notice");

    // A restarted service (a new sign-in) finds both in the room and posts nothing more.
    drop(watcher);
    let again = new_service_session(s.clinic.policy.escalation_service.as_deref().unwrap());
    let mut restarted = run(Watcher::start(again, &s.prefix)).unwrap();
    assert_eq!(restarted.next_due(now_ms()), None);
    let repeated = serve(&mut restarted, |_| false);
    assert!(repeated.is_empty(), "{repeated:?}");
    assert_eq!(notices(&s.admin, &room, &root).len(), 2);
}

/// The service account signed in anew, as after a restart of the process.
fn new_service_session(service_id: &str) -> TestClient {
    let name = service_id.trim_start_matches('@').split(':').next().unwrap();
    let mut client = TestClient::new(rounds::api::NativeTransport::default(), &common::homeserver());
    run(client.login(name, common::PASSWORD, None)).unwrap();
    client
}

#[test]
fn an_acknowledged_thread_is_left_alone() {
    let s = setup(1);
    let room = s.clinic.policy.category(CATEGORY).unwrap().room.clone().unwrap();
    let root = urgent_thread(&s.front_desk, &room, "Auth denied for today's 2 pm session");
    run(s
        .clinician
        .send_event(&room, THREAD_ACK, &common::unique("txn"), &ack_content(&root, &root)))
    .unwrap();
    let mut watcher = run(Watcher::start(s.service, &s.prefix)).unwrap();
    let started = Instant::now();
    let posted = serve(&mut watcher, |_| started.elapsed() > Duration::from_millis(2_500));
    assert!(posted.is_empty(), "{posted:?}");
    assert!(notices(&s.admin, &room, &root).is_empty());
}

#[test]
fn nonsense_settings_are_refused_with_a_reason() {
    let s = setup(60);
    let set = |category: &str, window_seconds: u32, backup: &str| {
        let escalation = Escalation {
            window_seconds,
            backup_role: backup.into(),
        };
        run(provision::set_escalation(
            &s.admin,
            &s.clinic,
            category,
            Some(escalation),
        ))
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    assert!(set(CATEGORY, 0, "admin")
        .unwrap_err()
        .contains("window of 0 s is not sensible"));
    assert!(set(CATEGORY, 60, "janitor")
        .unwrap_err()
        .contains("unknown role 'janitor'"));
    assert!(set("nowhere", 60, "admin")
        .unwrap_err()
        .contains("no category 'nowhere'"));
    // Nobody holds billing in this clinic: calling it in would reach no one.
    assert!(set("authorization", 60, BILLING)
        .unwrap_err()
        .contains("nobody holds the backup role 'billing'"));
}
