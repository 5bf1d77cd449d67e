//! The clinic group: accounts, clinics and roles (kept between runs: only what is missing is
//! added), and everyone's session for the run.

use crate::parallel;
use rounds::api::{Client, NativeTransport, Session};
use rounds::domain::clinic::roles;
use rounds::domain::ClinicPolicy;
use rounds::provision::{self, Clinic};
use std::collections::BTreeSet;
use std::time::Duration;

const PASSWORD: &str = "rounds-load";
/// Requests made at once while setting up (the homeserver is the bottleneck, not the client).
const SETUP_WORKERS: usize = 8;

/// One person of the group, signed in.
pub struct Person {
    /// Who in the clinic (1-based, as in the account name).
    pub number: usize,
    pub session: Session,
    /// The clinic's category rooms this person is in (their roles decide).
    pub rooms: Vec<String>,
}

/// A clinic of the group: its category rooms and its people (the admin first).
pub struct GroupClinic {
    pub rooms: Vec<String>,
    pub people: Vec<Person>,
}

fn localpart(clinic: usize, number: usize) -> String {
    format!("load{}-{number:03}", clinic + 1)
}

/// The role of the clinic's `number`th person: 1 is the admin; of every ten, six clinicians,
/// three at the front desk, one in billing.
fn role(number: usize) -> &'static str {
    match number {
        1 => roles::ADMIN,
        _ => match number % 10 {
            0 => roles::BILLING,
            1 | 8 | 9 => roles::FRONT_DESK,
            _ => roles::CLINICIAN,
        },
    }
}

pub fn client(homeserver: &str) -> Client<NativeTransport> {
    Client::new(NativeTransport::default(), homeserver).waiting_out_rate_limits(Duration::from_secs(120))
}

fn register_or_sign_in(homeserver: &str, secret: &str, user: &str) -> Session {
    let mut client = client(homeserver);
    let display = format!("Load {user}");
    match pollster::block_on(client.register_with_shared_secret(secret, user, &display, PASSWORD)) {
        Ok(session) => session,
        Err(e) if e.errcode() == Some("M_USER_IN_USE") => pollster::block_on(client.login(user, PASSWORD, None))
            .unwrap_or_else(|e| panic!("signing in as {user}: {e}")),
        Err(e) => panic!("registering {user}: {e}"),
    }
}

fn joined(homeserver: &str, session: &Session) -> BTreeSet<String> {
    let client = client(homeserver).with_session(session.clone());
    pollster::block_on(client.joined_rooms())
        .unwrap_or_else(|e| panic!("rooms of {}: {e}", session.user_id))
        .into_iter()
        .collect()
}

/// Creates (or completes) the group's clinics with `per_clinic` staff each and signs everyone in.
pub fn provision(homeserver: &str, secret: &str, clinics: usize, per_clinic: usize) -> Vec<GroupClinic> {
    (0..clinics)
        .map(|c| provision_clinic(homeserver, secret, c, per_clinic))
        .collect()
}

fn provision_clinic(homeserver: &str, secret: &str, c: usize, per_clinic: usize) -> GroupClinic {
    let prefix = format!("load{}", c + 1);
    let admin_session = register_or_sign_in(homeserver, secret, &localpart(c, 1));
    let admin = client(homeserver).with_session(admin_session.clone());
    let policy = ClinicPolicy::with_defaults(&format!("Load Clinic {}", c + 1));
    let (clinic, _) = pollster::block_on(provision::ensure_clinic(&admin, &prefix, policy))
        .unwrap_or_else(|e| panic!("clinic {prefix}: {e}"));
    let rooms: Vec<String> = clinic.policy.categories.iter().filter_map(|c| c.room.clone()).collect();

    let numbers: Vec<usize> = (2..=per_clinic).collect();
    let sessions = parallel::map(&numbers, SETUP_WORKERS, |&n| {
        let session = register_or_sign_in(homeserver, secret, &localpart(c, n));
        let in_clinic = joined(homeserver, &session).contains(&clinic.space);
        (n, session, in_clinic)
    });
    let missing: Vec<&(usize, Session, bool)> = sessions.iter().filter(|(_, _, joined)| !joined).collect();
    if !missing.is_empty() {
        eprintln!("load: {prefix}: giving {} people their roles", missing.len());
    }
    for (n, session, _) in &missing {
        pollster::block_on(provision::add_roles(
            &admin,
            &clinic,
            &session.user_id,
            &[role(*n).to_owned()],
        ))
        .unwrap_or_else(|e| panic!("role for {}: {e}", session.user_id));
    }
    parallel::map(&missing, SETUP_WORKERS, |(_, session, _)| {
        let member = client(homeserver).with_session(session.clone());
        pollster::block_on(provision::accept_clinic_invites_and_join(&member, &prefix))
            .unwrap_or_else(|e| panic!("{} joining {prefix}: {e}", session.user_id));
    });

    let everyone: Vec<(usize, Session)> = std::iter::once((1, admin_session))
        .chain(sessions.into_iter().map(|(n, s, _)| (n, s)))
        .collect();
    let people = parallel::map(&everyone, SETUP_WORKERS, |(n, session)| Person {
        number: *n,
        rooms: in_categories(&clinic, &joined(homeserver, session)),
        session: session.clone(),
    });
    GroupClinic { rooms, people }
}

fn in_categories(clinic: &Clinic, joined: &BTreeSet<String>) -> Vec<String> {
    clinic
        .policy
        .categories
        .iter()
        .filter_map(|c| c.room.clone())
        .filter(|room| joined.contains(room))
        .collect()
}

/// Ends every session of the group (each run signs in anew).
pub fn sign_out(homeserver: &str, group: &[GroupClinic]) {
    let sessions: Vec<&Session> = group.iter().flat_map(|c| c.people.iter().map(|p| &p.session)).collect();
    parallel::map(&sessions, SETUP_WORKERS, |session| {
        let mut client = client(homeserver).with_session((*session).clone());
        let _ = pollster::block_on(client.logout());
    });
}
