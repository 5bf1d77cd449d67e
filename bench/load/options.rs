//! What one run does, from the environment (the variables are listed in main.rs).

use std::time::Duration;

/// Clinics in the group; staff are spread evenly over them.
pub const CLINICS: usize = 5;
/// Staff accounts provisioned per clinic (the most a run can use).
pub const STAFF_PER_CLINIC: usize = 100;

/// What one run does, from the environment.
pub struct Options {
    pub homeserver: String,
    pub secret: String,
    /// People per clinic taking part.
    pub staff_per_clinic: usize,
    pub active_per_clinic: usize,
    pub measured: Duration,
    pub processes: Vec<(String, u32)>,
    pub measuring_flag: Option<String>,
    pub provisioned_flag: Option<String>,
    pub wait_for: Option<String>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn number(name: &str, default: usize) -> usize {
    env_or(name, &default.to_string())
        .parse()
        .unwrap_or_else(|_| panic!("{name} must be a whole number"))
}

pub fn from_env() -> Options {
    let secret_file = std::env::var("ROUNDS_LOAD_SECRET_FILE").expect("ROUNDS_LOAD_SECRET_FILE is required");
    let staff = number("ROUNDS_LOAD_STAFF", 100).clamp(CLINICS, CLINICS * STAFF_PER_CLINIC);
    let mut processes: Vec<(String, u32)> = env_or("ROUNDS_LOAD_PROCESSES", "")
        .split(',')
        .filter_map(|entry| {
            let (name, pid) = entry.split_once('=')?;
            Some((name.to_owned(), pid.parse().ok()?))
        })
        .collect();
    // The generator shares the machine with the homeserver: its own share is part of the picture.
    processes.push(("load generator".to_owned(), std::process::id()));
    let path = |name: &str| std::env::var(name).ok().filter(|p| !p.is_empty());
    Options {
        homeserver: env_or("ROUNDS_LOAD_HOMESERVER", "http://127.0.0.1:18048"),
        secret: std::fs::read_to_string(&secret_file)
            .unwrap_or_else(|e| panic!("reading {secret_file}: {e}"))
            .trim()
            .to_owned(),
        staff_per_clinic: staff / CLINICS,
        active_per_clinic: number("ROUNDS_LOAD_ACTIVE", 6),
        measured: Duration::from_secs(number("ROUNDS_LOAD_SECONDS", 60) as u64),
        processes,
        measuring_flag: path("ROUNDS_LOAD_MEASURING"),
        provisioned_flag: path("ROUNDS_LOAD_PROVISIONED"),
        wait_for: path("ROUNDS_LOAD_WAIT_FOR"),
    }
}
