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

/// Fetches thread roots the inbox only knows replies of.
pub async fn fetch_roots<T: Transport>(client: &Client<T>, missing: &[(String, String)]) -> Vec<Incoming> {
    let mut found = Vec::new();
    for (room_id, root) in missing {
        // A root the person cannot see (404/403) stays missing; its replies stay hidden.
        if let Ok(event) = client.event(room_id, root).await {
            found.extend(convert::timeline_event(room_id, &event));
        }
    }
    found
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
