//! The demo clinic, "Riverside Therapy": five staff and a dozen everyday threads.

use crate::cli::full_user_id;
use rounds::api::rounds::{ack_content, thread_reply_content, PatientRef, Priority, ThreadMeta, THREAD_ACK};
use rounds::api::{events::MESSAGE, Client, NativeTransport, ThreadsInclude};
use rounds::domain::clinic::roles::{ADMIN, BILLING, CLINICIAN, FRONT_DESK};
use rounds::domain::{ClinicPolicy, Escalation};
use rounds::provision::{self, server_name};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long one call may wait out the homeserver's rate limits.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// The password of every demo account (printed by `scripts/dev.sh`).
pub const DEMO_PASSWORD: &str = "rounds-demo";

/// (user name, display name, role)
pub const DEMO_STAFF: [(&str, &str, &str); 5] = [
    ("morgan", "Morgan Reyes", ADMIN),
    ("priya", "Priya Shah", CLINICIAN),
    ("jordan", "Jordan Ellis", CLINICIAN),
    ("dana", "Dana Brooks", FRONT_DESK),
    ("sam", "Sam Ortiz", BILLING),
];

/// Message templates of the demo clinic, per category.
const TEMPLATES: [(&str, &[&str]); 3] = [
    (
        "scheduling",
        &[
            "Patient has arrived",
            "{patient} canceled {day} at {time}: please confirm a reschedule",
            "Running about {minutes} minutes late",
        ],
    ),
    (
        "authorization",
        &[
            "Authorization approved through {date}",
            "Authorization denied: please call the payer before {date}",
        ],
    ),
    ("clinical", &["Session note is signed and in the chart"]),
];

struct DemoThread {
    category: &'static str,
    author: &'static str,
    patient: Option<&'static str>,
    topic: &'static str,
    urgent: bool,
    message: &'static str,
    replies: &'static [(&'static str, &'static str)],
}

