//! Waiting that the browser coming back online can cut short.

use super::state::AppState;
use gloo_timers::future::sleep;
use leptos::prelude::*;
use std::time::Duration;

/// Sleeps `ms`, returning early when [`AppState::wake`] changes (the `online` event).
pub async fn wait(state: AppState, ms: u64) {
    let start = state.wake.get_untracked();
    let mut left = ms;
    while left > 0 && state.wake.get_untracked() == start {
        let slice = left.min(200);
        sleep(Duration::from_millis(slice)).await;
        left -= slice;
    }
}
