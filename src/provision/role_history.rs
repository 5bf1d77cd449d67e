//! The clinic's role changes, read from the membership history of the role spaces.

use super::staff::role_space;
use super::{Clinic, ProvisionError, Step};
use crate::api::{Client, Direction, Transport};
use crate::domain::RoleChange;
use std::collections::BTreeMap;

/// The record of role changes, and the names the role spaces give the people in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleHistory {
    /// Every change, newest first.
    pub changes: Vec<RoleChange>,
    /// Each person's latest display name in the role spaces (user id → name): the people in the
    /// record may share no room with the reader any more.
    pub names: BTreeMap<String, String>,
}

/// Membership events per page while walking a role space back.
const PAGE: u32 = 100;
/// Pages walked at most per role (2,000 membership events, years of a clinic's staff changes).
const MAX_PAGES: usize = 20;

/// Every role change the homeserver recorded, newest first: each role space's membership
/// history, read by someone who may read it (admins are members of every role space).
pub async fn role_history<T: Transport>(client: &Client<T>, clinic: &Clinic) -> Result<RoleHistory, ProvisionError> {
    let mut changes = Vec::new();
    let mut names: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for role in &clinic.policy.roles {
        let space = role_space(clinic, &role.id)?;
        let mut from: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = client
                .messages_of_types(space, &["m.room.member"], from.as_deref(), Direction::Backward, PAGE)
                .await
                .step(|| format!("reading the role changes of {}", role.id))?;
            for event in &page.chunk {
                let Some(person) = event.state_key.as_deref() else {
                    continue;
                };
                // The escalation service reads the role spaces but holds no role.
                if clinic.policy.escalation_service.as_deref() == Some(person) {
                    continue;
                }
                if let Some(name) = event.content.get("displayname").and_then(|n| n.as_str()) {
                    let newest = names.get(person).is_none_or(|(at, _)| *at < event.origin_server_ts);
                    if newest {
                        names.insert(person.to_owned(), (event.origin_server_ts, name.to_owned()));
                    }
                }
                let membership = event
                    .content
                    .get("membership")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default();
                let previous = event
                    .unsigned
                    .as_ref()
                    .and_then(|u| u.pointer("/prev_content/membership"))
                    .and_then(|m| m.as_str());
                changes.extend(RoleChange::from_membership(
                    &role.id,
                    &event.sender,
                    person,
                    membership,
                    previous,
                    event.origin_server_ts,
                ));
            }
            match page.end {
                Some(end) if !page.chunk.is_empty() => from = Some(end),
                _ => break,
            }
        }
    }
    changes.sort_by_key(|c| std::cmp::Reverse(c.at));
    let names = names.into_iter().map(|(user, (_, name))| (user, name)).collect();
    Ok(RoleHistory { changes, names })
}
