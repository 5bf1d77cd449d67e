//! Command line and the service loop: sign in, catch up, then post what falls due and sync
//! until the next step is due; after any failure, wait (growing) and start over.

use clap::Parser;
use rounds::api::{Client, NativeTransport};
use rounds::escalate::{Posted, Watcher};
use rounds::sync::{Backoff, NativePlatform, Platform};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Longest single wait for news: the clock is checked at least this often.
const MAX_WAIT_MS: u64 = 30_000;
/// The service account's one device, so signing in again does not pile up devices.
const DEVICE_ID: &str = "ROUNDSESCALATION";

/// Escalates urgent threads nobody acknowledges, as the clinic's policy says.
#[derive(Parser)]
#[command(name = "rounds-escalation", version)]
struct Args {
    /// Homeserver base URL.
    #[arg(long, env = "ROUNDS_HOMESERVER", default_value = "http://127.0.0.1:8008")]
    homeserver: String,
    /// Alias prefix of the clinic's rooms.
    #[arg(long, env = "ROUNDS_CLINIC", default_value = "rounds")]
    clinic: String,
    /// The service account's user name.
    #[arg(long, env = "ROUNDS_ESCALATION_USER", default_value = "rounds-escalation")]
    user: String,
    /// File holding the service account's password.
    #[arg(long, env = "ROUNDS_ESCALATION_PASSWORD_FILE")]
    password_file: PathBuf,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    let password = match std::fs::read_to_string(&args.password_file) {
        Ok(p) if !p.trim().is_empty() => p.trim().to_owned(),
        Ok(_) => return fail(&format!("{} is empty", args.password_file.display())),
        Err(e) => return fail(&format!("cannot read {}: {e}", args.password_file.display())),
    };
    let platform = NativePlatform::default();
    let mut backoff = Backoff::default();
    loop {
        // Returns only with an error: the homeserver went away, refused, or changed under us.
        let error = pollster::block_on(serve(&args, &password, &platform, &mut backoff));
        let delay = backoff.next_delay(platform.random());
        eprintln!(
            "rounds-escalation: {error}; starting over in {:.1} s",
            delay as f64 / 1000.0
        );
        std::thread::sleep(Duration::from_millis(delay));
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("rounds-escalation: {message}");
    ExitCode::FAILURE
}

async fn serve(args: &Args, password: &str, platform: &NativePlatform, backoff: &mut Backoff) -> String {
    // Rate limits are waited out inside the client; anything else starts over.
    let mut client =
        Client::new(NativeTransport::default(), &args.homeserver).waiting_out_rate_limits(Duration::from_secs(60));
    if let Err(e) = client.login(&args.user, password, Some(DEVICE_ID)).await {
        return format!("signing in as {}: {e}", args.user);
    }
    let mut watcher = match Watcher::start(client, &args.clinic).await {
        Ok(w) => w,
        Err(e) => return e.to_string(),
    };
    let watched = watcher
        .policy()
        .categories
        .iter()
        .filter(|c| c.escalation.is_some())
        .count();
    println!(
        "rounds-escalation: watching the clinic '{}' ({watched} categories escalate)",
        watcher.policy().name
    );
    backoff.reset();
    loop {
        let now = platform.now_ms();
        match watcher.act(now).await {
            Ok(posted) => posted.iter().for_each(report),
            Err(e) => return e.to_string(),
        }
        let wait = watcher
            .next_due(now)
            .map_or(MAX_WAIT_MS, |at| at.saturating_sub(platform.now_ms()))
            .min(MAX_WAIT_MS);
        if let Err(e) = watcher.sync(Duration::from_millis(wait)).await {
            return e.to_string();
        }
    }
}

/// One line per notice, with how long after the window's end it went out (the figure the
/// escalation timeline is measured by).
fn report(posted: &Posted) {
    println!(
        "rounds-escalation: {:?} for thread {} in {}: {} people mentioned, {} ms after the window ended",
        posted.stage,
        posted.root_id,
        posted.room_id,
        posted.people.len(),
        posted.posted_at.saturating_sub(posted.due_at)
    );
}
