//! Native benchmark of the domain inbox (`cargo bench --bench inbox`): builds an `Inbox` of
//! 10,000 threads the way the sync engine feeds it, then times `Inbox::query` for the filters
//! staff use. No framework: `std::time::Instant`, median and p95 over many iterations.
//!
//! Prints a human table, then one line `BENCH_JSON {...}` that `bench/run.sh` folds into its
//! report. The bench profile inherits `[profile.release]` (opt-level "z", LTO), the same
//! optimisation the shipped wasm gets; figures are for native x86-64, not wasm.

use rounds::domain::{Body, Delivery, Filter, Inbox, Incoming, Message, Patient, Priority, ThreadInfo, View};
use std::hint::black_box;
use std::time::{Duration, Instant};

const THREADS: usize = 10_000;
const ROOMS: [&str; 7] = [
    "!clinical:x",
    "!scheduling:x",
    "!authorization:x",
    "!billing:x",
    "!referral:x",
    "!documentation:x",
    "!staffing:x",
];
const ME: &str = "@morgan:x";
const STAFF: [&str; 5] = ["@morgan:x", "@priya:x", "@jordan:x", "@dana:x", "@sam:x"];
const PATIENTS: [&str; 12] = [
    "Sara M.",
    "Liam K.",
    "Maya R.",
    "Noah T.",
    "Ethan W.",
    "Ava P.",
    "Oliver G.",
    "Emma L.",
    "José H.",
    "Zoë F.",
    "Amara N.",
    "Kai D.",
];
const TOPICS: [&str; 8] = [
    "Authorization renewal pending",
    "Client canceled — please confirm reschedule",
    "Progress note missing",
    "Evaluation findings to review",
    "Home program update",
    "Insurance card expired",
    "Denied claim — corrected codes needed",
    "Coverage needed for Friday",
];

fn message(id: String, sender: &str, ts: u64, text: String) -> Message {
    Message {
        id,
        sender: sender.to_owned(),
        ts,
        body: Body::Text(text),
        delivery: Delivery::Sent,
        txn_id: None,
        edited_at: None,
    }
}

/// What 10,000 threads look like to the inbox: roots with metadata, 0–3 replies each, names,
/// and read receipts on a third of the threads (the rest are unread).
fn batch() -> Vec<Incoming> {
    let mut items = Vec::with_capacity(THREADS * 4);
    for (i, user) in STAFF.iter().enumerate() {
        items.push(Incoming::Name {
            user_id: (*user).to_owned(),
            name: ["Morgan Reyes", "Priya Shah", "Jordan Ellis", "Dana Brooks", "Sam Ortiz"][i].to_owned(),
        });
    }
    let mut ts = 1_700_000_000_000_u64;
    for n in 0..THREADS {
        let room = ROOMS[n % ROOMS.len()];
        let root = format!("$root{n}");
        ts += 1_000;
        let patient = (n % 7 != 3).then(|| Patient {
            display: PATIENTS[(n * 7) % PATIENTS.len()].to_owned(),
            id: None,
        });
        items.push(Incoming::Root {
            room_id: room.to_owned(),
            message: message(
                root.clone(),
                STAFF[(n + 1) % STAFF.len()],
                ts,
                format!("Can someone take a look today? Details are in the chart ({n})."),
            ),
            info: ThreadInfo {
                topic: format!("{} (b{n:05})", TOPICS[(n * 3) % TOPICS.len()]),
                patient,
                priority: if n % 10 == 0 {
                    Priority::Urgent
                } else {
                    Priority::Routine
                },
                to_roles: Vec::new(),
                category: None,
                from_ehr: None,
            },
        });
        let mut last = root.clone();
        for r in 0..(n % 4) {
            ts += 10;
            last = format!("$reply{n}-{r}");
            items.push(Incoming::InThread {
                room_id: room.to_owned(),
                root_id: root.clone(),
                message: message(
                    last.clone(),
                    STAFF[(n + r + 2) % STAFF.len()],
                    ts,
                    "Noted — I will follow up on this today.".to_owned(),
                ),
            });
        }
        if n % 3 == 0 {
            items.push(Incoming::Receipt {
                room_id: room.to_owned(),
                user_id: ME.to_owned(),
                event_id: last,
                ts: Some(ts),
            });
        }
    }
    items
}

