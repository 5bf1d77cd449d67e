//! Benchmark of the EHR watch (`bench/watch.sh` starts the servers and runs
//! `cargo bench --bench watch`): against the real Synapse, FHIR server and identity provider,
//!   - EHR change → thread visible to the addressed role: the watch runs as the service does
//!     (a round every `WATCH_EVERY`), the front desk long-polls `/sync`; a visit is marked
//!     missed and the time until the front desk's sync brings the thread is taken, N times;
//!   - the service's cost at 10,000 appointments: a first round over 10,000 changed
//!     appointments (none needs work), then a quiet round.
//!
//! Prints a human table, then one line `BENCH_JSON {...}`.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use rounds::api::{Body, Client, HttpRequest, Method, NativeTransport, SyncRequest, Transport};
    use rounds::domain::clinic::roles::FRONT_DESK;
    use rounds::domain::ClinicPolicy;
    use rounds::fhir::backend::{backend_client, BackendCredentials};
    use rounds::fhir::{Appointment, FhirClient};
    use rounds::provision;
    use rounds::watch::Watch;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    const SAMPLES: usize = 20;
    const WATCH_EVERY: Duration = Duration::from_millis(500);
    const LOAD: usize = 10_000;
    const SCOPES: &str = "system/Appointment.rs system/ServiceRequest.rs system/Patient.r";

    fn env(name: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run bench/watch.sh"))
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        pollster::block_on(f)
    }

    fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    /// A fresh account on the benchmark's homeserver, signed in.
    fn new_user(name: &str) -> Client<NativeTransport> {
        let homeserver = env("ROUNDS_TEST_HOMESERVER");
        let secret = std::fs::read_to_string(env("ROUNDS_TEST_SECRET_FILE")).expect("shared secret");
        let user = format!("{name}{}", now_ms());
        let registrar = Client::new(NativeTransport::default(), &homeserver);
        run(registrar.register_with_shared_secret(secret.trim(), &user, &user, "bench password")).expect("register");
        let mut client = Client::new(NativeTransport::default(), &homeserver);
        run(client.login(&user, "bench password", None)).expect("log in");
        client
    }

    /// A token of the test suite's own EHR client (system/*.cruds), which writes as the clinic's
    /// staff would.
    fn writer_token() -> String {
        let request = HttpRequest {
            method: Method::Post,
            url: format!("{}/token", env("ROUNDS_TEST_IDP")),
            access_token: None,
            body: Some(Body::form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "rounds-tests"),
                ("client_secret", &env("ROUNDS_TEST_IDP_SECRET")),
                ("scope", "system/*.cruds"),
            ])),
            if_match: None,
            timeout: Duration::from_secs(10),
        };
        let response = run(NativeTransport::default().send(request)).expect("token");
        let token: serde_json::Value = serde_json::from_slice(&response.body).expect("token answer");
        token["access_token"].as_str().expect("an access token").to_owned()
    }

    fn appointment(status: &str, days_ago: u64) -> Appointment {
        let start = now_ms() - days_ago * 86_400_000;
        serde_json::from_value(serde_json::json!({
            "resourceType": "Appointment", "status": status,
            "start": rounds::fhir::instant::format(start),
            "end": rounds::fhir::instant::format(start + 3_600_000),
            "serviceType": [{ "text": "Speech-language pathology" }],
            "participant": [
                { "actor": { "reference": "Patient/liam-k" }, "status": "accepted" },
                { "actor": { "reference": "Practitioner/jordan" }, "status": "accepted" }
            ]
        }))
        .expect("an appointment")
    }

    fn watch_for(service: Client<NativeTransport>, prefix: &str) -> Watch<NativeTransport> {
        let pem = std::fs::read_to_string(env("ROUNDS_TEST_WATCH_KEY")).expect("the watch's key");
        let credentials = Rc::new(BackendCredentials::from_pem("rounds-watch", &pem).expect("a key"));
        let ehr = backend_client(
            NativeTransport::default(),
            &env("ROUNDS_TEST_FHIR"),
            credentials,
            SCOPES,
        );
        run(Watch::start(service, ehr, prefix, 0)).expect("the watch starts")
    }

    fn percentile(sorted: &[f64], p: f64) -> f64 {
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }

    /// Puts the test EHR back to its seed (`POST /reset` beside the FHIR base), so the watch's
    /// first look back finds only the seed, not an earlier run's 10,000 appointments.
    fn reset_ehr(token: &str) {
        let base = env("ROUNDS_TEST_FHIR");
        let request = HttpRequest {
            method: Method::Post,
            url: format!("{}/reset", base.trim_end_matches("/fhir/R4")),
            access_token: Some(token.to_owned()),
            body: None,
            if_match: None,
            timeout: Duration::from_secs(60),
        };
        let response = run(NativeTransport::default().send(request)).expect("reset");
        assert_eq!(
            response.status,
            200,
            "reset: {}",
            String::from_utf8_lossy(&response.body)
        );
    }

    pub fn main() {
        let token = writer_token();
        reset_ehr(&token);
        // A clinic of its own: the front desk, and the service account the watch signs in as.
        let admin = new_user("benchadmin");
        let prefix = format!("bench{}", now_ms());
        let (clinic, _) = run(provision::ensure_clinic(
            &admin,
            &prefix,
            ClinicPolicy::with_defaults("Bench"),
        ))
        .expect("clinic");
        let front_desk = new_user("benchdesk");
        let desk_id = front_desk.user_id().unwrap().to_owned();
        run(provision::add_roles(
            &admin,
            &clinic,
            &desk_id,
            &[FRONT_DESK.to_owned()],
        ))
        .expect("role");
        run(provision::accept_clinic_invites_and_join(&front_desk, &prefix)).expect("join");
        let service = new_user("benchservice");
        run(provision::enlist_escalation_service(
            &admin,
            &clinic,
            service.user_id().unwrap(),
        ))
        .expect("service");
        let session = service.session().unwrap().clone();
        let homeserver = env("ROUNDS_TEST_HOMESERVER");

        // The watch, as the service runs it, in its own thread.
        let stop = Arc::new(AtomicBool::new(false));
        let watching = {
            let (stop, prefix, homeserver) = (stop.clone(), prefix.clone(), homeserver.clone());
            std::thread::spawn(move || {
                let matrix = Client::new(NativeTransport::default(), &homeserver).with_session(session);
                let mut watch = watch_for(matrix, &prefix);
                while !stop.load(Ordering::Relaxed) {
                    run(watch.round(now_ms())).expect("a round");
                    std::thread::sleep(WATCH_EVERY);
                }
            })
        };

        // EHR change → the front desk's sync brings the thread.
        let ehr = FhirClient::new(
            NativeTransport::default(),
            &env("ROUNDS_TEST_FHIR"),
            Some(token.clone()),
        );
        let mut since = run(front_desk.sync(&SyncRequest {
            timeout: Some(Duration::ZERO),
            ..SyncRequest::default()
        }))
        .expect("first sync")
        .next_batch;
        let mut latencies = Vec::new();
        for sample in 0..SAMPLES {
            // Changes land anywhere in the watch's polling interval, not in step with it.
            std::thread::sleep(WATCH_EVERY.mul_f64(((sample * 7) % SAMPLES) as f64 / SAMPLES as f64));
            let booked = run(ehr.create(&appointment("booked", 1))).expect("booked");
            let mut missed = booked.resource.clone();
            missed.status = "noshow".into();
            let resource = format!("Appointment/{}", booked.resource.id.as_deref().unwrap());
            let started = Instant::now();
            run(ehr.update(&missed, &booked.version)).expect("marked missed");
            let deadline = started + Duration::from_secs(30);
            'wait: while Instant::now() < deadline {
                let answer = run(front_desk.sync(&SyncRequest {
                    since: Some(since.clone()),
                    timeout: Some(Duration::from_secs(10)),
                    ..SyncRequest::default()
                }))
                .expect("sync");
                since = answer.next_batch;
                for room in answer.rooms.join.values() {
                    if room
                        .timeline
                        .events
                        .iter()
                        .any(|e| e.content["app.rounds.watch"]["resource"] == resource)
                    {
                        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                        break 'wait;
                    }
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        watching.join().expect("the watch thread");
        assert_eq!(
            latencies.len(),
            SAMPLES,
            "every missed visit became a thread within 30 s"
        );
        latencies.sort_by(f64::total_cmp);

        // The cost of reading 10,000 changed appointments, then of a quiet round.
        let t = Instant::now();
        let batch = |n: usize| {
            let entries: Vec<serde_json::Value> = (0..n)
            .map(|_| serde_json::json!({ "resource": appointment("booked", 2), "request": { "method": "POST", "url": "Appointment" } }))
            .collect();
            serde_json::json!({ "resourceType": "Bundle", "type": "batch", "entry": entries })
        };
        for _ in 0..LOAD / 100 {
            let request = HttpRequest {
                method: Method::Post,
                url: env("ROUNDS_TEST_FHIR"),
                access_token: Some(token.clone()),
                body: Some(Body::Json(batch(100).to_string())),
                if_match: None,
                timeout: Duration::from_secs(60),
            };
            let response = run(NativeTransport::default().send(request)).expect("batch");
            assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        }
        let write_s = t.elapsed().as_secs_f64();
        let fresh = new_user("benchservice2");
        run(provision::enlist_escalation_service(
            &admin,
            &clinic,
            fresh.user_id().unwrap(),
        ))
        .expect("service");
        let mut cold = watch_for(fresh, &prefix);
        let t = Instant::now();
        run(cold.round(now_ms())).expect("the first round");
        let first_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        run(cold.round(now_ms())).expect("a quiet round");
        let quiet_ms = t.elapsed().as_secs_f64() * 1000.0;

        let (p50, p95) = (percentile(&latencies, 0.5), percentile(&latencies, 0.95));
        println!(
            "EHR watch, polling every {} ms ({SAMPLES} missed visits):",
            WATCH_EVERY.as_millis()
        );
        println!(
            "  EHR change → thread in the front desk's sync: median {p50:.0} ms, p95 {p95:.0} ms, max {:.0} ms",
            latencies[SAMPLES - 1]
        );
        println!("At {LOAD} more appointments (written in {write_s:.1} s):");
        println!("  first round over every change: {first_ms:.0} ms; quiet round: {quiet_ms:.0} ms");
        println!(
            "BENCH_JSON {}",
            serde_json::json!({
                "poll_ms": WATCH_EVERY.as_millis() as u64, "samples": SAMPLES,
                "change_to_sync_p50_ms": p50.round(), "change_to_sync_p95_ms": p95.round(),
                "appointments": LOAD, "first_round_ms": first_ms.round(), "quiet_round_ms": quiet_ms.round(),
            })
        );
    }
}
