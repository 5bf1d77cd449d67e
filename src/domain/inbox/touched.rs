//! Which threads a change touched.

use super::super::ids::ThreadKey;
use std::collections::BTreeSet;

/// Which threads a change touched, so that only their rows repaint; `all` when every row may
/// read differently (a name changed, a room went).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    threads: BTreeSet<ThreadKey>,
    all: bool,
}

impl Touched {
    /// The one thread `key`.
    pub fn one(key: ThreadKey) -> Self {
        Touched {
            threads: BTreeSet::from([key]),
            all: false,
        }
    }

    /// Every thread.
    pub fn all() -> Self {
        Touched {
            threads: BTreeSet::new(),
            all: true,
        }
    }

    /// Adds the thread `key`.
    pub fn add(&mut self, key: ThreadKey) {
        if !self.all {
            self.threads.insert(key);
        }
    }

    /// Adds everything `other` touched.
    pub fn merge(&mut self, other: Touched) {
        if other.all {
            *self = Touched::all();
        } else {
            other.threads.into_iter().for_each(|k| self.add(k));
        }
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        !self.all && self.threads.is_empty()
    }

    /// Whether every thread may have changed.
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Whether the thread `key` may have changed.
    pub fn contains(&self, key: &ThreadKey) -> bool {
        self.all || self.threads.contains(key)
    }

    /// The threads named (none when [`Touched::is_all`]).
    pub fn threads(&self) -> impl Iterator<Item = &ThreadKey> {
        self.threads.iter()
    }
}
