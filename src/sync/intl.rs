//! Dates, times and lists as the clinic reads them, through the browser's `Intl` (its locale
//! data costs the app nothing): in the person's language (the browser's, else the clinic's
//! default locale) and the clinic's time zone (`config.json`, else the device's). Formatters are
//! made once per pattern: the inbox formats hundreds of times per paint.

use js_sys::{Array, Date, Intl, Object, Reflect};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};

const DAY_MS: f64 = 86_400_000.0;
/// Time zones change their offset only on quarter hours: one measured offset serves its quarter.
const QUARTER_MS: f64 = 900_000.0;
/// Quarters remembered before the cache starts again (an inbox spans a few hundred).
const OFFSETS_KEPT: usize = 4096;

/// What a moment is shown as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// `3:05 PM` (en-US), `15:05` (en-GB).
    Clock,
    /// `Tue`.
    Weekday,
    /// `Nov 26`.
    MonthDay,
    /// `Tue, Nov 26`.
    Date,
    /// `11/26/2026`: a calendar date (a birth date), whatever the time zone.
    CalendarDate,
}

impl Pattern {
    fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Pattern::Clock => &[("hour", "numeric"), ("minute", "2-digit")],
            Pattern::Weekday => &[("weekday", "short")],
            Pattern::MonthDay => &[("month", "short"), ("day", "numeric")],
            Pattern::Date => &[("weekday", "short"), ("month", "short"), ("day", "numeric")],
            Pattern::CalendarDate => &[
                ("year", "numeric"),
                ("month", "2-digit"),
                ("day", "2-digit"),
                ("timeZone", "UTC"),
            ],
        }
    }
}

#[derive(Default)]
struct Settings {
    default_locale: Option<String>,
    time_zone: Option<String>,
    formats: HashMap<Pattern, Intl::DateTimeFormat>,
    parts: Option<Intl::DateTimeFormat>,
    lists: Option<Intl::ListFormat>,
    /// The clinic's offset from UTC (ms) by quarter hour: every inbox row asks for its day.
    offsets: HashMap<i64, f64>,
}

thread_local! {
    static SETTINGS: RefCell<Settings> = RefCell::new(Settings::default());
}

/// The clinic's defaults from `config.json`: its locale (when the browser's is not available)
/// and time zone (IANA, such as `America/Chicago`).
pub fn configure(default_locale: Option<&str>, time_zone: Option<&str>) {
    SETTINGS.with(|s| {
        // Every formatter and measured offset was made for the old settings.
        *s.borrow_mut() = Settings {
            default_locale: default_locale.map(str::to_owned),
            time_zone: time_zone.map(str::to_owned),
            ..Settings::default()
        }
    });
}

/// The locales asked for, most wanted first: the browser's, then the clinic's default.
fn locales(settings: &Settings) -> Array {
    let wanted = Array::new();
    if let Some(navigator) = web_sys::window().map(|w| w.navigator()) {
        for language in navigator.languages().iter() {
            wanted.push(&language);
        }
    }
    if let Some(locale) = &settings.default_locale {
        wanted.push(&JsValue::from_str(locale));
    }
    wanted
}

fn options(pairs: &[(&str, &str)], time_zone: Option<&str>) -> Object {
    let options = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    if let Some(zone) = time_zone {
        if !pairs.iter().any(|(k, _)| *k == "timeZone") {
            let _ = Reflect::set(&options, &"timeZone".into(), &zone.into());
        }
    }
    options
}

/// `ts` (epoch milliseconds) as `pattern` says.
pub fn format(pattern: Pattern, ts: u64) -> String {
    SETTINGS.with(|s| {
        let mut s = s.borrow_mut();
        if !s.formats.contains_key(&pattern) {
            let made = Intl::DateTimeFormat::new(&locales(&s), &options(pattern.options(), s.time_zone.as_deref()));
            s.formats.insert(pattern, made);
        }
        let format = s.formats[&pattern].format();
        format
            .call1(&JsValue::UNDEFINED, &Date::new(&JsValue::from_f64(ts as f64)))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    })
}

/// A calendar date `YYYY-MM-DD` (a birth date) as the person reads dates; as given when it is
/// not one (a partial FHIR date such as `2016-04`, or a day the calendar does not have).
pub fn calendar_date(ymd: &str) -> String {
    let mut parts = ymd.splitn(3, '-').map(str::parse::<u32>);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
            let ts = Date::utc(f64::from(y), f64::from(m - 1)) + f64::from(d - 1) * DAY_MS;
            let day = Date::new(&JsValue::from_f64(ts));
            // 2016-02-31 would roll over into March.
            if day.get_utc_month() + 1 != m || day.get_utc_date() != d {
                return ymd.to_owned();
            }
            format(Pattern::CalendarDate, ts as u64)
        }
        _ => ymd.to_owned(),
    }
}

