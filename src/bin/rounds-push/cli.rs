//! Command line: `serve` (the gateway) and `public-key` (what `config.json` needs).

use crate::notify::{answer, Gateway};
use crate::renotify::{Policy, Reminders};
use crate::webpush::{Origin, Sender, Vapid};
use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Notify requests are a few hundred bytes; anything far larger is not from a homeserver.
const MAX_REQUEST_BYTES: u64 = 64 * 1024;
/// Requests handled at once: each may wait on a slow push service (up to its timeout), and a
/// burst — an urgent thread reaching a whole role — must not queue behind it.
const WORKERS: usize = 32;
/// How often due reminders are looked for.
const REMINDER_TICK: Duration = Duration::from_millis(250);

#[derive(Parser)]
#[command(
    name = "rounds-push",
    about = "Matrix push gateway for Web Push (ids only, never content)"
)]
struct Cli {
    /// Folder for the VAPID key pair (made on first use, kept private).
    #[arg(long, env = "ROUNDS_PUSH_STATE")]
    state: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer the homeserver's notify requests.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8120")]
        listen: String,
        /// The application id Rounds registers its pushers with; others are rejected.
        #[arg(long, default_value = "org.rounds.web")]
        app_id: String,
        /// Contact the push services see in the VAPID claim (`mailto:` or `https:`).
        #[arg(long, default_value = "mailto:it@clinic.example")]
        contact: String,
        /// A push service allowed besides the browsers' own: `scheme://host` (any port) or
        /// `scheme://host:port` (repeatable).
        #[arg(long = "allow-endpoint", value_parser = Origin::parse)]
        allow_endpoints: Vec<Origin>,
        /// Seconds between repeats of an urgent push nobody has read yet.
        #[arg(long, default_value_t = 120)]
        renotify_every: u64,
        /// How many times an unread urgent push is repeated (0: never).
        #[arg(long, default_value_t = 3)]
        renotify_times: u32,
    },
    /// Print the VAPID public key (base64url), for `push.vapid_public_key` in config.json.
    PublicKey,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let vapid = match Vapid::load_or_create(&cli.state) {
        Ok(vapid) => vapid,
        Err(e) => {
            eprintln!("rounds-push: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::PublicKey => {
            println!("{}", vapid.public_key());
            ExitCode::SUCCESS
        }
        Command::Serve {
            listen,
            app_id,
            contact,
            allow_endpoints,
            renotify_every,
            renotify_times,
        } => {
            let policy = Policy {
                every: Duration::from_secs(renotify_every.max(1)),
                times: renotify_times,
            };
            let sender = Sender::new(vapid, contact, allow_endpoints);
            let gateway = Arc::new(Gateway::new(app_id, sender, Reminders::new(policy)));
            let reminding = gateway.clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(REMINDER_TICK);
                reminding.remind_due();
            });
            serve(&listen, gateway)
        }
    }
}

fn serve(listen: &str, gateway: Arc<Gateway>) -> ExitCode {
    let server = match tiny_http::Server::http(listen) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("rounds-push: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("rounds-push: listening on http://{listen}");
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (server, gateway) = (server.clone(), gateway.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(&gateway, request);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    ExitCode::SUCCESS
}

fn handle(gateway: &Arc<Gateway>, mut request: tiny_http::Request) {
    let is_notify = request.url() == "/_matrix/push/v1/notify";
    let (status, body) = if !is_notify {
        (404, error_body("M_UNRECOGNIZED", "Unknown endpoint"))
    } else if *request.method() != tiny_http::Method::Post {
        (405, error_body("M_UNRECOGNIZED", "Use POST"))
    } else {
        let mut bytes = Vec::new();
        let read = request.as_reader().take(MAX_REQUEST_BYTES + 1).read_to_end(&mut bytes);
        if read.is_err() || bytes.len() as u64 > MAX_REQUEST_BYTES {
            (400, error_body("M_BAD_JSON", "Request unreadable or too large"))
        } else {
            answer(gateway, &bytes)
        }
    };
    let header = tiny_http::Header::from_bytes("Content-Type", "application/json").expect("static header");
    // One request per connection: tiny_http serves each connection on one of a few pooled
    // threads until the client closes it, so kept-alive connections from the homeserver made a
    // burst of new ones wait (up to the homeserver's 60 s timeout).
    let close = tiny_http::Header::from_bytes("Connection", "close").expect("static header");
    let response = tiny_http::Response::from_string(body)
        .with_status_code(status)
        .with_header(header)
        .with_header(close);
    if let Err(e) = request.respond(response) {
        eprintln!("rounds-push: could not answer the homeserver: {e}");
    }
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "errcode": code, "error": message }).to_string()
}
