//! A member entering the clinic after signing in: accept the role invites waiting for them, join
//! the clinic space and the category rooms their roles allow, and read the clinic and their own
//! name. On a usual sign-in (nothing to join) that is one round of requests made together.

use super::staff::{join_allowed_categories, joined_rooms};
use super::{full_alias, role_alias, server_name, Clinic, ProvisionError, Report, Step};
use crate::api::rounds::CLINIC_STATE;
use crate::api::{Client, SyncRequest, SyncResponse, Transport};
use crate::domain::{ClinicPolicy, StaffView};
use futures_util::future::try_join4;
use std::collections::BTreeSet;

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
/// client needs to show it.
pub async fn enter_clinic<T: Transport>(client: &Client<T>, prefix: &str) -> Result<Membership, ProvisionError> {
    Ok(enter(client, prefix).await?.0)
}

/// The member's side of being given roles: accepts invites into the clinic's role spaces (the
/// admin's side is [`super::add_roles`]), joins the clinic space and every category room the
/// roles allow. Refused by the homeserver for someone who holds no role.
pub async fn accept_clinic_invites_and_join<T: Transport>(
    client: &Client<T>,
    prefix: &str,
) -> Result<(Clinic, Report), ProvisionError> {
    let (membership, report) = enter(client, prefix).await?;
    Ok((membership.clinic, report))
}

async fn enter<T: Transport>(client: &Client<T>, prefix: &str) -> Result<(Membership, Report), ProvisionError> {
    let me = client.user_id().step(|| "sign in first".into())?.to_owned();
    let server = server_name(&me).to_owned();
    let alias = full_alias(&super::clinic_alias(prefix), &server);
    // Independent reads, made together: one round trip instead of one after another.
    let (first, mut joined, space, display_name) = try_join4(
        first_look(client),
        joined_rooms(client),
        async {
            client
                .resolve_alias(&alias)
                .await
                .step(|| format!("looking up {alias}"))
        },
        async {
            client
                .display_name(&me)
                .await
                .step(|| "reading your display name".into())
        },
    )
    .await?;
    let space = space.ok_or_else(|| ProvisionError::NotFound(format!("no clinic at {alias}")))?;
    let mut report = Report::default();

    let role_prefix = format!("#{}", role_alias(prefix, ""));
    let suffix = format!(":{server}");
    for (room, invite) in &first.rooms.invite {
        if joined.contains(room) {
            continue;
        }
        let is_role_space = invite.invite_state.events.iter().any(|s| {
            s.kind == "m.room.canonical_alias"
                && s.content["alias"]
                    .as_str()
                    .is_some_and(|a| a.starts_with(&role_prefix) && a.ends_with(&suffix))
        });
        if is_role_space {
            client.join(room, &[&server]).await.step(|| "accepting a role".into())?;
            report.note(format!("joined role space {room}"));
            joined.insert(room.clone());
        }
    }
    if !joined.contains(&space) {
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
        joined.insert(space.clone());
    }
    let policy = match clinic_policy_in(&first, &space) {
        Some(policy) => policy,
        // Not in the first look (the space was joined just now, or its state did not parse):
        // read it on its own, which also reports what is wrong with it.
        None => client
            .state(&space, CLINIC_STATE, "")
            .await
            .step(|| format!("reading the clinic policy of {alias}"))?
            .ok_or_else(|| ProvisionError::NotFound(format!("{alias} has no clinic policy")))?,
    };
    let clinic = Clinic { space, policy };
    let joins = join_allowed_categories(client, &clinic, &mut joined).await?;
    report.changes.extend(joins.changes);
    let membership = Membership {
        clinic,
        joined,
        display_name,
    };
    Ok((membership, report))
}

/// A small sync: pending invites, and the clinic policy of every joined room (so reading the
/// clinic needs no request of its own).
async fn first_look<T: Transport>(client: &Client<T>) -> Result<SyncResponse, ProvisionError> {
    // Synapse answers an identical initial sync from a cache for minutes, which would hide an
    // invite that just arrived: a never-matching event type makes every request distinct.
    let nonce = format!("app.rounds.nonce{}", now_nonce());
    let filter = serde_json::json!({
        "room": {
            "timeline": { "limit": 0, "not_types": [nonce] },
            "state": { "types": [CLINIC_STATE] },
            "ephemeral": { "types": [] },
            "account_data": { "types": [] },
        },
        "account_data": { "types": [] },
        "presence": { "types": [] },
    });
    client
        .sync(&SyncRequest {
            filter: Some(filter.to_string()),
            ..SyncRequest::default()
        })
        .await
        .step(|| "reading pending invites".into())
}

fn clinic_policy_in(sync: &SyncResponse, space: &str) -> Option<ClinicPolicy> {
    let state = &sync.rooms.join.get(space)?.state.events;
    let event = state
        .iter()
        .find(|e| e.kind == CLINIC_STATE && e.state_key.as_deref() == Some(""))?;
    serde_json::from_value(event.content.clone()).ok()
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
