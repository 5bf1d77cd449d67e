//! The measured traffic: everyone taking part long-polls `/sync`; the active few send into
//! threads, announce typing and post threaded read receipts for what they receive.

use crate::options::Options;
use crate::processes::{self, Usage};
use crate::setup::{client, GroupClinic, Person};
use rounds::api::{Filter, Session, SyncRequest};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The content field that marks (and times) the load test's messages.
pub const MARKER: &str = "app.rounds.load";
const LONG_POLL: Duration = Duration::from_secs(30);
/// After the last send, how long receivers get at most to see every message before counting
/// stops; what has not arrived by then is reported as missing (and is not in the latencies).
const DRAIN_CAP: Duration = Duration::from_secs(120);
/// An active person posts at most one read receipt this often.
const RECEIPT_EVERY: Duration = Duration::from_secs(2);
/// How long everyone's initial syncs may take before the run is given up.
const INITIAL_SYNC_PATIENCE: Duration = Duration::from_secs(900);

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A message the homeserver accepted.
pub struct Sent {
    pub room: String,
    pub event_id: String,
    pub sender: String,
    pub seq: u64,
}

/// What the run saw.
#[derive(Default)]
pub struct Outcome {
    pub run: String,
    pub started_ms: u64,
    pub measured_seconds: f64,
    pub participants: usize,
    pub active: usize,
    pub sent: Vec<Sent>,
    /// Send → other's sync, ms, one per (message, receiver).
    pub latencies: Vec<f64>,
    /// (message, receiver) pairs that should have arrived and did not.
    pub missing_deliveries: usize,
    pub duplicate_deliveries: u64,
    pub syncs: u64,
    pub limited_timelines: u64,
    pub send_ms: Vec<f64>,
    pub errors: BTreeMap<String, u64>,
    pub usage: Vec<Usage>,
    pub initial_sync_seconds: f64,
}

#[derive(Default)]
struct Shared {
    measuring: AtomicBool,
    stop: AtomicBool,
    ready: AtomicUsize,
    syncs: AtomicU64,
    limited: AtomicU64,
    duplicates: AtomicU64,
    /// event id → receivers (user ids) that saw it, with the latency each saw.
    delivered: Mutex<HashMap<String, Vec<(String, f64)>>>,
    sent: Mutex<Vec<Sent>>,
    send_ms: Mutex<Vec<f64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    /// Thread roots of this run per room, for replies.
    threads: Mutex<HashMap<String, Vec<String>>>,
}

impl Shared {
    fn error(&self, what: &str, e: &rounds::api::Error) {
        let kind = e.status().map_or_else(|| "connection".to_owned(), |s| s.to_string());
        *self.errors.lock().unwrap().entry(format!("{what} {kind}")).or_default() += 1;
    }
}

/// Who takes part: the first `staff_per_clinic` of each clinic; of those, `active_per_clinic`
/// spread over the roles (numbers 2, 5, 8, …) send. The same people are active at every size.
fn taking_part<'a>(options: &Options, group: &'a [GroupClinic]) -> Vec<(&'a Person, bool)> {
    group
        .iter()
        .flat_map(|clinic| clinic.people.iter().take(options.staff_per_clinic))
        .map(|p| {
            let active = p.number >= 2 && (p.number - 2) % 3 == 0 && (p.number - 2) / 3 < options.active_per_clinic;
            (p, active && !p.rooms.is_empty())
        })
        .collect()
}

