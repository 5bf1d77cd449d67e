//! Reading history on demand: missing thread roots, older threads, a thread's earlier replies.

use super::convert;
use crate::api::events::ClientEvent;
use crate::api::{Client, Error, ThreadsInclude, Transport};
use crate::domain::Incoming;
use std::collections::HashMap;

/// Threads fetched per room and page of the threads list.
const THREADS_PAGE: u32 = 30;
/// Replies fetched per page of a thread's history.
const REPLIES_PAGE: u32 = 50;

/// First wait before fetching a missing thread root again; it doubles after each failure.
const ROOT_RETRY_MS: u64 = 60_000;
/// Longest wait between two attempts at one root.
const ROOT_RETRY_MAX_MS: u64 = 60 * 60_000;

/// Fetches one thread root: a retracted one reads as removed (by whom, why); `Ok(None)` when the
/// server has it but it is not a thread root Rounds can show (another event type).
pub async fn fetch_root<T: Transport>(
    client: &Client<T>,
    room_id: &str,
    root: &str,
) -> Result<Option<Incoming>, Error> {
    let event = client.event(room_id, root).await?;
    let root = convert::timeline_event(room_id, &event).filter(|i| matches!(i, Incoming::Root { .. }));
    Ok(root.or_else(|| convert::retracted_root(room_id, &event)))
}

/// Fetches the thread roots the inbox only knows replies of, backing off per root: a root that
/// cannot be loaded is tried again after a minute, then two, … up to an hour, never after every
/// sync, and its replies show at once under a stand-in ([`Incoming::RootUnavailable`]).
#[derive(Debug, Default)]
pub struct RootFetcher {
    /// Root id → (time of the next attempt, failures so far).
    retry: HashMap<String, (u64, u32)>,
}

impl RootFetcher {
    /// What fetching the `missing` roots that are due at `now_ms` brought.
    pub async fn fetch<T: Transport>(
        &mut self,
        client: &Client<T>,
        missing: &[(String, String)],
        now_ms: u64,
    ) -> Vec<Incoming> {
        let mut found = Vec::new();
        for (room_id, root) in missing {
            if self.retry.get(root).is_some_and(|(due, _)| now_ms < *due) {
                continue;
            }
            match fetch_root(client, room_id, root).await {
                Ok(Some(incoming)) => {
                    self.retry.remove(root);
                    found.push(incoming);
                }
                // Not a root Rounds can show: it will not become one; stop asking.
                Ok(None) => {
                    self.retry.insert(root.clone(), (u64::MAX, 1));
                    found.push(unavailable(room_id, root));
                }
                // Gone, refused or the network: ask again later, show the replies now.
                Err(_) => {
                    let failures = self.retry.get(root).map_or(0, |(_, n)| *n) + 1;
                    let wait = ROOT_RETRY_MS
                        .saturating_mul(1 << (failures - 1).min(10))
                        .min(ROOT_RETRY_MAX_MS);
                    self.retry.insert(root.clone(), (now_ms.saturating_add(wait), failures));
                    found.push(unavailable(room_id, root));
                }
            }
        }
        found
    }
}

fn unavailable(room_id: &str, root: &str) -> Incoming {
    Incoming::RootUnavailable {
        room_id: room_id.to_owned(),
        root_id: root.to_owned(),
    }
}

/// One page of a thread's replies (the server sends newest first), returned oldest first, with
/// the token for the page before it (`None` at the start of the thread).
pub async fn thread_history<T: Transport>(
    client: &Client<T>,
    room_id: &str,
    root_id: &str,
    from: Option<&str>,
) -> Result<(Vec<Incoming>, Option<String>), Error> {
    let page = client
        .relations(room_id, root_id, "m.thread", from, REPLIES_PAGE)
        .await?;
    let incoming = page
        .chunk
        .iter()
        .rev()
        .filter_map(|e| convert::timeline_event(room_id, e))
        .collect();
    Ok((incoming, page.next_batch))
}

/// Pages through the server's threads list of each category room, for the inbox's "older".
#[derive(Debug, Default)]
pub struct ThreadPager {
    /// Per room: absent = not started, `Some(None)` = exhausted.
    pages: HashMap<String, Option<String>>,
}

impl ThreadPager {
    /// Whether every room in `rooms` has been listed to the end.
    pub fn exhausted(&self, rooms: &[String]) -> bool {
        rooms.iter().all(|r| matches!(self.pages.get(r), Some(None)))
    }

    /// The next page of older threads in each of `rooms` (roots with their latest reply).
    pub async fn next_page<T: Transport>(
        &mut self,
        client: &Client<T>,
        rooms: &[String],
    ) -> Result<Vec<Incoming>, Error> {
        let mut found = Vec::new();
        for room_id in rooms {
            let from = match self.pages.get(room_id) {
                Some(None) => continue,
                Some(Some(token)) => Some(token.clone()),
                None => None,
            };
            let page = match client
                .threads(room_id, ThreadsInclude::All, from.as_deref(), THREADS_PAGE)
                .await
            {
                Ok(page) => page,
                // No longer a member there: nothing to list.
                Err(e) if e.status() == Some(403) => {
                    self.pages.insert(room_id.clone(), None);
                    continue;
                }
                Err(e) => return Err(e),
            };
            for root in &page.chunk {
                found.extend(convert::timeline_event(room_id, root));
                let latest = root
                    .unsigned
                    .as_ref()
                    .and_then(|u| u.pointer("/m.relations/m.thread/latest_event"));
                if let Some(latest) = latest.and_then(|l| serde_json::from_value::<ClientEvent>(l.clone()).ok()) {
                    found.extend(convert::timeline_event(room_id, &latest));
                }
            }
            self.pages.insert(room_id.clone(), page.next_batch);
        }
        Ok(found)
    }
}
