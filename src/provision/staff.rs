//! Who holds which role: adding, removing, listing, and a member's own joins.

use super::{ensure_power_levels, ensure_state, server_name, Clinic, ProvisionError, Report, Step};
use crate::api::rounds::{staff_state_key, StaffEntry, STAFF_STATE};
use crate::api::{Client, MemberContent, Transport};
use crate::domain::addressed_as;
use crate::domain::clinic::roles::ADMIN;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// One person on the clinic's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// Matrix user id.
    pub user_id: String,
    /// Display name, if known.
    pub display_name: Option<String>,
    /// Roles held (joined or invited to the role space), in policy order.
    pub roles: Vec<String>,
}

/// Membership of `user` in `room` (`join`, `invite`, `leave`, …), `None` if never a member.
pub(super) async fn membership<T: Transport>(
    client: &Client<T>,
    room: &str,
    user: &str,
) -> Result<Option<String>, ProvisionError> {
    let member: Option<MemberContent> = client
        .state(room, "m.room.member", user)
        .await
        .step(|| format!("reading membership of {user}"))?;
    Ok(member.map(|m| m.membership))
}

pub(super) fn holds(membership: &Option<String>) -> bool {
    matches!(membership.as_deref(), Some("join" | "invite"))
}

pub(super) fn role_space<'a>(clinic: &'a Clinic, role: &str) -> Result<&'a str, ProvisionError> {
    clinic
        .policy
        .role(role)
        .and_then(|r| r.space.as_deref())
        .ok_or_else(|| ProvisionError::NotFound(format!("the clinic has no role '{role}'")))
}

fn all_rooms(clinic: &Clinic) -> Vec<String> {
    let mut rooms = vec![clinic.space.clone()];
    rooms.extend(clinic.policy.roles.iter().filter_map(|r| r.space.clone()));
    rooms.extend(clinic.policy.categories.iter().filter_map(|c| c.room.clone()));
    rooms
}

/// Refuses a `user` the homeserver has no account for (a typo on the Staff page would
/// otherwise be listed as staff: the homeserver accepts an invite for any name). Only a
/// definite "not found" refuses; a server that keeps profiles private does not stop the change.
async fn account_exists<T: Transport>(client: &Client<T>, user: &str) -> Result<(), ProvisionError> {
    match client.display_name(user).await {
        Err(e) if e.errcode() == Some("M_NOT_FOUND") => Err(ProvisionError::NotFound(format!(
            "there is no account {user}: check the user name"
        ))),
        _ => Ok(()),
    }
}

/// Gives `user` the `roles` (admin side): invites them into each role space. The member's own
/// client then joins the category rooms the roles allow ([`super::accept_clinic_invites_and_join`]).
/// The admin role also grants power 100 in every clinic room.
pub async fn add_roles<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    user: &str,
    roles: &[String],
) -> Result<Report, ProvisionError> {
    let mut report = Report::default();
    account_exists(client, user).await?;
    for role in roles {
        let space = role_space(clinic, role)?;
        if !holds(&membership(client, space, user).await?) {
            client
                .invite(space, user)
                .await
                .step(|| format!("inviting {user} to role {role}"))?;
            report.note(format!("gave {user} the role {role}"));
        }
    }
    if roles.iter().any(|r| r == ADMIN) {
        for room in all_rooms(clinic) {
            let required = json!({ "users": { user: super::ADMIN_POWER } });
            ensure_power_levels(client, &room, &required, &mut report).await?;
        }
    }
    publish_staff(client, clinic, Some(user), &mut report).await?;
    Ok(report)
}

/// Takes `roles` from `user`: kicks them from those role spaces and from every category room
/// (and, with no role left, the clinic space) that no remaining role allows. Restricted join
/// rules are only checked at join time, so the kick is what actually removes access.
pub async fn remove_roles<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    user: &str,
    roles: &[String],
) -> Result<Report, ProvisionError> {
    let mut report = Report::default();
    let mut remaining = Vec::new();
    for role in &clinic.policy.roles {
        let space = role_space(clinic, &role.id)?;
        let held = holds(&membership(client, space, user).await?);
        if held && roles.contains(&role.id) {
            client
                .kick(space, user, "Role removed by a clinic admin")
                .await
                .step(|| format!("removing {user} from role {}", role.id))?;
            report.note(format!("took the role {} from {user}", role.id));
        } else if held {
            remaining.push(role.id.clone());
        }
    }
    let mut to_leave: Vec<&str> = clinic
        .policy
        .categories
        .iter()
        .filter(|c| !c.roles.iter().any(|r| remaining.contains(r)))
        .filter_map(|c| c.room.as_deref())
        .collect();
    if remaining.is_empty() {
        to_leave.push(&clinic.space);
    }
    for room in to_leave {
        if holds(&membership(client, room, user).await?) {
            client
                .kick(room, user, "No remaining role allows this category")
                .await
                .step(|| format!("removing {user} from {room}"))?;
            report.note(format!("removed {user} from {room}"));
        }
    }
    if roles.iter().any(|r| r == ADMIN) && !remaining.iter().any(|r| r == ADMIN) {
        for room in all_rooms(clinic) {
            let required = json!({ "users": { user: 0 } });
            ensure_power_levels(client, &room, &required, &mut report).await?;
        }
    }
    publish_staff(client, clinic, Some(user), &mut report).await?;
    Ok(report)
}

