//! Counting through the API: each room's history after the run, read back by the clinic's admin
//! (who is in every room), must hold every accepted message exactly once.

use crate::setup::{client, GroupClinic};
use crate::traffic::{Outcome, MARKER};
use rounds::api::Direction;
use std::collections::{BTreeMap, BTreeSet};

/// Messages of this run found in the rooms' histories.
#[derive(Default)]
pub struct Count {
    pub accepted: usize,
    pub stored: usize,
    /// Accepted by the homeserver, not in the history.
    pub lost: usize,
    /// Stored more than once (same sender and sequence number).
    pub duplicated: usize,
    /// Stored although the sender never got an answer (a retry's first try that did land).
    pub stored_unanswered: usize,
}

pub fn count(homeserver: &str, group: &[GroupClinic], outcome: &Outcome) -> Count {
    let rooms: BTreeSet<&str> = outcome.sent.iter().map(|s| s.room.as_str()).collect();
    let mut stored: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for room in rooms {
        let Some(admin) = group
            .iter()
            .find(|c| c.rooms.iter().any(|r| r == room))
            .map(|c| &c.people[0])
        else {
            continue;
        };
        let reader = client(homeserver).with_session(admin.session.clone());
        let mut from: Option<String> = None;
        'pages: loop {
            let page = pollster::block_on(reader.messages(room, from.as_deref(), Direction::Backward, 500))
                .unwrap_or_else(|e| panic!("reading {room}: {e}"));
            for event in &page.chunk {
                if event.origin_server_ts + 60_000 < outcome.started_ms {
                    break 'pages;
                }
                let Some(marker) = event.content.get(MARKER) else {
                    continue;
                };
                if marker.get("run").and_then(|r| r.as_str()) != Some(outcome.run.as_str()) {
                    continue;
                }
                let seq = marker.get("seq").and_then(|s| s.as_u64()).unwrap_or(0);
                *stored.entry((event.sender.clone(), seq)).or_default() += 1;
            }
            match page.end {
                Some(end) if !page.chunk.is_empty() => from = Some(end),
                _ => break,
            }
        }
    }
    let accepted: BTreeSet<(String, u64)> = outcome.sent.iter().map(|s| (s.sender.clone(), s.seq)).collect();
    Count {
        accepted: accepted.len(),
        stored: stored.values().sum(),
        lost: accepted.iter().filter(|k| !stored.contains_key(*k)).count(),
        duplicated: stored.values().filter(|&&n| n > 1).count(),
        stored_unanswered: stored.keys().filter(|k| !accepted.contains(*k)).count(),
    }
}
