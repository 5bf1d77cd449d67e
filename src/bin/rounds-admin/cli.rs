//! Argument parsing and the commands.

use clap::{Parser, Subcommand};
use rounds::api::{Client, NativeTransport};
use rounds::domain::{ClinicPolicy, Escalation, WatchKind};
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
        /// File holding the password of the escalation service's account (`rounds-escalation`),
        /// to register and enlist it too.
        #[arg(long)]
        escalation_password_file: Option<std::path::PathBuf>,
        /// With the escalation service: urgent clinical and scheduling threads escalate after
        /// this many seconds (reminder), then again as long (the admin is called in).
        #[arg(long, requires = "escalation_password_file")]
        escalation_window: Option<u32>,
        /// The homeserver's single sign-on provider (`oidc-rounds`): the demo accounts are
        /// linked to their subject there (the demo provider's subject is the username).
        #[arg(long)]
        sso_provider: Option<String>,
    },
    /// Make an existing account the clinic's escalation service (it joins every role space to
    /// read who holds each role, holds no role itself and gets no power).
    EscalationService {
        /// User name or full Matrix id of the service account.
        user: String,
    },
    /// Show how urgent threads escalate, or set it for one category.
    Escalation {
        /// The category id (all categories are shown without one).
        category: Option<String>,
        /// Seconds an urgent thread waits before its roles are reminded, and again before the
        /// backup role is called in.
        #[arg(long, requires = "category", conflicts_with = "off")]
        window: Option<u32>,
        /// The role called in when nobody acknowledges.
        #[arg(long, default_value = "admin")]
        backup: String,
        /// Stop urgent threads of the category escalating.
        #[arg(long, requires = "category")]
        off: bool,
    },
    /// Show how long each category keeps messages, or set it for one category (the homeserver
    /// purges older messages; Rounds neither shows nor keeps them).
    Retention {
        /// The category id (all categories are shown without one).
        category: Option<String>,
        /// Keep messages this many days.
        #[arg(long, requires = "category", conflicts_with_all = ["minutes", "off"])]
        days: Option<u32>,
        /// Keep messages this many minutes.
        #[arg(long, requires = "category", conflicts_with = "off")]
        minutes: Option<u32>,
        /// Keep messages as long as the homeserver does.
        #[arg(long, requires = "category")]
        off: bool,
    },
    /// Show which files staff may attach and how large, or change it (Rounds checks before
    /// upload; the homeserver's max_upload_size must be at least as large).
    Attachments {
        /// The largest file, in megabytes.
        #[arg(long)]
        max_mb: Option<u64>,
        /// The content types accepted, comma-separated (of image/jpeg, image/png, image/webp,
        /// image/gif, application/pdf).
        #[arg(long, value_delimiter = ',')]
        types: Option<Vec<String>>,
    },
    /// Show what the EHR watch (rounds-watch) does with each kind of EHR fact, or change one
    /// kind's rule (what is not given stays as it was).
    Watch {
        /// The kind: missed-visit or patient-cancelled (all kinds are shown without one).
        kind: Option<String>,
        /// Open threads for this kind.
        #[arg(long, requires = "kind", conflicts_with = "off")]
        on: bool,
        /// Open no threads for this kind.
        #[arg(long, requires = "kind")]
        off: bool,
        /// The category the threads are opened in.
        #[arg(long, requires = "kind")]
        category: Option<String>,
        /// The roles the threads are addressed to, comma-separated.
        #[arg(long, requires = "kind", value_delimiter = ',')]
        roles: Option<Vec<String>>,
        /// Open the threads as urgent (they wait for an acknowledgement) or routine.
        #[arg(long, requires = "kind", value_parser = ["urgent", "routine"])]
        priority: Option<String>,
    },
    /// Show a category's message templates (numbered), or add or remove one.
    Templates {
        /// The category id.
        category: String,
        /// A template to add, such as "Authorization approved through {date}".
        #[arg(long, conflicts_with = "remove")]
        add: Option<String>,
        /// The number of a template to remove (as listed).
        #[arg(long)]
        remove: Option<usize>,
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

/// One line per category (or only `only`): its window and backup role, or that it does not escalate.
fn print_escalation(policy: &ClinicPolicy, only: Option<&str>) {
    let service = policy
        .escalation_service
        .as_deref()
        .unwrap_or("none (rounds-admin escalation-service)");
    println!("Escalation service: {service}");
    for category in policy.categories.iter().filter(|c| only.is_none_or(|id| id == c.id)) {
        match &category.escalation {
            Some(e) => println!(
                "  {:<16} reminder after {} s, then {} after {} s",
                category.id,
                e.window_seconds,
                e.backup_role,
                2 * u64::from(e.window_seconds)
            ),
            None => println!("  {:<16} does not escalate", category.id),
        }
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
    if let Command::SeedDemo {
        shared_secret_file,
        escalation_password_file,
        escalation_window,
        sso_provider,
    } = &args.command
    {
        let escalation = escalation_password_file.as_deref().map(|f| (f, *escalation_window));
        return seed_demo(&args, shared_secret_file, escalation, sso_provider.as_deref()).await;
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

/// `escalation`: the service account's password file, and the demo's window if any.
async fn seed_demo(
    args: &Args,
    shared_secret_file: &std::path::Path,
    escalation: Option<(&std::path::Path, Option<u32>)>,
    sso_provider: Option<&str>,
) -> Result<(), String> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let secret = read(shared_secret_file)?;
    let escalation = match escalation {
        Some((file, window)) => Some(crate::demo::EscalationSetup {
            password: read(file)?,
            window_seconds: window,
        }),
        None => None,
    };
    crate::demo::seed(&args.homeserver, &secret, &args.clinic, escalation, sso_provider).await
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
        Command::EscalationService { user } => {
            let clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            let user = full_user_id(user, server);
            let (_, report) = provision::enlist_escalation_service(client, &clinic, &user)
                .await
                .map_err(err)?;
            print_report(&report);
        }
        Command::Escalation {
            category,
            window,
            backup,
            off,
        } => {
            let mut clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            if let Some(category) = category.as_deref().filter(|_| *off || window.is_some()) {
                let escalation = window.map(|window_seconds| Escalation {
                    window_seconds,
                    backup_role: backup.clone(),
                });
                let (changed, report) = provision::set_escalation(client, &clinic, category, escalation)
                    .await
                    .map_err(err)?;
                print_report(&report);
                clinic = changed;
            }
            print_escalation(&clinic.policy, category.as_deref());
        }
        Command::Retention {
            category,
            days,
            minutes,
            off,
        } => {
            let mut clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            let minutes = days.map(|d| d.saturating_mul(24 * 60)).or(*minutes);
            if let Some(category) = category.as_deref().filter(|_| *off || minutes.is_some()) {
                let (changed, report) = provision::set_retention(client, &clinic, category, minutes)
                    .await
                    .map_err(err)?;
                print_report(&report);
                clinic = changed;
            }
            for c in clinic.policy.categories.iter() {
                if category.as_deref().is_none_or(|only| only == c.id) {
                    let kept = c
                        .retention_minutes
                        .map_or("as long as the homeserver keeps them".into(), |m| {
                            format!("{m} minutes")
                        });
                    println!("{:<16} {kept}", c.id);
                }
            }
        }
        Command::Watch {
            kind,
            on,
            off,
            category,
            roles,
            priority,
        } => {
            let mut clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            let kind = match kind.as_deref() {
                Some(id) => Some(WatchKind::from_id(id).ok_or_else(|| {
                    let known: Vec<&str> = WatchKind::ALL.iter().map(|k| k.id()).collect();
                    format!("no kind '{id}' (kinds: {})", known.join(", "))
                })?),
                None => None,
            };
            let changes = *on || *off || category.is_some() || roles.is_some() || priority.is_some();
            if let Some(kind) = kind.filter(|_| changes) {
                let mut rule = clinic.policy.watch_rule(kind);
                rule.enabled = if *off { false } else { *on || rule.enabled };
                rule.category = category.clone().unwrap_or(rule.category);
                rule.roles = roles.clone().unwrap_or(rule.roles);
                rule.urgent = priority.as_deref().map_or(rule.urgent, |p| p == "urgent");
                let (changed, report) = provision::set_watch_rule(client, &clinic, rule).await.map_err(err)?;
                print_report(&report);
                clinic = changed;
            }
            for kind in WatchKind::ALL
                .into_iter()
                .filter(|k| kind.is_none_or(|only| only == *k))
            {
                let rule = clinic.policy.watch_rule(kind);
                if rule.enabled {
                    println!(
                        "{:<18} {} threads in {} for {}",
                        kind.id(),
                        if rule.urgent { "urgent" } else { "routine" },
                        rule.category,
                        rule.roles.join(", ")
                    );
                } else {
                    println!("{:<18} off", kind.id());
                }
            }
        }
        Command::Templates { category, add, remove } => {
            let clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            let mut templates = clinic
                .policy
                .category(category)
                .map(|c| c.templates.clone())
                .ok_or_else(|| format!("the clinic has no category '{category}'"))?;
            if let Some(number) = remove {
                if *number == 0 || *number > templates.len() {
                    return Err(format!("'{category}' has no template number {number}"));
                }
                templates.remove(number - 1);
            }
            templates.extend(add.iter().map(|t| t.trim().to_owned()));
            if add.is_some() || remove.is_some() {
                let (_, report) = provision::set_templates(client, &clinic, category, templates.clone())
                    .await
                    .map_err(err)?;
                print_report(&report);
            }
            templates
                .iter()
                .enumerate()
                .for_each(|(i, t)| println!("  {}. {t}", i + 1));
        }
        Command::Attachments { max_mb, types } => {
            let mut clinic = provision::load_clinic(client, &args.clinic).await.map_err(err)?;
            if max_mb.is_some() || types.is_some() {
                let mut rules = clinic.policy.attachments.clone();
                if let Some(mb) = max_mb {
                    rules.max_bytes = mb.saturating_mul(1024 * 1024);
                }
                if let Some(types) = types {
                    rules.types = types.iter().map(|t| t.trim().to_ascii_lowercase()).collect();
                }
                let (changed, report) = provision::set_attachment_rules(client, &clinic, rules)
                    .await
                    .map_err(err)?;
                print_report(&report);
                clinic = changed;
            }
            let rules = &clinic.policy.attachments;
            println!(
                "largest file   {}",
                rounds::domain::attachment::human_size(rules.max_bytes)
            );
            println!("types          {}", rules.types.join(", "));
        }
        Command::SeedDemo { .. } => unreachable!("seeding signs in by itself"),
    }
    Ok(())
}