/// Everyone holding at least one role, with their roles.
pub async fn roster<T: Transport>(client: &Client<T>, clinic: &Clinic) -> Result<Vec<RosterEntry>, ProvisionError> {
    let mut people: BTreeMap<String, RosterEntry> = BTreeMap::new();
    for role in &clinic.policy.roles {
        let space = role_space(clinic, &role.id)?;
        let state = client
            .room_state(space)
            .await
            .step(|| format!("reading members of role {}", role.id))?;
        for event in state.iter().filter(|e| e.kind == "m.room.member") {
            let (Some(user), Some(member)) = (&event.state_key, event.content_as::<MemberContent>()) else {
                continue;
            };
            // The escalation service reads the role spaces but holds no role.
            if clinic.policy.escalation_service.as_ref() == Some(user) {
                continue;
            }
            if !holds(&Some(member.membership)) {
                continue;
            }
            let entry = people.entry(user.clone()).or_insert_with(|| RosterEntry {
                user_id: user.clone(),
                display_name: None,
                roles: Vec::new(),
            });
            entry.display_name = entry.display_name.take().or(member.displayname);
            entry.roles.push(role.id.clone());
        }
    }
    Ok(people.into_values().collect())
}

/// Publishes what the role spaces say about `only` (or everyone) in the clinic space, as
/// `app.rounds.staff` state that every member can read (role spaces are invite-only): the
/// directory clients address roles with. Writes only what changed.
pub async fn publish_staff<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    only: Option<&str>,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let staff = roster(client, clinic).await?;
    let everyone: Vec<&str> = staff.iter().map(|p| p.user_id.as_str()).collect();
    for user in only.map_or(everyone, |u| vec![u]) {
        let person = staff.iter().find(|p| p.user_id == user);
        let entry = StaffEntry {
            roles: person.map(|p| p.roles.clone()).unwrap_or_default(),
            name: person.and_then(|p| p.display_name.clone()),
        };
        let content = serde_json::to_value(&entry).expect("staff entry serialises");
        ensure_state(
            client,
            &clinic.space,
            STAFF_STATE,
            &staff_state_key(user),
            &content,
            report,
        )
        .await?;
    }
    Ok(())
}

/// The people addressed as `role` ([`addressed_as`]).
pub fn role_members<'a>(staff: &'a [RosterEntry], role: &'a str) -> impl Iterator<Item = &'a RosterEntry> + 'a {
    staff.iter().filter(move |person| addressed_as(&person.roles, role))
}

/// The member's side while signed in: accepts invites (from a sync) that are role spaces of the
/// clinic and joins what the roles now allow. Returns the rooms joined afterwards.
pub async fn accept_roles<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    invited: &[String],
) -> Result<(BTreeSet<String>, Report), ProvisionError> {
    let server = server_name(client.user_id().step(|| "sign in first".into())?).to_owned();
    let mut report = Report::default();
    for room in invited.iter().filter(|r| clinic.policy.role_by_space(r).is_some()) {
        client.join(room, &[&server]).await.step(|| "accepting a role".into())?;
        report.note(format!("joined role space {room}"));
    }
    let mut joined = joined_rooms(client).await?;
    let joins = join_allowed_categories(client, clinic, &mut joined).await?;
    report.changes.extend(joins.changes);
    Ok((joined, report))
}

/// Joins every category room the member's roles allow and they are not in yet (restricted
/// joins: the homeserver checks the roles), given the rooms they are in (`joined`, updated).
pub(super) async fn join_allowed_categories<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    joined: &mut BTreeSet<String>,
) -> Result<Report, ProvisionError> {
    let server = server_name(client.user_id().step(|| "sign in first".into())?).to_owned();
    let mut report = Report::default();
    let held: Vec<String> = clinic
        .policy
        .roles
        .iter()
        .filter(|r| r.space.as_ref().is_some_and(|s| joined.contains(s)))
        .map(|r| r.id.clone())
        .collect();
    let missing: Vec<(String, String)> = clinic
        .policy
        .categories_for(&held)
        .filter_map(|c| c.room.clone().map(|room| (c.id.clone(), room)))
        .filter(|(_, room)| !joined.contains(room))
        .collect();
    for (id, room) in missing {
        client
            .join(&room, &[&server])
            .await
            .step(|| format!("joining category {id}"))?;
        report.note(format!("joined category {id}"));
        joined.insert(room);
    }
    Ok(report)
}

pub(super) async fn joined_rooms<T: Transport>(client: &Client<T>) -> Result<BTreeSet<String>, ProvisionError> {
    Ok(client
        .joined_rooms()
        .await
        .step(|| "listing joined rooms".into())?
        .into_iter()
        .collect())
}
