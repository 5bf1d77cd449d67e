//! `provision`: set up a clinic on any Matrix homeserver and manage who holds which role.
//!
//! Everything here goes through the typed [`Client`], so the same code runs in the admin
//! command-line tool, the demo seeding and the app's Staff page. Every operation is
//! idempotent: it reads the current state first and changes only what differs, reporting each
//! change in a [`Report`].

mod conversation;
mod member;
mod role_history;
mod rooms;
mod settings;
mod staff;

pub use conversation::start_conversation;
pub use member::{accept_clinic_invites_and_join, enter_clinic, Membership};
pub use role_history::{role_history, RoleHistory};
pub use rooms::{category_alias, clinic_alias, full_alias, role_alias, ADMIN_POWER};
pub use settings::{
    enlist_escalation_service, set_attachment_rules, set_escalation, set_retention, set_templates, set_watch_rule,
};
pub use staff::{accept_roles, add_roles, remove_roles, role_members, roster, RosterEntry};

use crate::api::rounds::{CLINIC_STATE, RETRACTION_STATE};
use crate::api::{Client, Error as ApiError, InitialState, Transport};
use crate::domain::{ClinicPolicy, PolicyError};
use serde_json::{json, Value};
use std::fmt;

/// What a provisioning step changed; empty when everything was already in place.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// One line per change, such as `created category room clinical`.
    pub changes: Vec<String>,
}

impl Report {
    fn note(&mut self, change: impl Into<String>) {
        self.changes.push(change.into());
    }
}