const THREADS: &[DemoThread] = &[
    DemoThread {
        category: "referral",
        author: "dana",
        patient: Some("Liam K."),
        topic: "New referral needs follow-up by end of today",
        urgent: true,
        message: "Referral from Dr. Patel's office came in by fax for Liam K. (speech evaluation). Who can call the family today?",
        replies: &[("priya", "I can call at 3:30 after my session."), ("dana", "Thanks — their number is in the referral packet.")],
    },
    DemoThread {
        category: "scheduling",
        author: "dana",
        patient: Some("Maya R."),
        topic: "Client canceled — please confirm reschedule",
        urgent: false,
        message: "Maya R.'s mom canceled Tuesday's visit with Jordan. Can we find her another time this week?",
        replies: &[("jordan", "Any afternoon works for me — take what's free."), ("dana", "I'll reschedule it from this thread.")],
    },
    DemoThread {
        category: "authorization",
        author: "sam",
        patient: Some("Sara M."),
        topic: "Authorization renewal pending",
        urgent: true,
        message: "Sara M.'s OT authorization expires Friday with 4 visits left. Renewal went in Monday; the payer hasn't responded.",
        replies: &[
            ("priya", "The progress note for the renewal is uploaded."),
            ("sam", "Thanks — I'll call the payer first thing tomorrow."),
        ],
    },
    DemoThread {
        category: "authorization",
        author: "dana",
        patient: Some("Noah T."),
        topic: "Insurance authorization still pending — hold scheduling",
        urgent: false,
        message: "The payer is still reviewing Noah T.'s request. Please don't book past next Wednesday until we hear back.",
        replies: &[("jordan", "Understood, holding his Thursday slots.")],
    },
    DemoThread {
        category: "documentation",
        author: "sam",
        patient: Some("Ethan W."),
        topic: "Please upload evaluation for billing ASAP",
        urgent: true,
        message: "The claim for Ethan W.'s initial evaluation is on hold: the evaluation report isn't in the chart yet.",
        replies: &[("priya", "Uploading it now, sorry for the delay."), ("priya", "Done — it's in the chart.")],
    },
    DemoThread {
        category: "staffing",
        author: "jordan",
        patient: None,
        topic: "Friday coverage needed — therapist out sick",
        urgent: true,
        message: "I'm out sick Friday with five sessions between 9:00 and 2:00. Can anyone cover some of them?",
        replies: &[
            ("priya", "I can take 9:00 and 10:00."),
            ("dana", "I'll move 1:00 and 2:00 to next week if nobody else can."),
            ("morgan", "Thanks both — I'll cover 11:00."),
        ],
    },
    DemoThread {
        category: "documentation",
        author: "morgan",
        patient: None,
        topic: "Documentation alert — missing evaluations",
        urgent: false,
        message: "Three evaluations from last week are still unsigned in the EHR. Please sign them by Wednesday.",
        replies: &[("jordan", "Two of those are mine — signing today.")],
    },
    DemoThread {
        category: "clinical",
        author: "priya",
        patient: Some("Sara M."),
        topic: "Home program update after Tuesday session",
        urgent: false,
        message: "Sara M. is doing well with the new fine-motor home program. Her parents asked for a printed copy.",
        replies: &[("jordan", "I'll bring copies to Thursday's session.")],
    },
    DemoThread {
        category: "clinical",
        author: "jordan",
        patient: Some("Liam K."),
        topic: "Evaluation findings to review before first session",
        urgent: false,
        message: "Liam K.'s articulation evaluation is in: moderate delay. Priya, can we agree on goals before Monday?",
        replies: &[("priya", "Yes — Friday at 12:00?")],
    },
    DemoThread {
        category: "billing",
        author: "sam",
        patient: None,
        topic: "Denied claims from October — need corrected codes",
        urgent: false,
        message: "Four October claims came back denied for modifier issues. Morgan, can we review them together?",
        replies: &[("morgan", "Yes, Thursday at 4:00.")],
    },
    DemoThread {
        category: "scheduling",
        author: "priya",
        patient: Some("Ava P."),
        topic: "Move to a morning slot?",
        urgent: false,
        message: "Ava P.'s school schedule changed; the family asks for mornings starting next week.",
        replies: &[("dana", "I'll look for a morning slot and move her visit from here.")],
    },
    DemoThread {
        category: "referral",
        author: "morgan",
        patient: Some("Oliver G."),
        topic: "Referral received — waitlist or accept?",
        urgent: false,
        message: "Pediatrician referral for Oliver G. (OT). Do we have capacity this month?",
        replies: &[("priya", "I can take one more Monday/Wednesday client.")],
    },
];

/// The demo EHR's id for a demo patient (`Sara M.` → `Patient/sara-m`, see fhir/seed.mjs).
fn fhir_patient(display: &str) -> String {
    let mut words = display.split_whitespace();
    let given = words.next().unwrap_or_default().to_lowercase();
    let initial = words
        .next()
        .and_then(|w| w.chars().next())
        .map(|c| c.to_lowercase().to_string())
        .unwrap_or_default();
    format!("Patient/{given}-{initial}")
}

/// A txn id unique to this process run (each login is a new device, so ids never collide).
fn txn_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "seed-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The escalation service's account in the demo clinic.
pub const ESCALATION_USER: &str = "rounds-escalation";

/// Categories whose urgent threads escalate in the demo (backup: the admin).
const ESCALATING: [&str; 2] = ["clinical", "scheduling"];

/// The escalation service of the demo clinic.
pub struct EscalationSetup {
    /// Its account's password.
    pub password: String,
    /// The window for [`ESCALATING`] categories, if they should escalate.
    pub window_seconds: Option<u32>,
}