struct Stats {
    n: usize,
    median: Duration,
    p95: Duration,
}

/// Runs `f` repeatedly for about `budget` (at least `min_iters` times) after a short warm-up.
fn time<R>(budget: Duration, min_iters: usize, mut f: impl FnMut() -> R) -> Stats {
    for _ in 0..3 {
        black_box(f());
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < min_iters || start.elapsed() < budget {
        let t = Instant::now();
        black_box(f());
        samples.push(t.elapsed());
        if samples.len() >= 100_000 {
            break;
        }
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        n: samples.len(),
        median: at(0.5),
        p95: at(0.95),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let budget = Duration::from_millis(
        std::env::var("ROUNDS_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_500),
    );
    let items = batch();
    // Building: the clone of the batch is made outside the timed part.
    let build = {
        let mut samples = Vec::new();
        let start = Instant::now();
        while samples.len() < 5 || (start.elapsed() < budget && samples.len() < 200) {
            let batch = items.clone();
            let t = Instant::now();
            let mut inbox = Inbox::new(ME);
            inbox.apply(batch);
            samples.push(t.elapsed());
            black_box(inbox);
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Stats {
            n: samples.len(),
            median: at(0.5),
            p95: at(0.95),
        }
    };
    let mut inbox = Inbox::new(ME);
    inbox.apply(items.clone());
    assert_eq!(inbox.len(), THREADS);

    let filters: Vec<(&str, &str, Filter)> = vec![
        ("empty", "no filter (All)", Filter::default()),
        (
            "search",
            "search \"sara\"",
            Filter {
                search: "sara".into(),
                ..Filter::default()
            },
        ),
        (
            "search_rare",
            "search \"b04217\" (one thread)",
            Filter {
                search: "b04217".into(),
                ..Filter::default()
            },
        ),
        (
            "category",
            "category Clinical",
            Filter {
                room_id: Some(ROOMS[0].into()),
                ..Filter::default()
            },
        ),
        (
            "unread",
            "unread only",
            Filter {
                unread_only: true,
                ..Filter::default()
            },
        ),
        (
            "mine",
            "view Mine",
            Filter {
                view: View::Mine,
                ..Filter::default()
            },
        ),
        (
            "group",
            "group by patient",
            Filter {
                group_by_patient: true,
                ..Filter::default()
            },
        ),
    ];

    println!("Inbox of {} threads ({} incoming items)", inbox.len(), items.len());
    println!(
        "{:<34} {:>8} {:>11} {:>11} {:>8}",
        "operation", "results", "median ms", "p95 ms", "iters"
    );
    println!(
        "{:<34} {:>8} {:>11.3} {:>11.3} {:>8}",
        "build (Inbox::apply, all items)",
        THREADS,
        ms(build.median),
        ms(build.p95),
        build.n
    );
    let mut json = vec![format!(
        "\"build\":{{\"results\":{THREADS},\"median_ms\":{:.4},\"p95_ms\":{:.4},\"n\":{}}}",
        ms(build.median),
        ms(build.p95),
        build.n
    )];
    for (key, label, filter) in &filters {
        let results = inbox.query(filter).len();
        let s = time(budget, 20, || inbox.query(filter).len());
        println!(
            "{:<34} {:>8} {:>11.3} {:>11.3} {:>8}",
            format!("query: {label}"),
            results,
            ms(s.median),
            ms(s.p95),
            s.n
        );
        json.push(format!(
            "\"{key}\":{{\"label\":\"query: {}\",\"results\":{results},\"median_ms\":{:.4},\"p95_ms\":{:.4},\"n\":{}}}",
            label.replace('"', "\\\""),
            ms(s.median),
            ms(s.p95),
            s.n
        ));
    }
    println!("BENCH_JSON {{\"threads\":{THREADS},{}}}", json.join(","));
}