/// The wall-clock moment of `ts` in the clinic's time zone, read as if it were UTC (epoch
/// milliseconds): its difference from `ts` is the zone's offset then.
fn wall_clock(ts: f64) -> f64 {
    let quarter = (ts / QUARTER_MS).floor() as i64;
    let kept = SETTINGS.with(|s| s.borrow().offsets.get(&quarter).copied());
    let offset = kept.unwrap_or_else(|| {
        let offset = measured_wall_clock(ts) - ts;
        SETTINGS.with(|s| {
            let offsets = &mut s.borrow_mut().offsets;
            if offsets.len() >= OFFSETS_KEPT {
                offsets.clear();
            }
            offsets.insert(quarter, offset);
        });
        offset
    });
    ts + offset
}

/// [`wall_clock`] as `Intl` tells it (the slow way: the parts of a formatted date).
fn measured_wall_clock(ts: f64) -> f64 {
    SETTINGS.with(|s| {
        let mut s = s.borrow_mut();
        if s.parts.is_none() {
            let pairs = [
                ("year", "numeric"),
                ("month", "numeric"),
                ("day", "numeric"),
                ("hour", "numeric"),
                ("minute", "numeric"),
                ("second", "numeric"),
                ("hourCycle", "h23"),
            ];
            s.parts = Some(Intl::DateTimeFormat::new(
                &Array::of1(&"en-US".into()),
                &options(&pairs, s.time_zone.as_deref()),
            ));
        }
        let parts = s
            .parts
            .as_ref()
            .map(|f| f.format_to_parts(&Date::new(&JsValue::from_f64(ts))));
        let mut value = HashMap::new();
        for part in parts.iter().flat_map(Array::iter) {
            let field = |name: &str| Reflect::get(&part, &name.into()).ok().and_then(|v| v.as_string());
            if let (Some(kind), Some(text)) = (field("type"), field("value")) {
                value.insert(kind, text.parse::<f64>().unwrap_or(0.0));
            }
        }
        let get = |k: &str| value.get(k).copied().unwrap_or(0.0);
        let date = Date::utc(get("year"), get("month") - 1.0);
        date + (get("day") - 1.0) * DAY_MS
            + get("hour") * 3_600_000.0
            + get("minute") * 60_000.0
            + get("second") * 1000.0
    })
}

/// How far the clinic's clock is ahead of UTC at `ts` (minutes).
pub fn utc_offset_minutes(ts: u64) -> i32 {
    ((wall_clock(ts as f64) - ts as f64) / 60_000.0).round() as i32
}

/// The calendar day of `ts` in the clinic's time zone, as days since 1970-01-01.
pub fn day_number(ts: u64) -> i64 {
    (wall_clock(ts as f64) / DAY_MS).floor() as i64
}

/// Midnight, in the clinic's time zone, of the day `day` (days since 1970-01-01).
pub fn day_start(day: i64) -> u64 {
    let midnight = day as f64 * DAY_MS;
    // The offset at a first guess, then at the moment found (a daylight saving change between).
    let mut ts = midnight;
    for _ in 0..2 {
        ts = midnight - (wall_clock(ts) - ts);
    }
    ts.max(0.0) as u64
}

/// `Priya, Jordan and Sam` (or the language's own way of listing).
pub fn list(items: &[String]) -> String {
    SETTINGS.with(|s| {
        let mut s = s.borrow_mut();
        if s.lists.is_none() {
            let made = Intl::ListFormat::new(&locales(&s), &options(&[("type", "conjunction")], None));
            s.lists = Some(made);
        }
        let array: Array = items.iter().map(|i| JsValue::from_str(i)).collect();
        s.lists
            .as_ref()
            .map(|f| String::from(f.format(&array)))
            .unwrap_or_else(|| items.join(", "))
    })
}

/// Whether the browser accepts the clinic's settings: `Intl` throws on an unknown time zone or
/// a malformed locale, and a throw in a formatter would stop the app. The problem, in words.
pub fn check(locale: Option<&str>, time_zone: Option<&str>) -> Result<(), String> {
    let constructor = Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| Reflect::get(&intl, &"DateTimeFormat".into()))
        .ok()
        .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
        .ok_or("this browser cannot format dates (it has no Intl)")?;
    let accepts =
        |locales: Array, options: Object| Reflect::construct(&constructor, &Array::of2(&locales, &options)).is_ok();
    if let Some(locale) = locale {
        if !accepts(Array::of1(&locale.into()), Object::new()) {
            return Err(format!("locale \"{locale}\" is not a language tag (such as en-US)"));
        }
    }
    if let Some(zone) = time_zone {
        if !accepts(Array::new(), options(&[], Some(zone))) {
            return Err(format!("time_zone \"{zone}\" is not a time zone this browser knows"));
        }
    }
    Ok(())
}