/// Registers the demo staff, creates the clinic, hands out roles, joins everyone to their
/// categories and posts the demo threads; with `escalation`, also registers and enlists the
/// escalation service's account (and sets the demo's windows). Safe to run again: only what is
/// missing is added.
pub async fn seed(
    homeserver: &str,
    secret: &str,
    prefix: &str,
    escalation: Option<EscalationSetup>,
    sso_provider: Option<&str>,
) -> Result<(), String> {
    let transport = NativeTransport::default();
    let mut provisioner = provisioner(homeserver, secret).await?;
    let server = server_name(provisioner.user_id().map_err(|e| e.to_string())?).to_owned();
    let mut sessions: BTreeMap<&str, Client<NativeTransport>> = BTreeMap::new();
    for (user, display, _) in DEMO_STAFF {
        // The demo homeserver keeps Synapse's default rate limits: wait them out.
        let client = Client::new(transport.clone(), homeserver).waiting_out_rate_limits(PATIENCE);
        // Registration returns a session. An account that already exists may sign in only
        // through the clinic's provider (deploy/synapse/rounds_signin.py): act as it instead.
        let session = match client
            .register_with_shared_secret(secret, user, display, DEMO_PASSWORD)
            .await
        {
            Ok(session) => {
                println!("  registered {user}");
                session
            }
            Err(e) if e.errcode() == Some("M_USER_IN_USE") => provisioner
                .login_as(&full_user_id(user, &server))
                .await
                .map_err(|e| format!("acting as {user}: {e}"))?,
            Err(e) => return Err(format!("registering {user}: {e}")),
        };
        sessions.insert(user, client.with_session(session));
    }
    let admin = &sessions["morgan"];
    let linked = match sso_provider {
        Some(provider) => link_to_provider(&provisioner, provider, &server).await,
        None => Ok(()),
    };
    let _ = provisioner.logout().await;
    linked?;
    let policy = ClinicPolicy::with_defaults("Riverside Therapy");
    let (mut clinic, report) = provision::ensure_clinic(admin, prefix, policy)
        .await
        .map_err(|e| e.to_string())?;
    report.changes.iter().for_each(|c| println!("  {c}"));
    for (user, _, role) in DEMO_STAFF {
        let id = full_user_id(user, &server);
        provision::add_roles(admin, &clinic, &id, &[role.to_owned()])
            .await
            .map_err(|e| e.to_string())?;
        provision::accept_clinic_invites_and_join(&sessions[user], prefix)
            .await
            .map_err(|e| format!("{user} joining the clinic: {e}"))?;
    }
    for (category, templates) in TEMPLATES {
        let unset = clinic.policy.category(category).is_some_and(|c| c.templates.is_empty());
        if unset {
            let templates = templates.iter().map(|t| (*t).to_owned()).collect();
            let (changed, _) = provision::set_templates(admin, &clinic, category, templates)
                .await
                .map_err(|e| e.to_string())?;
            clinic = changed;
            println!("  templates for {category}");
        }
    }
    if let Some(setup) = escalation {
        clinic = enlist_service(homeserver, secret, admin, &clinic, &setup.password).await?;
        let windows = setup.window_seconds.map(|window_seconds| Escalation {
            window_seconds,
            backup_role: ADMIN.to_owned(),
        });
        for category in windows.iter().flat_map(|_| ESCALATING) {
            (clinic, _) = provision::set_escalation(admin, &clinic, category, windows.clone())
                .await
                .map_err(|e| e.to_string())?;
            println!("  escalation for {category}");
        }
    }
    let mut has_threads = false;
    for room in clinic.policy.categories.iter().filter_map(|c| c.room.as_deref()) {
        let page = admin
            .threads(room, ThreadsInclude::All, None, 1)
            .await
            .map_err(|e| e.to_string())?;
        has_threads |= !page.chunk.is_empty();
    }
    if !has_threads {
        post_threads(&sessions, &clinic).await?;
    }
    for client in sessions.values_mut() {
        let _ = client.logout().await;
    }
    Ok(())
}

/// The seeding's server admin, for what only Synapse's admin API does (linking accounts to the
/// provider, acting for accounts that sign in only through it); only the holder of the shared
/// secret can know its password.
async fn provisioner(homeserver: &str, secret: &str) -> Result<Client<NativeTransport>, String> {
    const PROVISIONER: &str = "rounds-provisioner";
    let password = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(PROVISIONER.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    };
    let mut client = Client::new(NativeTransport::default(), homeserver).waiting_out_rate_limits(PATIENCE);
    let session = match client.register_server_admin(secret, PROVISIONER, &password).await {
        Ok(session) => session,
        Err(e) if e.errcode() == Some("M_USER_IN_USE") => client
            .login(PROVISIONER, &password, None)
            .await
            .map_err(|e| format!("signing in as {PROVISIONER}: {e}"))?,
        Err(e) => return Err(format!("registering {PROVISIONER}: {e}")),
    };
    Ok(client.with_session(session))
}

