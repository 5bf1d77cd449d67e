//! Automatic logoff after the clinic's idle timeout: the app locks and signs out; drafts and
//! unsent messages stay encrypted for the same person's next sign-in.

use super::live;
use super::state::AppState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// Activity is passed on (to the other tabs, to the kept session) at most this often, and at
/// least four times per idle window so no tab times out while another is in use.
const TELL_EVERY_MS: f64 = 10_000.0;

/// The idle clock of session `generation`: reset by activity here or in another tab.
#[derive(Clone)]
pub struct Idle {
    last: Rc<Cell<f64>>,
}

impl Idle {
    /// Another tab of the same person was active.
    pub fn heard(&self) {
        self.last.set(js_sys::Date::now());
    }
}

/// Watches for activity while session `generation` lasts; `active` hears of it (at most every
/// ten seconds) so the other tabs and the kept session know. Logs off after the clinic's idle
/// timeout without activity in any tab.
pub fn watch(state: AppState, generation: u64, active: impl Fn() + 'static) -> Idle {
    let idle = Idle {
        last: Rc::new(Cell::new(js_sys::Date::now())),
    };
    let Some(limit_ms) = state.config.with_value(|c| c.idle_ms()) else {
        return idle;
    };
    let minutes = limit_ms as f64 / 60_000.0;
    let tell_every = TELL_EVERY_MS.min(limit_ms as f64 / 4.0);
    let told = Rc::new(Cell::new(0.0));
    let touch = {
        let (last, told) = (idle.last.clone(), told.clone());
        let active = Rc::new(active);
        move || {
            let now = js_sys::Date::now();
            last.set(now);
            if now - told.get() >= tell_every {
                told.set(now);
                active();
            }
        }
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
    let last = idle.last.clone();
    spawn_local(async move {
        loop {
            gloo_timers::future::sleep(Duration::from_secs(1)).await;
            if state.generation.get_untracked() != generation {
                break;
            }
            if js_sys::Date::now() - last.get() >= limit_ms as f64 {
                let notice = format!(
                    "You were signed out after {} without activity. Your drafts are saved.",
                    describe(minutes)
                );
                live::log_off(state, notice).await;
                break;
            }
        }
        handles.into_iter().for_each(|h| h.remove());
    });
    idle
}

fn describe(minutes: f64) -> String {
    if minutes >= 1.0 {
        let whole = minutes.round() as u64;
        format!("{whole} minute{}", if whole == 1 { "" } else { "s" })
    } else {
        format!("{} seconds", (minutes * 60.0).round() as u64)
    }
}
