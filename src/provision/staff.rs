//! Who holds which role: adding, removing, listing, and a member's own joins.

use super::{
    ensure_power_levels, full_alias, load_clinic, role_alias, server_name, Clinic, ProvisionError, Report, Step,
};
use crate::api::{Client, MemberContent, SyncRequest, Transport};
use crate::domain::clinic::roles::ADMIN;
use crate::domain::StaffView;
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
async fn membership<T: Transport>(
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

fn holds(membership: &Option<String>) -> bool {
    matches!(membership.as_deref(), Some("join" | "invite"))
}

fn role_space<'a>(clinic: &'a Clinic, role: &str) -> Result<&'a str, ProvisionError> {
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

/// Gives `user` the `roles` (admin side): invites them into each role space. The member's own
/// client then joins the category rooms the roles allow ([`accept_clinic_invites_and_join`]).
/// The admin role also grants power 100 in every clinic room.
pub async fn add_roles<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
    user: &str,
    roles: &[String],
) -> Result<Report, ProvisionError> {
    let mut report = Report::default();
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

/// The member's side at sign-in (run with the member's own session): accepts pending invites
/// into the clinic's role spaces, joins the clinic space and every category room the held roles
/// allow. Returns the clinic, or `NotFound` when the user holds no role in it.
pub async fn accept_clinic_invites_and_join<T: Transport>(
    client: &Client<T>,
    prefix: &str,
) -> Result<(Clinic, Report), ProvisionError> {
    let me = client.user_id().step(|| "sign in first".into())?.to_owned();
    let server = server_name(&me).to_owned();
    let mut report = Report::default();
    let role_prefix = format!("#{}", role_alias(prefix, ""));
    let suffix = format!(":{server}");
    // Synapse answers an identical initial sync from a cache for minutes, which would hide an
    // invite that just arrived: a never-matching event type makes every request distinct.
    let nonce = format!("app.rounds.nonce{}", now_nonce());
    // Only invites matter here: no timelines, state, receipts or account data.
    let filter = serde_json::json!({
        "room": {
            "timeline": { "limit": 0, "not_types": [nonce] },
            "state": { "types": [] },
            "ephemeral": { "types": [] },
            "account_data": { "types": [] },
        },
        "account_data": { "types": [] },
        "presence": { "types": [] },
    });
    let sync = client
        .sync(&SyncRequest {
            filter: Some(filter.to_string()),
            ..SyncRequest::default()
        })
        .await
        .step(|| "reading pending invites".into())?;
    let joined = joined_rooms(client).await?;
    for (room, invite) in sync.rooms.invite.iter().filter(|(room, _)| !joined.contains(*room)) {
        let is_role_space = invite.invite_state.events.iter().any(|s| {
            s.kind == "m.room.canonical_alias"
                && s.content["alias"]
                    .as_str()
                    .is_some_and(|a| a.starts_with(&role_prefix) && a.ends_with(&suffix))
        });
        if is_role_space {
            client.join(room, &[&server]).await.step(|| "accepting a role".into())?;
            report.note(format!("joined role space {room}"));
        }
    }
    let alias = full_alias(&super::clinic_alias(prefix), &server);
    let space = client
        .resolve_alias(&alias)
        .await
        .step(|| format!("looking up {alias}"))?
        .ok_or_else(|| ProvisionError::NotFound(format!("no clinic at {alias}")))?;
    if !joined_rooms(client).await?.contains(&space) {
        match client.join(&space, &[&server]).await {
            Ok(_) => report.note(format!("joined the clinic space {space}")),
            Err(e) if e.status() == Some(403) => {
                return Err(ProvisionError::NotFound(format!(
                    "{me} holds no role in the clinic {alias}"
                )))
            }
            Err(error) => {
                return Err(ProvisionError::Api {
                    step: "joining the clinic".into(),
                    error,
                })
            }
        }
    }
    let clinic = load_clinic(client, prefix).await?;
    let (_, joins) = join_allowed_categories(client, &clinic).await?;
    report.changes.extend(joins.changes);
    Ok((clinic, report))
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
    let (joined, joins) = join_allowed_categories(client, clinic).await?;
    report.changes.extend(joins.changes);
    Ok((joined, report))
}

/// Joins every category room the member's roles allow and they are not in yet (restricted
/// joins: the homeserver checks the roles). Returns the rooms joined afterwards.
async fn join_allowed_categories<T: Transport>(
    client: &Client<T>,
    clinic: &Clinic,
) -> Result<(BTreeSet<String>, Report), ProvisionError> {
    let server = server_name(client.user_id().step(|| "sign in first".into())?).to_owned();
    let mut report = Report::default();
    let mut joined = joined_rooms(client).await?;
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
    Ok((joined, report))
}

async fn joined_rooms<T: Transport>(client: &Client<T>) -> Result<BTreeSet<String>, ProvisionError> {
    Ok(client
        .joined_rooms()
        .await
        .step(|| "listing joined rooms".into())?
        .into_iter()
        .collect())
}

/// Something different on every call (milliseconds since the epoch, where the platform has a
/// clock; a counter otherwise).
fn now_nonce() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    #[cfg(target_arch = "wasm32")]
    let now = js_sys::Date::now() as u64;
    #[cfg(not(target_arch = "wasm32"))]
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    format!(".{now}.{count}")
}

/// What a member's client needs after signing in: the clinic, the rooms they are in and their
/// display name. [`Membership::view`] derives what they may see.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The clinic.
    pub clinic: Clinic,
    /// Rooms the member has joined (the server's word on their roles and categories).
    pub joined: BTreeSet<String>,
    /// Their display name, if set.
    pub display_name: Option<String>,
}

impl Membership {
    /// The staff view of `user_id`.
    pub fn view(&self, user_id: &str) -> StaffView {
        StaffView::new(&self.clinic.policy, user_id, self.display_name.as_deref(), &self.joined)
    }
}

/// Signs the member into the clinic ([`accept_clinic_invites_and_join`]) and reads what the
/// server says they joined.
pub async fn enter_clinic<T: Transport>(client: &Client<T>, prefix: &str) -> Result<Membership, ProvisionError> {
    let (clinic, _) = accept_clinic_invites_and_join(client, prefix).await?;
    let me = client.user_id().step(|| "sign in first".into())?;
    let joined = client
        .joined_rooms()
        .await
        .step(|| "listing joined rooms".into())?
        .into_iter()
        .collect();
    let display_name = client
        .display_name(me)
        .await
        .step(|| "reading your display name".into())?;
    Ok(Membership {
        clinic,
        joined,
        display_name,
    })
}