/// Links every demo account to its subject at the single sign-on `provider` (the demo
/// provider's subject is the username, `idp/staff.mjs`), as a clinic migrating existing
/// accounts does: the homeserver never links an account by its name (`allow_existing_users`
/// is off).
async fn link_to_provider(provisioner: &Client<NativeTransport>, provider: &str, server: &str) -> Result<(), String> {
    for (user, _, _) in DEMO_STAFF {
        provisioner
            .link_to_provider(&full_user_id(user, server), provider, user)
            .await
            .map_err(|e| format!("linking {user} to {provider}: {e}"))?;
    }
    println!("  linked the staff to {provider}");
    Ok(())
}

/// Registers the service account (an existing one must have this password) and enlists it.
async fn enlist_service(
    homeserver: &str,
    secret: &str,
    admin: &Client<NativeTransport>,
    clinic: &provision::Clinic,
    password: &str,
) -> Result<provision::Clinic, String> {
    let client = Client::new(NativeTransport::default(), homeserver).waiting_out_rate_limits(PATIENCE);
    match client
        .register_with_shared_secret(secret, ESCALATION_USER, "Rounds escalation", password)
        .await
    {
        Ok(session) => {
            println!("  registered {ESCALATION_USER}");
            let _ = client.with_session(session).logout().await;
        }
        Err(e) if e.errcode() == Some("M_USER_IN_USE") => {}
        Err(e) => return Err(format!("registering {ESCALATION_USER}: {e}")),
    }
    let server = server_name(admin.user_id().map_err(|e| e.to_string())?).to_owned();
    let (clinic, report) = provision::enlist_escalation_service(admin, clinic, &full_user_id(ESCALATION_USER, &server))
        .await
        .map_err(|e| e.to_string())?;
    report.changes.iter().for_each(|c| println!("  {c}"));
    Ok(clinic)
}

async fn post_threads(
    sessions: &BTreeMap<&str, Client<NativeTransport>>,
    clinic: &provision::Clinic,
) -> Result<(), String> {
    for thread in THREADS {
        let room = clinic
            .policy
            .category(thread.category)
            .and_then(|c| c.room.as_deref())
            .ok_or_else(|| format!("no category {}", thread.category))?;
        let meta = ThreadMeta {
            topic: thread.topic.into(),
            patient: thread.patient.map(|p| PatientRef {
                display: p.into(),
                id: Some(fhir_patient(p)),
            }),
            priority: if thread.urgent {
                Priority::Urgent
            } else {
                Priority::Routine
            },
            to_roles: Vec::new(),
            category: None,
        };
        let root = sessions[thread.author]
            .send_event(room, MESSAGE, &txn_id(), &meta.root_content(thread.message))
            .await
            .map_err(|e| format!("posting '{}': {e}", thread.topic))?;
        let mut latest = root.clone();
        let mut acknowledged = !thread.urgent;
        for (author, text) in thread.replies {
            latest = sessions[author]
                .send_event(room, MESSAGE, &txn_id(), &thread_reply_content(&root, &latest, text))
                .await
                .map_err(|e| format!("replying in '{}': {e}", thread.topic))?;
            // The first colleague who answers an urgent thread has taken it on: it does not
            // wait for an acknowledgement for ever (most demo categories do not escalate).
            if !acknowledged && *author != thread.author {
                latest = sessions[author]
                    .send_event(room, THREAD_ACK, &txn_id(), &ack_content(&root, &latest))
                    .await
                    .map_err(|e| format!("acknowledging '{}': {e}", thread.topic))?;
                acknowledged = true;
            }
        }
        println!("  posted '{}'", meta.title());
    }
    Ok(())
}
