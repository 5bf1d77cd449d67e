//! Clinic settings admins change after the clinic exists (the admin side): the escalation
//! service's account and each category's escalation (the service itself is `rounds-escalation`,
//! [`crate::escalate`]), each category's message templates and retention, and the rules for
//! attachments.

use super::staff::{holds, membership, publish_staff, role_members, roster};
use super::{ensure_state, Clinic, ProvisionError, Report, Step};
use crate::api::rounds::CLINIC_STATE;
use serde_json::json;

/// The room state the homeserver purges expired events by (Matrix `m.room.retention`).
const RETENTION_STATE: &str = "m.room.retention";
use crate::api::{Client, Transport};
use crate::domain::{AttachmentRules, Category, ClinicPolicy, Escalation, WatchRule};

/// Makes `service` the clinic's escalation service account: invites it into every role space, so
/// it can read who holds each role and join every category room (restricted joins), and names it
/// in the policy, so that clients count its notices and nobody counts it as holding a role. It
/// gets no power anywhere: it only sends messages into category rooms.
pub async fn enlist_escalation_service<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    service: &str,
) -> Result<(Clinic, Report), ProvisionError> {
    // Named in the policy first: from then on role lists skip it, even if an invite below fails.
    let mut policy = clinic.policy.clone();
    policy.escalation_service = Some(service.to_owned());
    let (clinic, mut report) = write_policy(client, clinic, policy, Report::default()).await?;
    for space in clinic.policy.roles.iter().filter_map(|r| r.space.as_deref()) {
        if !holds(&membership(client, space, service).await?) {
            client
                .invite(space, service)
                .await
                .step(|| format!("inviting {service} into {space}"))?;
            report.note(format!("invited {service} into {space}"));
        }
    }
    // It holds no role: a directory entry made before it was named goes.
    publish_staff(client, &clinic, Some(service), &mut report).await?;
    Ok((clinic, report))
}

/// Sets how urgent threads of `category` escalate, or with `None` stops them escalating.
/// Refused: an unknown category, a window or backup role the policy does not accept, a backup
/// role nobody holds, and a clinic without an escalation service.
pub async fn set_escalation<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    category: &str,
    escalation: Option<Escalation>,
) -> Result<(Clinic, Report), ProvisionError> {
    let policy = changed_category(clinic, category, |c| c.escalation = escalation.clone())?;
    if let Some(escalation) = &escalation {
        if policy.escalation_service.is_none() {
            return Err(ProvisionError::NotFound(
                "the clinic has no escalation service yet: enlist its account first".into(),
            ));
        }
        let backup = &escalation.backup_role;
        let staff = roster(client, clinic).await?;
        if role_members(&staff, backup).next().is_none() {
            return Err(ProvisionError::NotFound(format!(
                "nobody holds the backup role '{backup}': give it to someone first"
            )));
        }
    }
    write_policy(client, clinic, policy, Report::default()).await
}

/// Replaces the message templates `category` offers in the composer. Refused: an unknown
/// category, and templates the policy does not accept (empty, too long, repeated, too many).
pub async fn set_templates<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    category: &str,
    templates: Vec<String>,
) -> Result<(Clinic, Report), ProvisionError> {
    let policy = changed_category(clinic, category, |c| c.templates = templates)?;
    write_policy(client, clinic, policy, Report::default()).await
}

/// Sets how long messages of `category` are kept (`None`: no limit): in the policy, which
/// Rounds reads to hide and forget what expired, and as the category room's `m.room.retention`,
/// by which the homeserver purges it.
pub async fn set_retention<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    category: &str,
    minutes: Option<u32>,
) -> Result<(Clinic, Report), ProvisionError> {
    let policy = changed_category(clinic, category, |c| c.retention_minutes = minutes)?;
    let (clinic, mut report) = write_policy(client, clinic, policy, Report::default()).await?;
    let entry = clinic.policy.category(category).expect("the category was just changed");
    let room = entry
        .room
        .clone()
        .ok_or_else(|| ProvisionError::NotFound(format!("category '{category}' has no room yet")))?;
    // No `max_lifetime`: the homeserver's default (keep) applies again.
    let retention = match entry.retention_ms() {
        Some(ms) => json!({ "max_lifetime": ms }),
        None => json!({}),
    };
    ensure_state(client, &room, RETENTION_STATE, "", &retention, &mut report).await?;
    Ok((clinic, report))
}

/// Sets which files staff may attach and how large (checked by Rounds before upload; keep the
/// homeserver's `max_upload_size` at least as large, it refuses anything over it). Refused:
/// types Rounds cannot recognise by their content, and limits the policy does not accept.
pub async fn set_attachment_rules<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    rules: AttachmentRules,
) -> Result<(Clinic, Report), ProvisionError> {
    let mut policy = clinic.policy.clone();
    policy.attachments = rules;
    policy.validate().map_err(ProvisionError::Policy)?;
    write_policy(client, clinic, policy, Report::default()).await
}

/// Sets what the clinic's EHR watch does with one kind of EHR fact (`rounds-watch`). Refused:
/// an enabled rule whose category does not exist or whose roles cannot read it.
pub async fn set_watch_rule<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    rule: WatchRule,
) -> Result<(Clinic, Report), ProvisionError> {
    let mut policy = clinic.policy.clone();
    policy.watch = crate::domain::watch::with_rule(&policy.watch, rule);
    policy.validate().map_err(ProvisionError::Policy)?;
    write_policy(client, clinic, policy, Report::default()).await
}

/// The clinic's policy with `change` made to `category`, if the policy still holds together.
fn changed_category(
    clinic: &Clinic,
    category: &str,
    change: impl FnOnce(&mut Category),
) -> Result<ClinicPolicy, ProvisionError> {
    let mut policy = clinic.policy.clone();
    let entry = policy
        .categories
        .iter_mut()
        .find(|c| c.id == category)
        .ok_or_else(|| ProvisionError::NotFound(format!("the clinic has no category '{category}'")))?;
    change(entry);
    policy.validate().map_err(ProvisionError::Policy)?;
    Ok(policy)
}

async fn write_policy<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    policy: ClinicPolicy,
    mut report: Report,
) -> Result<(Clinic, Report), ProvisionError> {
    let content = serde_json::to_value(&policy).expect("policy serialises");
    ensure_state(client, &clinic.space, CLINIC_STATE, "", &content, &mut report).await?;
    let clinic = Clinic {
        space: clinic.space.clone(),
        policy,
    };
    Ok((clinic, report))
}
