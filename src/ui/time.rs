//! Times and dates as staff read them, in the device's time zone.

use js_sys::Date;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAY_MS: f64 = 86_400_000.0;

fn date(ts: u64) -> Date {
    Date::new(&wasm_bindgen::JsValue::from_f64(ts as f64))
}

fn day_start(d: &Date) -> f64 {
    let copy = Date::new(&wasm_bindgen::JsValue::from_f64(d.get_time()));
    copy.set_hours(0);
    copy.set_minutes(0);
    copy.set_seconds(0);
    copy.set_milliseconds(0);
    copy.get_time()
}

/// `14:05`.
pub fn clock(ts: u64) -> String {
    let d = date(ts);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// Inbox time: `14:05` today, `Tue` this week, `Nov 3` before.
pub fn short(ts: u64) -> String {
    let d = date(ts);
    let days_ago = ((day_start(&Date::new_0()) - day_start(&d)) / DAY_MS).round();
    if days_ago < 1.0 {
        clock(ts)
    } else if days_ago < 7.0 {
        WEEKDAYS[d.get_day() as usize % 7].to_owned()
    } else {
        format!("{} {}", MONTHS[d.get_month() as usize % 12], d.get_date())
    }
}

/// Day separator: `Today`, `Yesterday`, `Tue, Nov 24`.
pub fn day(ts: u64) -> String {
    let d = date(ts);
    let days_ago = ((day_start(&Date::new_0()) - day_start(&d)) / DAY_MS).round();
    match days_ago as i64 {
        0 => "Today".into(),
        1 => "Yesterday".into(),
        _ => format!(
            "{}, {} {}",
            WEEKDAYS[d.get_day() as usize % 7],
            MONTHS[d.get_month() as usize % 12],
            d.get_date()
        ),
    }
}

/// Whether two timestamps fall on the same local day.
pub fn same_day(a: u64, b: u64) -> bool {
    day_start(&date(a)) == day_start(&date(b))
}

/// `Tue 14:05`, for appointment times.
pub fn weekday_clock(ts: u64) -> String {
    format!("{} {}", WEEKDAYS[date(ts).get_day() as usize % 7], clock(ts))
}

/// `Tue, Nov 26 · 14:05`.
pub fn date_clock(ts: u64) -> String {
    let d = date(ts);
    format!(
        "{}, {} {} · {}",
        WEEKDAYS[d.get_day() as usize % 7],
        MONTHS[d.get_month() as usize % 12],
        d.get_date(),
        clock(ts)
    )
}

/// Local midnight of the day `days` from today.
pub fn day_start_from_today(days: i32) -> u64 {
    (day_start(&Date::new_0()) + f64::from(days) * DAY_MS) as u64
}

/// A wait as staff read it: `40 s`, `5 min`.
pub fn duration(ms: u64) -> String {
    let secs = ms.div_ceil(1000);
    if secs < 60 {
        format!("{secs} s")
    } else {
        format!("{} min", secs.div_ceil(60))
    }
}
