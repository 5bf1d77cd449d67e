//! Argument parsing and the commands.

use clap::{Parser, Subcommand};
use rounds::api::{Client, NativeTransport};
use rounds::domain::ClinicPolicy;
use rounds::provision::{self, server_name, Report};
use std::process::ExitCode;

/// Set up a Rounds clinic on a Matrix homeserver and manage who holds which role.
#[derive(Parser)]
#[command(name = "rounds-admin", version)]
struct Args {
    /// Homeserver base URL.
    #[arg(long, env = "ROUNDS_HOMESERVER", default_value = "http://127.0.0.1:8008")]
    homeserver: String,
    /// The clinic admin's user name (the password is read from ROUNDS_ADMIN_PASSWORD).
    #[arg(long, env = "ROUNDS_ADMIN_USER", default_value = "admin")]
    admin: String,
    /// Alias prefix of the clinic's rooms (`rounds` → `#rounds:server`, `#rounds.clinical:server`).
    #[arg(long, env = "ROUNDS_CLINIC", default_value = "rounds")]
    clinic: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the clinic with the default policy, or bring an existing one in line with it.
    CreateClinic {
        /// The clinic's display name.
        #[arg(long)]
        name: String,
    },
    /// Give a staff member roles (they join the allowed categories when they next sign in).
    AddRoles {
        /// User name or full Matrix id.
        user: String,
        /// Role ids, such as clinician or front-desk.
        #[arg(required = true)]
        roles: Vec<String>,
    },
    /// Take roles from a staff member and remove them from categories no remaining role allows.
    RemoveRoles {
        /// User name or full Matrix id.
        user: String,
        /// Role ids.
        #[arg(required = true)]
        roles: Vec<String>,
    },
    /// List the staff and their roles.
    Staff,
    /// Seed the demo clinic "Riverside Therapy" with staff and threads (Synapse only).
    SeedDemo {
        /// File holding Synapse's registration_shared_secret.
        #[arg(long)]
        shared_secret_file: std::path::PathBuf,
    },
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    match pollster::block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rounds-admin: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads a required secret from the environment.
pub fn env_secret(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("set {name} in the environment"))
}

/// `@name:server` from `name` or an already full id.
pub fn full_user_id(user: &str, server: &str) -> String {
    if user.starts_with('@') {
        user.to_owned()
    } else {
        format!("@{user}:{server}")
    }
}

fn print_report(report: &Report) {
    if report.changes.is_empty() {
        println!("Nothing to change.");
    }
    for change in &report.changes {
        println!("  {change}");
    }
}

async fn run(args: Args) -> Result<(), String> {
    // A clinic's homeserver has rate limits; the tool waits them out rather than failing.
    let mut client = Client::new(NativeTransport::default(), &args.homeserver)
        .waiting_out_rate_limits(std::time::Duration::from_secs(120));
    // Seeding registers its own users with the shared secret: no admin password needed.
    if let Command::SeedDemo { shared_secret_file } = &args.command {
        return seed_demo(&args, shared_secret_file).await;
    }
    let password = env_secret("ROUNDS_ADMIN_PASSWORD")?;
    client
        .login(&args.admin, &password, None)
        .await
        .map_err(|e| format!("signing in as {}: {e}", args.admin))?;
    let server = server_name(client.user_id().map_err(|e| e.to_string())?).to_owned();
    let result = command(&client, &args, &server).await;
    // Always end the admin session, even after a failure.
    let _ = client.logout().await;
    result
}

async fn seed_demo(args: &Args, shared_secret_file: &std::path::Path) -> Result<(), String> {
    let secret = std::fs::read_to_string(shared_secret_file)
        .map_err(|e| format!("cannot read {}: {e}", shared_secret_file.display()))?;
    crate::demo::seed(&args.homeserver, secret.trim(), &args.clinic).await
}

async fn command(client: &Client<NativeTransport>, args: &Args, server: &str) -> Result<(), String> {
    let err = |e: provision::ProvisionError| e.to_string();
    match &args.command {
        Command::CreateClinic { name } => {
            let (clinic, report) = provision::ensure_clinic(client, &args.clinic, ClinicPolicy::with_defaults(name))
                .await
                .map_err(err)?;
            println!("Clinic '{}' is {}", clinic.policy.name, clinic.space);
            print_report(&report);
        }
        Command::AddRoles { user, roles } => {
            let clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            let user = full_user_id(user, server);
            print_report(&provision::add_roles(client, &clinic, &user, roles).await.map_err(err)?);
        }
        Command::RemoveRoles { user, roles } => {
            let clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            let user = full_user_id(user, server);
            print_report(
                &provision::remove_roles(client, &clinic, &user, roles)
                    .await
                    .map_err(err)?,
            );
        }
        Command::Staff => {
            let clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            for entry in provision::roster(client, &clinic).await.map_err(err)? {
                let name = entry.display_name.as_deref().unwrap_or("");
                println!("{:<32} {:<24} {}", entry.user_id, name, entry.roles.join(", "));
            }
        }
        Command::SeedDemo { shared_secret_file } => seed_demo(args, shared_secret_file).await?,
    }
    Ok(())
}
