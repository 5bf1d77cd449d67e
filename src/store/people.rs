//! Who has records on this device, and forgetting them: the `keys` store's layout.
//!
//! `keys` holds, per person, `session␟<user>` (the key that opens their records while their
//! session lasts, deleted when it ends), `check␟<user>` (a sealed known text: does a key open
//! this person's records?) and `seen␟<user>` (when they last signed in here, milliseconds).
//! Releases before #24 kept a person's key itself under `<user>`, readable after their session:
//! such a key is migrated for its person and forgotten with its records for anyone else.

use super::db::{all_keys, delete, get_js, RECORD_STORES, SEP, SESSION};
use super::StoreError;
use indexed_db_futures::database::Database;
use std::collections::BTreeSet;

/// The object store of keys and per-person notes.
pub(super) const KEYS: &str = "keys";

/// The `keys` entry of `kind` for `user`.
pub(super) fn slot(kind: &str, user: &str) -> String {
    format!("{kind}{SEP}{user}")
}

/// The session copy of `user`'s key.
pub(super) fn session_slot(user: &str) -> String {
    slot("session", user)
}

/// The sealed check text of `user`.
pub(super) fn check_slot(user: &str) -> String {
    slot("check", user)
}

/// When `user` last signed in here.
pub(super) fn seen_slot(user: &str) -> String {
    slot("seen", user)
}

/// The key a release before #24 kept for `user` (their id is the whole entry name).
pub(super) fn legacy_slot(user: &str) -> String {
    user.to_owned()
}

/// Everyone with anything on this device: in a record's key, or in a `keys` entry.
async fn people(db: &Database) -> Result<BTreeSet<String>, StoreError> {
    let mut found = BTreeSet::new();
    for store in RECORD_STORES.iter().chain([&SESSION]) {
        for key in all_keys(db, store).await? {
            if let Some((user, _)) = key.split_once(SEP) {
                found.insert(user.to_owned());
            }
        }
    }
    for key in all_keys(db, KEYS).await? {
        let user = key.split_once(SEP).map_or(key.as_str(), |(_, user)| user);
        found.insert(user.to_owned());
    }
    Ok(found)
}

/// Deletes the session copies of everyone's key but `me`'s: another person signing in ends
/// whatever a previous person's session left behind.
pub(super) async fn end_other_sessions(db: &Database, me: &str) -> Result<(), StoreError> {
    for key in all_keys(db, KEYS).await? {
        if key.strip_prefix(&session_slot("")).is_some_and(|user| user != me) {
            delete(db, KEYS, &key).await?;
        }
    }
    Ok(())
}

/// Forgets everyone but `me` who last signed in here more than `after_ms` ago (never, with
/// `None`), has no sign-in on record, or still has a key from before #24.
pub(super) async fn forget_others(
    db: &Database,
    me: &str,
    after_ms: Option<u64>,
    now_ms: u64,
) -> Result<(), StoreError> {
    for person in people(db).await? {
        if person == me {
            continue;
        }
        let seen = get_js(db, KEYS, &seen_slot(&person)).await?.and_then(|v| v.as_f64());
        let legacy = get_js(db, KEYS, &legacy_slot(&person)).await?.is_some();
        let stale = match (seen, after_ms) {
            _ if legacy => true,
            (None, _) => true,
            (Some(seen), Some(after)) => now_ms.saturating_sub(seen as u64) > after,
            (Some(_), None) => false,
        };
        if stale {
            forget(db, &person).await?;
        }
    }
    Ok(())
}

/// Deletes every record of `user` and every `keys` entry about them.
pub(super) async fn forget(db: &Database, user: &str) -> Result<(), StoreError> {
    let prefix = format!("{user}{SEP}");
    for store in RECORD_STORES.iter().chain([&SESSION]) {
        for key in all_keys(db, store).await? {
            if key.starts_with(&prefix) {
                delete(db, store, &key).await?;
            }
        }
    }
    if get_js(db, SESSION, "current-user")
        .await?
        .and_then(|v| v.as_string())
        .as_deref()
        == Some(user)
    {
        delete(db, SESSION, "current-user").await?;
    }
    for key in [session_slot(user), check_slot(user), seen_slot(user), legacy_slot(user)] {
        delete(db, KEYS, &key).await?;
    }
    Ok(())
}