/// Runs the traffic; fails when the homeserver cannot even bring everyone online.
pub fn run(options: &Options, group: &[GroupClinic]) -> Result<Outcome, String> {
    let people = taking_part(options, group);
    let run = format!("{:x}", now_ms());
    let shared = Arc::new(Shared::default());
    let started = Instant::now();
    eprintln!(
        "load: {} people syncing ({} active), run {run}",
        people.len(),
        people.iter().filter(|p| p.1).count()
    );
    // Staggered over a few seconds, as a clinic's morning is; each starts with an initial sync.
    let stagger = Duration::from_millis(5_000 / people.len().max(1) as u64);
    for (person, active) in &people {
        let (shared, hs, session, active) = (
            shared.clone(),
            options.homeserver.clone(),
            person.session.clone(),
            *active,
        );
        let run = run.clone();
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || follow(&hs, session, active, &run, &shared))
            .expect("a thread per person");
        std::thread::sleep(stagger);
    }
    while shared.ready.load(Ordering::Relaxed) < people.len() {
        if started.elapsed() > INITIAL_SYNC_PATIENCE {
            let ready = shared.ready.load(Ordering::Relaxed);
            return Err(format!(
                "only {ready} of {} initial syncs had finished after {} s",
                people.len(),
                INITIAL_SYNC_PATIENCE.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let initial_sync_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "load: everyone synced in {initial_sync_seconds:.1} s; measuring {} s",
        options.measured.as_secs()
    );

    let flag = options.measuring_flag.as_deref();
    if let Some(f) = flag {
        let _ = std::fs::write(f, &run);
    }
    let before = processes::sample(&options.processes);
    let measured_from = Instant::now();
    let started_ms = now_ms();
    shared.measuring.store(true, Ordering::Relaxed);
    let deadline = measured_from + options.measured;
    let senders: Vec<_> = people
        .iter()
        .filter(|(_, active)| *active)
        .enumerate()
        .map(|(k, (person, _))| {
            let (shared, hs, session, rooms) = (
                shared.clone(),
                options.homeserver.clone(),
                person.session.clone(),
                person.rooms.clone(),
            );
            let run = run.clone();
            std::thread::spawn(move || send_loop(&hs, session, rooms, &run, k as u64, deadline, &shared))
        })
        .collect();
    senders.into_iter().for_each(|s| s.join().expect("sender"));
    let drained_from = Instant::now();
    while undelivered(&people, &shared) > 0 && drained_from.elapsed() < DRAIN_CAP {
        std::thread::sleep(Duration::from_millis(500));
    }
    shared.measuring.store(false, Ordering::Relaxed);
    let measured_seconds = measured_from.elapsed().as_secs_f64();
    let after = processes::sample(&options.processes);
    shared.stop.store(true, Ordering::Relaxed);
    if let Some(f) = flag {
        let _ = std::fs::remove_file(f);
    }
    Ok(outcome(
        &people,
        &shared,
        run,
        started_ms,
        measured_seconds,
        initial_sync_seconds,
        processes::usage(&before, &after),
    ))
}

/// Who should see a message: everyone taking part who is in its room, but its sender.
fn expected_receivers<'a>(people: &'a [(&'a Person, bool)], message: &'a Sent) -> impl Iterator<Item = &'a str> + 'a {
    people
        .iter()
        .map(|(person, _)| *person)
        .filter(move |p| p.session.user_id != message.sender && p.rooms.contains(&message.room))
        .map(|p| p.session.user_id.as_str())
}

/// Deliveries still to come: (message, receiver) pairs not seen in a `/sync` yet.
fn undelivered(people: &[(&Person, bool)], shared: &Shared) -> usize {
    let sent = shared.sent.lock().unwrap();
    let delivered = shared.delivered.lock().unwrap();
    sent.iter()
        .map(|message| {
            let seen = delivered.get(&message.event_id).map_or(0, Vec::len);
            expected_receivers(people, message).count().saturating_sub(seen)
        })
        .sum()
}

fn outcome(
    people: &[(&Person, bool)],
    shared: &Shared,
    run: String,
    started_ms: u64,
    measured_seconds: f64,
    initial_sync_seconds: f64,
    usage: Vec<Usage>,
) -> Outcome {
    let sent = std::mem::take(&mut *shared.sent.lock().unwrap());
    let delivered = shared.delivered.lock().unwrap();
    let mut latencies = Vec::new();
    let mut missing = 0;
    for message in &sent {
        let seen = delivered.get(&message.event_id);
        let receivers: HashSet<&str> = seen.into_iter().flatten().map(|(r, _)| r.as_str()).collect();
        latencies.extend(seen.into_iter().flatten().map(|(_, l)| *l));
        missing += expected_receivers(people, message)
            .filter(|user| !receivers.contains(user))
            .count();
    }
    Outcome {
        run,
        started_ms,
        measured_seconds,
        participants: people.len(),
        active: people.iter().filter(|p| p.1).count(),
        sent,
        latencies,
        missing_deliveries: missing,
        duplicate_deliveries: shared.duplicates.load(Ordering::Relaxed),
        syncs: shared.syncs.load(Ordering::Relaxed),
        limited_timelines: shared.limited.load(Ordering::Relaxed),
        send_ms: std::mem::take(&mut *shared.send_ms.lock().unwrap()),
        errors: shared.errors.lock().unwrap().clone(),
        usage,
        initial_sync_seconds,
    }
}

/// One person's `/sync` loop, for the whole run; the active also post read receipts.
fn follow(homeserver: &str, session: Session, active: bool, run: &str, shared: &Shared) {
    let me = session.user_id.clone();
    let client = client(homeserver).with_session(session);
    let filter = serde_json::to_string(&Filter::rounds(20)).expect("filter");
    let mut since: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut last_receipt = Instant::now() - RECEIPT_EVERY;
    let mut first = true;
    while !shared.stop.load(Ordering::Relaxed) {
        let request = SyncRequest {
            filter: Some(filter.clone()),
            since: since.clone(),
            timeout: (!first).then_some(LONG_POLL),
            ..SyncRequest::default()
        };
        let response = match pollster::block_on(client.sync(&request)) {
            Ok(r) => r,
            Err(e) => {
                if shared.measuring.load(Ordering::Relaxed) {
                    shared.error("sync", &e);
                }
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        let received = now_ms();
        if first {
            shared.ready.fetch_add(1, Ordering::Relaxed);
            first = false;
        }
        since = Some(response.next_batch);
        if !shared.measuring.load(Ordering::Relaxed) {
            continue;
        }
        shared.syncs.fetch_add(1, Ordering::Relaxed);
        let mut to_acknowledge = None;
        for (room, joined) in &response.rooms.join {
            if joined.timeline.limited {
                shared.limited.fetch_add(1, Ordering::Relaxed);
            }
            for event in &joined.timeline.events {
                let Some(sent_ms) = marker(&event.content, run) else {
                    continue;
                };
                if event.sender == me {
                    continue;
                }
                if !seen.insert(event.event_id.clone()) {
                    shared.duplicates.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let latency = received.saturating_sub(sent_ms) as f64;
                shared
                    .delivered
                    .lock()
                    .unwrap()
                    .entry(event.event_id.clone())
                    .or_default()
                    .push((me.clone(), latency));
                // A thread's root belongs to the main timeline; its replies to the thread.
                let thread = event.thread_root().map(str::to_owned);
                to_acknowledge = Some((room.clone(), event.event_id.clone(), thread));
            }
        }
        if let (true, Some((room, event, thread))) = (active, to_acknowledge) {
            if last_receipt.elapsed() >= RECEIPT_EVERY {
                last_receipt = Instant::now();
                if let Err(e) = pollster::block_on(client.send_read_receipt(&room, &event, thread.as_deref())) {
                    shared.error("receipt", &e);
                }
            }
        }
    }
}

/// The send time of a load-test message of this run.
fn marker(content: &Value, run: &str) -> Option<u64> {
    let marker = content.get(MARKER)?;
    (marker.get("run")?.as_str()? == run).then(|| marker.get("sent_ms")?.as_u64())?
}

/// A tiny deterministic generator (xorshift): the same choices on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// An active person: every 2–4 s a new thread (sometimes) or a reply in one of this run's
/// threads of a room they are in, often announced by typing first. A failed send is retried
/// with the same transaction id, as the app's outbox does.
fn send_loop(
    homeserver: &str,
    session: Session,
    rooms: Vec<String>,
    run: &str,
    k: u64,
    deadline: Instant,
    shared: &Shared,
) {
    let me = session.user_id.clone();
    let client = client(homeserver).with_session(session);
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (k + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    // Spread the first sends over the first interval.
    std::thread::sleep(Duration::from_millis(dice.below(3_000)));
    let mut seq = 0;
    while Instant::now() < deadline {
        let room = &rooms[dice.below(rooms.len() as u64) as usize];
        let roots = shared.threads.lock().unwrap().get(room).cloned().unwrap_or_default();
        let new_thread = roots.len() < 3 || dice.below(100) < 15;
        if dice.below(100) < 30 {
            if let Err(e) = pollster::block_on(client.set_typing(room, true, 5_000)) {
                shared.error("typing", &e);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        seq += 1;
        let mut content = json!({
            "msgtype": "m.text",
            MARKER: { "run": run, "seq": seq, "sent_ms": now_ms() },
        });
        if new_thread {
            content["body"] = json!(format!(
                "Load test thread {seq} from {me}\n\nA new question for the team."
            ));
            content["app.rounds.thread"] =
                json!({ "topic": format!("Load test thread {seq}"), "patient": null, "priority": "routine" });
        } else {
            let root = &roots[dice.below(roots.len() as u64) as usize];
            content["body"] = json!(format!("Reply {seq} from {me}"));
            content["m.relates_to"] = json!({ "rel_type": "m.thread", "event_id": root, "is_falling_back": true, "m.in_reply_to": { "event_id": root } });
        }
        let txn = format!("load-{run}-{k}-{seq}");
        let started = Instant::now();
        for attempt in 0..5 {
            match pollster::block_on(client.send_event(room, "m.room.message", &txn, &content)) {
                Ok(event_id) => {
                    shared
                        .send_ms
                        .lock()
                        .unwrap()
                        .push(started.elapsed().as_secs_f64() * 1000.0);
                    if new_thread {
                        shared
                            .threads
                            .lock()
                            .unwrap()
                            .entry(room.clone())
                            .or_default()
                            .push(event_id.clone());
                    }
                    shared.sent.lock().unwrap().push(Sent {
                        room: room.clone(),
                        event_id,
                        sender: me.clone(),
                        seq,
                    });
                    break;
                }
                Err(e) => {
                    shared.error("send", &e);
                    std::thread::sleep(Duration::from_millis(500 * (attempt + 1)));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2_000 + dice.below(2_000)));
    }
}
