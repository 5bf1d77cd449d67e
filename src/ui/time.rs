//! Times and dates as staff read them: in their language and the clinic's time zone, through the
//! browser's `Intl` (`3:05 PM` in en-US, `15:05` in en-GB).

use crate::domain::clock;
use crate::session::browser::intl::{self, Pattern};

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// `3:05 PM`.
pub fn clock(ts: u64) -> String {
    intl::format(Pattern::Clock, ts)
}

/// Inbox time: `3:05 PM` today, `Tue` this week, `Nov 3` before.
pub fn short(ts: u64) -> String {
    let days_ago = intl::day_number(now()) - intl::day_number(ts);
    match days_ago {
        0 => clock(ts),
        1..=6 => intl::format(Pattern::Weekday, ts),
        _ => intl::format(Pattern::MonthDay, ts),
    }
}

/// Day separator: `Today`, `Yesterday`, `Tue, Nov 24`.
pub fn day(ts: u64) -> String {
    match intl::day_number(now()) - intl::day_number(ts) {
        0 => "Today".into(),
        1 => "Yesterday".into(),
        _ => date(ts),
    }
}

/// Whether two timestamps fall on the same day in the clinic.
pub fn same_day(a: u64, b: u64) -> bool {
    intl::day_number(a) == intl::day_number(b)
}

/// `Tue, Nov 26`.
pub fn date(ts: u64) -> String {
    intl::format(Pattern::Date, ts)
}

/// `Tue, Nov 26 · 3:05 PM`.
pub fn date_clock(ts: u64) -> String {
    format!("{} · {}", date(ts), clock(ts))
}

/// A calendar date given as `YYYY-MM-DD` (a birth date): `04/12/2016` in en-US.
pub fn calendar_date(ymd: &str) -> String {
    intl::calendar_date(ymd)
}

/// Midnight, in the clinic, of the day `days` from today.
pub fn day_start_from_today(days: i32) -> u64 {
    intl::day_start(intl::day_number(now()) + i64::from(days))
}

/// The day offset from today of the Monday `weeks` weeks from this week's.
pub fn week_start_from_today(weeks: i32) -> i32 {
    let today = intl::day_number(now());
    7 * weeks - clock::days_since_monday(today) as i32
}

/// A wait as staff read it: `40 s`, `5 min`.
pub fn duration(ms: u64) -> String {
    clock::duration(ms)
}

/// `Priya, Jordan and Sam`.
pub fn list(items: &[String]) -> String {
    intl::list(items)
}