/// Why provisioning failed.
#[derive(Debug, Clone)]
pub enum ProvisionError {
    /// The homeserver refused or could not be reached.
    Api {
        /// What was being done.
        step: String,
        /// The client error.
        error: ApiError,
    },
    /// The policy is inconsistent.
    Policy(PolicyError),
    /// Something the operation needs does not exist.
    NotFound(String),
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProvisionError::Api { step, error } => write!(f, "{step}: {error}"),
            ProvisionError::Policy(e) => write!(f, "invalid clinic policy: {e}"),
            ProvisionError::NotFound(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for ProvisionError {}

/// Attaches a description of the step to an API error.
pub(crate) trait Step<T> {
    fn step(self, what: impl FnOnce() -> String) -> Result<T, ProvisionError>;
}

impl<T> Step<T> for Result<T, ApiError> {
    fn step(self, what: impl FnOnce() -> String) -> Result<T, ProvisionError> {
        self.map_err(|error| ProvisionError::Api { step: what(), error })
    }
}

/// A provisioned clinic: its space and its policy with every room id filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clinic {
    /// Room id of the clinic space.
    pub space: String,
    /// The policy as stored in the space.
    pub policy: ClinicPolicy,
}

/// The server name of a user id (`example.org` in `@a:example.org`).
pub fn server_name(user_id: &str) -> &str {
    user_id.split_once(':').map_or("", |(_, server)| server)
}

/// Creates the clinic described by `policy` under aliases starting with `prefix`, or brings an
/// existing one in line with it. The signed-in user becomes (or must already be) its admin.
pub async fn ensure_clinic<T: Transport>(
    client: &Client<T>,
    prefix: &str,
    mut policy: ClinicPolicy,
) -> Result<(Clinic, Report), ProvisionError> {
    policy.validate().map_err(ProvisionError::Policy)?;
    let me = client.user_id().step(|| "sign in first".into())?.to_owned();
    let server = server_name(&me).to_owned();
    let mut report = Report::default();

    for i in 0..policy.roles.len() {
        let role = &policy.roles[i];
        let alias = role_alias(prefix, &role.id);
        let name = format!("{} · {}", policy.name, role.label);
        let id = ensure_room(
            client,
            &alias,
            &server,
            &name,
            true,
            rooms::invite_join_rule(),
            vec![],
            &mut report,
        )
        .await?;
        policy.roles[i].space = Some(id);
    }

    let all_role_spaces: Vec<String> = policy.roles.iter().filter_map(|r| r.space.clone()).collect();
    let space = ensure_room(
        client,
        &clinic_alias(prefix),
        &server,
        &policy.name,
        true,
        rooms::restricted_join_rule(&all_role_spaces),
        vec![],
        &mut report,
    )
    .await?;

    for i in 0..policy.categories.len() {
        let category = &policy.categories[i];
        let allowed: Vec<String> = category
            .roles
            .iter()
            .filter_map(|r| policy.role(r).and_then(|r| r.space.clone()))
            .collect();
        let parent = InitialState {
            kind: "m.space.parent".into(),
            state_key: space.clone(),
            content: json!({ "via": [server], "canonical": true }),
        };
        let name = format!("{} · {}", policy.name, category.label);
        let alias = category_alias(prefix, &category.id);
        let join_rule = rooms::restricted_join_rule(&allowed);
        let id = ensure_room(
            client,
            &alias,
            &server,
            &name,
            false,
            join_rule,
            vec![parent],
            &mut report,
        )
        .await?;
        let window = json!({ "window_minutes": policy.retraction_window_minutes });
        ensure_state(client, &id, RETRACTION_STATE, "", &window, &mut report).await?;
        policy.categories[i].room = Some(id);
    }

    let children: Vec<String> = policy
        .roles
        .iter()
        .filter_map(|r| r.space.clone())
        .chain(policy.categories.iter().filter_map(|c| c.room.clone()))
        .collect();
    for child in &children {
        let content = json!({ "via": [server] });
        ensure_state(client, &space, "m.space.child", child, &content, &mut report).await?;
    }
    keep_admin_settings(client, &space, &mut policy).await?;
    let policy_json = serde_json::to_value(&policy).expect("policy serialises");
    ensure_state(client, &space, CLINIC_STATE, "", &policy_json, &mut report).await?;
    let clinic = Clinic { space, policy };
    // Clinics from before the directory get it here.
    staff::publish_staff(client, &clinic, None, &mut report).await?;
    Ok((clinic, report))
}

/// Escalation and templates are set after the clinic exists (`rounds-admin escalation`,
/// `templates`): bringing the clinic in line with a policy that does not mention them keeps the
/// ones in place.
async fn keep_admin_settings<T: Transport>(
    client: &Client<T>,
    space: &str,
    policy: &mut ClinicPolicy,
) -> Result<(), ProvisionError> {
    let current: Option<ClinicPolicy> = client
        .state(space, CLINIC_STATE, "")
        .await
        .step(|| "reading the clinic policy".into())?;
    let Some(current) = current else { return Ok(()) };
    policy.escalation_service = policy
        .escalation_service
        .take()
        .or_else(|| current.escalation_service.clone());
    for category in policy.categories.iter_mut() {
        let Some(kept) = current.category(&category.id) else {
            continue;
        };
        if category.escalation.is_none() {
            category.escalation = kept.escalation.clone();
        }
        if category.templates.is_empty() {
            category.templates = kept.templates.clone();
        }
        category.retention_minutes = category.retention_minutes.or(kept.retention_minutes);
    }
    // A kept setting must still fit the new policy (its backup role may be gone).
    policy.validate().map_err(ProvisionError::Policy)
}

/// Finds the clinic by alias and reads its policy, as any member can.
pub async fn load_clinic<T: Transport>(client: &Client<T>, prefix: &str) -> Result<Clinic, ProvisionError> {
    let me = client.user_id().step(|| "sign in first".into())?;
    let alias = full_alias(&clinic_alias(prefix), server_name(me));
    let space = client
        .resolve_alias(&alias)
        .await
        .step(|| format!("looking up {alias}"))?
        .ok_or_else(|| ProvisionError::NotFound(format!("no clinic at {alias}; create it first")))?;
    let policy: ClinicPolicy = client
        .state(&space, CLINIC_STATE, "")
        .await
        .step(|| format!("reading the clinic policy of {alias}"))?
        .ok_or_else(|| ProvisionError::NotFound(format!("{alias} has no clinic policy")))?;
    Ok(Clinic { space, policy })
}

/// Resolves `#alias:server`, creating the room if it is missing, then makes its state match.
#[allow(clippy::too_many_arguments)]
async fn ensure_room<T: Transport>(
    client: &Client<T>,
    alias: &str,
    server: &str,
    name: &str,
    is_space: bool,
    join_rule: Value,
    extra_state: Vec<InitialState>,
    report: &mut Report,
) -> Result<String, ProvisionError> {
    let full = full_alias(alias, server);
    let existing = client
        .resolve_alias(&full)
        .await
        .step(|| format!("looking up {full}"))?;
    let Some(room) = existing else {
        let request = rooms::create_request(alias, name, is_space, join_rule, extra_state);
        let id = client.create_room(&request).await.step(|| format!("creating {full}"))?;
        report.note(format!("created {full}"));
        return Ok(id);
    };
    ensure_state(client, &room, "m.room.name", "", &json!({ "name": name }), report).await?;
    ensure_state(client, &room, "m.room.join_rules", "", &join_rule, report).await?;
    for (kind, content) in rooms::common_state() {
        ensure_state(client, &room, kind, "", &content, report).await?;
    }
    for state in extra_state {
        ensure_state(client, &room, &state.kind, &state.state_key, &state.content, report).await?;
    }
    let events_default = if is_space { ADMIN_POWER } else { 0 };
    ensure_power_levels(client, &room, &rooms::required_power_levels(events_default), report).await?;
    Ok(room)
}

/// Puts a state event unless the room already has exactly that content.
async fn ensure_state<T: Transport>(
    client: &Client<T>,
    room: &str,
    kind: &str,
    key: &str,
    content: &Value,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let current: Option<Value> = client
        .state(room, kind, key)
        .await
        .step(|| format!("reading {kind} of {room}"))?;
    if current.as_ref() != Some(content) {
        client
            .put_state(room, kind, key, content)
            .await
            .step(|| format!("setting {kind} of {room}"))?;
        report.note(format!("set {kind} {key} in {room}"));
    }
    Ok(())
}

/// Merges `required` into the room's power levels, writing only when something changes.
pub(crate) async fn ensure_power_levels<T: Transport>(
    client: &Client<T>,
    room: &str,
    required: &Value,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let current: Value = client
        .state(room, "m.room.power_levels", "")
        .await
        .step(|| format!("reading power levels of {room}"))?
        .unwrap_or_else(|| json!({}));
    let mut desired = current.clone();
    rooms::merge_json(&mut desired, required);
    if desired != current {
        client
            .put_state(room, "m.room.power_levels", "", &desired)
            .await
            .step(|| format!("setting power levels of {room}"))?;
        report.note(format!("updated power levels in {room}"));
    }
    Ok(())
}
