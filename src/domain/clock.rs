//! Calendar arithmetic on milliseconds since the epoch and the local offset from UTC at that
//! moment: the wording of summaries posted in threads, and FHIR dates. Screens format through
//! the browser's `Intl` instead (`ui::time`).

const DAY_MS: i64 = 86_400_000;
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A moment in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    /// Days since 1970-01-01 in local time.
    pub days: i64,
    /// Minutes since local midnight.
    pub minute_of_day: u32,
}

impl Local {
    /// The moment `ts` (ms since the epoch) where the clock is `offset_minutes` ahead of UTC.
    pub fn at(ts: u64, offset_minutes: i32) -> Local {
        let local = ts as i64 + i64::from(offset_minutes) * 60_000;
        Local {
            days: local.div_euclid(DAY_MS),
            minute_of_day: (local.rem_euclid(DAY_MS) / 60_000) as u32,
        }
    }

    /// `14:05`.
    pub fn clock(&self) -> String {
        format!("{:02}:{:02}", self.minute_of_day / 60, self.minute_of_day % 60)
    }

    /// `Tue`.
    pub fn weekday(&self) -> &'static str {
        // 1970-01-01 was a Thursday.
        WEEKDAYS[(self.days + 4).rem_euclid(7) as usize]
    }

    /// `Tue 14:05`.
    pub fn weekday_clock(&self) -> String {
        format!("{} {}", self.weekday(), self.clock())
    }
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since the Monday of the week of `day` (days since 1970-01-01, a Thursday): 0 on a
/// Monday, 6 on a Sunday. Clinics plan their weeks from Monday.
pub fn days_since_monday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// `2026-12-07T10:05:00-06:00`: the moment `ts` on a clock `offset_minutes` ahead of UTC, with
/// that offset (whole seconds).
pub fn iso_local(ts: u64, offset_minutes: i32) -> String {
    let secs = ts as i64 / 1000 + i64::from(offset_minutes) * 60;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        offset / 60,
        offset % 60
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-24T13:05:00Z, a Tuesday.
    const TUE: u64 = 1_795_525_500_000;

    #[test]
    fn weeks_start_on_monday() {
        let tuesday = (TUE / 86_400_000) as i64;
        assert_eq!(days_since_monday(tuesday), 1);
        assert_eq!(days_since_monday(tuesday - 1), 0, "Monday 2026-11-23");
        assert_eq!(days_since_monday(tuesday + 5), 6, "Sunday 2026-11-29");
        assert_eq!(days_since_monday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(days_since_monday(-4), 6, "before 1970 too");
    }

    #[test]
    fn local_time_follows_the_offset_across_midnight() {
        let utc = Local::at(TUE, 0);
        assert_eq!((utc.clock(), utc.weekday()), ("13:05".into(), "Tue"));
        assert_eq!(Local::at(TUE, 9 * 60).weekday_clock(), "Tue 22:05");
        assert_eq!(Local::at(TUE - 14 * 3_600_000, -10 * 60).weekday_clock(), "Mon 13:05");
        assert_eq!(civil(Local::at(0, 0).days), (1970, 1, 1));
        assert_eq!(
            civil(Local::at(951_782_400_000, 0).days),
            (2000, 2, 29),
            "2000 was a leap year"
        );
    }

    #[test]
    fn moments_are_written_with_their_offset() {
        assert_eq!(iso_local(TUE, 0), "2026-11-24T13:05:00+00:00");
        assert_eq!(iso_local(TUE, -6 * 60), "2026-11-24T07:05:00-06:00");
        assert_eq!(iso_local(TUE, 5 * 60 + 30), "2026-11-24T18:35:00+05:30");
        assert_eq!(iso_local(TUE - 14 * 3_600_000, -10 * 60), "2026-11-23T13:05:00-10:00");
    }

    #[test]
    fn waits_read_in_seconds_then_minutes() {
        assert_eq!(duration(40_000), "40 s");
        assert_eq!(duration(4 * 60_000 + 1), "5 min");
    }
}
