//! Times and dates as staff read them, in the device's time zone (the arithmetic is
//! `domain::clock`'s; the browser says the offset).

use crate::domain::clock::{self, Local};

/// The moment `ts` on this device's clock.
fn local(ts: u64) -> Local {
    let offset = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts as f64)).get_timezone_offset();
    // getTimezoneOffset is UTC minus local.
    Local::at(ts, -(offset as i32))
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// `14:05`.
pub fn clock(ts: u64) -> String {
    local(ts).clock()
}

/// Inbox time: `14:05` today, `Tue` this week, `Nov 3` before.
pub fn short(ts: u64) -> String {
    local(ts).short(&local(now()))
}

/// Day separator: `Today`, `Yesterday`, `Tue, Nov 24`.
pub fn day(ts: u64) -> String {
    local(ts).day_label(&local(now()))
}

/// Whether two timestamps fall on the same local day.
pub fn same_day(a: u64, b: u64) -> bool {
    local(a).days == local(b).days
}

/// `Tue, Nov 26`.
pub fn date(ts: u64) -> String {
    local(ts).date()
}

/// `Tue, Nov 26 · 14:05`.
pub fn date_clock(ts: u64) -> String {
    local(ts).date_clock()
}

/// Local midnight of the day `days` from today (the browser's calendar: across a daylight
/// saving change too).
pub fn day_start_from_today(days: i32) -> u64 {
    // From today's noon, whole days never cross into the wrong day, daylight saving or not.
    let noon = js_sys::Date::new_0();
    noon.set_hours(12);
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        noon.get_time() + f64::from(days) * 86_400_000.0,
    ));
    date.set_hours(0);
    date.set_minutes(0);
    date.set_seconds(0);
    date.set_milliseconds(0);
    date.get_time() as u64
}

/// A wait as staff read it: `40 s`, `5 min`.
pub fn duration(ms: u64) -> String {
    clock::duration(ms)
}
