//! Who read what: each person's furthest read message per thread (with when, where the
//! homeserver said), receipts waiting for their message, and what follows from them (unread
//! counts, `Seen by`, the receipt to send).

use super::super::ids::ThreadKey;
use super::super::thread::{Body, Delivery, Thread};
use std::collections::{BTreeMap, HashMap};

/// A receipt whose message has not arrived yet: (room, user, when).
type Waiting = (String, String, Option<u64>);

/// Read marks.
#[derive(Debug, Default)]
pub(super) struct Receipts {
    /// Per thread: each user's furthest read event in it.
    marks: HashMap<ThreadKey, HashMap<String, String>>,
    /// Receipts on events not loaded yet, by event id: placed when the event arrives.
    waiting: HashMap<String, Vec<Waiting>>,
    /// When each read mark was set (user, event), where the homeserver said.
    read_at: HashMap<(String, String), u64>,
}

impl Receipts {
    /// Keeps a receipt on an event no thread holds yet.
    pub fn wait(&mut self, event_id: String, room: String, user: String, ts: Option<u64>) {
        self.waiting.entry(event_id).or_default().push((room, user, ts));
    }

    /// Moves `user`'s read mark in `thread` to `event_id` if that is further. Whether it moved.
    pub fn mark(&mut self, thread: &Thread, user: String, event_id: String, ts: Option<u64>) -> bool {
        let marks = self.marks.entry(thread.key()).or_default();
        let further = match marks.get(&user) {
            Some(current) => thread.position(&event_id) > thread.position(current),
            None => true,
        };
        if further {
            if let Some(earlier) = marks.insert(user.clone(), event_id.clone()) {
                self.read_at.remove(&(user.clone(), earlier));
            }
            if let Some(ts) = ts {
                self.read_at.insert((user, event_id), ts);
            }
        }
        further
    }

    /// Places the receipts that waited for `event_id`, now in `thread`.
    pub fn place_waiting(&mut self, event_id: &str, thread: &Thread) {
        for (room, user, ts) in self.waiting.remove(event_id).unwrap_or_default() {
            if room == thread.room_id {
                self.mark(thread, user, event_id.to_owned(), ts);
            }
        }
    }

    /// Forgets the marks of threads `keep` says no to.
    pub fn retain(&mut self, keep: impl Fn(&ThreadKey) -> bool) {
        self.marks.retain(|key, _| keep(key));
    }

    /// Position in `thread` up to which `user` has read (their furthest receipt in it).
    fn read_position(&self, thread: &Thread, user: &str) -> Option<usize> {
        let marks = self.marks.get(&thread.key())?;
        thread.position(marks.get(user)?)
    }

    /// Messages from others after `me`'s furthest receipt in the thread.
    pub fn unread(&self, thread: &Thread, me: &str) -> usize {
        let from = self.read_position(thread, me).map_or(0, |p| p + 1);
        let mine = thread
            .messages
            .iter()
            .rposition(|m| m.sender == me)
            .map_or(0, |p| p + 1);
        // Writing in a thread means having read what came before.
        thread
            .messages
            .iter()
            .skip(from.max(mine))
            .filter(|m| m.sender != me && m.body.is_news())
            .count()
    }

    /// Everyone's furthest read message in `thread` (user, event id, when they read it if
    /// known), by user id.
    pub fn read_marks(&self, thread: &Thread) -> Vec<(String, String, Option<u64>)> {
        let mut marks: Vec<_> = self
            .marks
            .get(&thread.key())
            .into_iter()
            .flatten()
            .map(|(user, event)| {
                let at = self.read_at.get(&(user.clone(), event.clone())).copied();
                (user.clone(), event.clone(), at)
            })
            .collect();
        marks.sort();
        marks
    }

    /// For each message index, who (other than `me`, by `name`) has read up to exactly there.
    pub fn seen_by(&self, thread: &Thread, me: &str, name: impl Fn(&str) -> String) -> BTreeMap<usize, Vec<String>> {
        let mut seen: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (user, event) in self.marks.get(&thread.key()).into_iter().flatten() {
            if user == me {
                continue;
            }
            if let Some(pos) = thread.position(event) {
                seen.entry(pos).or_default().push(name(user));
            }
        }
        seen.values_mut().for_each(|names| names.sort());
        seen
    }

    /// The receipt to send for a thread `me` is looking at: the newest sent message from
    /// someone else that is not already covered by one of their receipts.
    pub fn to_send(&self, thread: &Thread, me: &str) -> Option<String> {
        let latest = thread
            .messages
            .iter()
            .rposition(|m| m.delivery == Delivery::Sent && m.sender != me && m.body != Body::Unavailable)?;
        let read = self.read_position(thread, me);
        (read.is_none_or(|r| r < latest)).then(|| thread.messages[latest].id.clone())
    }

    /// Each user's furthest read event in `thread`, as kept on the device.
    pub fn of_thread(&self, thread: &Thread) -> impl Iterator<Item = (&String, &String)> {
        self.marks.get(&thread.key()).into_iter().flatten()
    }
}
