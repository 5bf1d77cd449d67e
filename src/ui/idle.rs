//! Automatic logoff after the clinic's idle timeout: the app locks and signs out; drafts and
//! unsent messages stay encrypted for the same person's next sign-in.

use super::live;
use super::state::AppState;
use crate::session::browser::Ending;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// Watches for activity while session `generation` lasts.
pub fn watch(state: AppState, generation: u64) {
    let minutes = state.config.with_value(|c| c.idle_minutes);
    // Zero, negative or NaN turns automatic logoff off.
    if minutes.is_nan() || minutes <= 0.0 {
        return;
    }
    let limit_ms = minutes * 60_000.0;
    let last = Rc::new(Cell::new(js_sys::Date::now()));
    let touch = {
        let last = last.clone();
        move || last.set(js_sys::Date::now())
    };
    let handles = vec![
        window_event_listener(leptos::ev::pointerdown, {
            let t = touch.clone();
            move |_| t()
        }),
        window_event_listener(leptos::ev::keydown, {
            let t = touch.clone();
            move |_| t()
        }),
        window_event_listener(leptos::ev::touchstart, {
            let t = touch.clone();
            move |_| t()
        }),
        window_event_listener(leptos::ev::wheel, move |_| touch()),
    ];
    spawn_local(async move {
        loop {
            gloo_timers::future::sleep(Duration::from_secs(1)).await;
            if state.generation.get_untracked() != generation {
                break;
            }
            if js_sys::Date::now() - last.get() >= limit_ms {
                let notice = format!(
                    "You were signed out after {} without activity. Your drafts are saved.",
                    describe(minutes)
                );
                live::end(state, Ending::KeepDrafts, Some(notice)).await;
                break;
            }
        }
        handles.into_iter().for_each(|h| h.remove());
    });
}

fn describe(minutes: f64) -> String {
    if minutes >= 1.0 {
        let whole = minutes.round() as u64;
        format!("{whole} minute{}", if whole == 1 { "" } else { "s" })
    } else {
        format!("{} seconds", (minutes * 60.0).round() as u64)
    }
}
