//! Command line and the service loop: sign in, then a round every few seconds; after any
//! failure, wait (growing) and start over from the record on the homeserver.

use clap::Parser;
use rounds::api::{Client, NativeTransport};
use rounds::fhir::backend::{backend_client, BackendCredentials};
use rounds::sync::{Backoff, NativePlatform, Platform};
use rounds::watch::{Happened, Watch};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

/// The service account's device for the watch (the escalation service has its own).
const DEVICE_ID: &str = "ROUNDSWATCH";
/// What the watch reads, and nothing more: it never writes to the EHR.
const SCOPES: &str = "system/Appointment.rs system/ServiceRequest.rs system/Patient.r";

/// Opens threads for work the clinic's EHR shows, as the clinic's rules say.
#[derive(Parser)]
#[command(name = "rounds-watch", version)]
struct Args {
    /// Homeserver base URL.
    #[arg(long, env = "ROUNDS_HOMESERVER", default_value = "http://127.0.0.1:8008")]
    homeserver: String,
    /// Alias prefix of the clinic's rooms.
    #[arg(long, env = "ROUNDS_CLINIC", default_value = "rounds")]
    clinic: String,
    /// The clinic's service account's user name.
    #[arg(long, env = "ROUNDS_SERVICE_USER", default_value = "rounds-escalation")]
    user: String,
    /// File holding the service account's password.
    #[arg(long, env = "ROUNDS_SERVICE_PASSWORD_FILE")]
    password_file: PathBuf,
    /// The EHR's FHIR base URL.
    #[arg(long, env = "ROUNDS_FHIR")]
    fhir: String,
    /// The watch's client id at the clinic's identity provider.
    #[arg(long, env = "ROUNDS_WATCH_CLIENT", default_value = "rounds-watch")]
    client_id: String,
    /// File holding the watch's private key (P-256, PKCS#8 PEM); the provider has its public key.
    #[arg(long, env = "ROUNDS_WATCH_KEY_FILE")]
    key_file: PathBuf,
    /// Seconds between reads of the EHR.
    #[arg(long, env = "ROUNDS_WATCH_EVERY", default_value_t = 5.0)]
    every_seconds: f64,
    /// The clinic's offset from UTC in minutes, for the times written in threads.
    #[arg(
        long,
        env = "ROUNDS_UTC_OFFSET_MINUTES",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    utc_offset_minutes: i32,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    let read = |path: &PathBuf| match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(text),
        Ok(_) => Err(format!("{} is empty", path.display())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    };
    let (password, key) = match (read(&args.password_file), read(&args.key_file)) {
        (Ok(password), Ok(key)) => (password.trim().to_owned(), key),
        (Err(e), _) | (_, Err(e)) => return fail(&e),
    };
    let credentials = match BackendCredentials::from_pem(&args.client_id, &key) {
        Ok(c) => Rc::new(c),
        Err(e) => return fail(&format!("{}: {e}", args.key_file.display())),
    };
    let platform = NativePlatform::default();
    let mut backoff = Backoff::default();
    loop {
        // Returns only with an error: the homeserver or the EHR went away or refused.
        let error = pollster::block_on(serve(&args, &password, &credentials, &platform, &mut backoff));
        let delay = backoff.next_delay(platform.random());
        eprintln!("rounds-watch: {error}; starting over in {:.1} s", delay as f64 / 1000.0);
        std::thread::sleep(Duration::from_millis(delay));
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("rounds-watch: {message}");
    ExitCode::FAILURE
}

async fn serve(
    args: &Args,
    password: &str,
    credentials: &Rc<BackendCredentials>,
    platform: &NativePlatform,
    backoff: &mut Backoff,
) -> String {
    let mut matrix =
        Client::new(NativeTransport::default(), &args.homeserver).waiting_out_rate_limits(Duration::from_secs(60));
    if let Err(e) = matrix.login(&args.user, password, Some(DEVICE_ID)).await {
        return format!("signing in as {}: {e}", args.user);
    }
    let ehr = backend_client(NativeTransport::default(), &args.fhir, credentials.clone(), SCOPES);
    let mut watch = match Watch::start(matrix, ehr, &args.clinic, args.utc_offset_minutes).await {
        Ok(w) => w,
        Err(e) => return e.to_string(),
    };
    let mut announced = false;
    loop {
        match watch.round(platform.now_ms()).await {
            Ok(happened) => happened.iter().for_each(|h| report(h, platform.now_ms())),
            Err(e) => return e.to_string(),
        }
        if !announced {
            // After the first round: the EHR answered and the record is current.
            let read: Vec<String> = watch
                .checkpoints()
                .iter()
                .map(|(kind, at)| format!("{kind} up to {at}"))
                .collect();
            println!(
                "rounds-watch: watching the EHR of '{}' (read {})",
                watch.clinic_name(),
                read.join(", ")
            );
            announced = true;
        }
        backoff.reset();
        std::thread::sleep(Duration::from_secs_f64(args.every_seconds.max(0.1)));
    }
}

/// One line per thread opened, resolved or reopened, with how long after the EHR recorded the
/// fact it was opened (the figure the watch's latency is measured by).
fn report(happened: &Happened, now: u64) {
    match happened {
        Happened::Opened {
            fact,
            root,
            recorded_at,
        } => println!(
            "rounds-watch: opened {root} for {} ({} ms after the EHR recorded it)",
            fact.key(),
            now.saturating_sub(*recorded_at)
        ),
        Happened::Resolved { fact, root } => println!("rounds-watch: resolved {root} ({})", fact.key()),
        Happened::Reopened { fact, root } => println!("rounds-watch: reopened {root} ({})", fact.key()),
        Happened::Skipped { fact, why } => println!("rounds-watch: left {} alone: {why}", fact.key()),
    }
}
