//! Times and dates as staff read them, computed from milliseconds since the epoch and the
//! local offset from UTC at that moment (the browser supplies it: time zones and daylight
//! saving stay the browser's business, the arithmetic is tested here).

const DAY_MS: i64 = 86_400_000;
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

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

    /// `Nov 26`.
    pub fn month_day(&self) -> String {
        let (_, month, day) = civil(self.days);
        format!("{} {day}", MONTHS[(month - 1) as usize])
    }

    /// `Tue 14:05`.
    pub fn weekday_clock(&self) -> String {
        format!("{} {}", self.weekday(), self.clock())
    }

    /// `Tue, Nov 26`.
    pub fn date(&self) -> String {
        format!("{}, {}", self.weekday(), self.month_day())
    }

    /// `Tue, Nov 26 · 14:05`.
    pub fn date_clock(&self) -> String {
        format!("{} · {}", self.date(), self.clock())
    }

    /// Day separator, seen from `today`: `Today`, `Yesterday`, `Tue, Nov 24`.
    pub fn day_label(&self, today: &Local) -> String {
        match today.days - self.days {
            0 => "Today".into(),
            1 => "Yesterday".into(),
            _ => self.date(),
        }
    }

    /// Inbox time, seen from `today`: `14:05` today, `Tue` this week, `Nov 3` before.
    pub fn short(&self, today: &Local) -> String {
        match today.days - self.days {
            ..1 => self.clock(),
            1..7 => self.weekday().to_owned(),
            _ => self.month_day(),
        }
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
    fn local_time_follows_the_offset_across_midnight() {
        let utc = Local::at(TUE, 0);
        assert_eq!(
            (utc.clock(), utc.weekday(), utc.month_day()),
            ("13:05".into(), "Tue", "Nov 24".into())
        );
        let tokyo = Local::at(TUE, 9 * 60);
        assert_eq!(tokyo.date_clock(), "Tue, Nov 24 · 22:05");
        let hawaii = Local::at(TUE - 14 * 3_600_000, -10 * 60);
        assert_eq!(hawaii.date_clock(), "Mon, Nov 23 · 13:05");
        assert_eq!(Local::at(0, 0).date(), "Thu, Jan 1");
        assert_eq!(
            Local::at(951_782_400_000, 0).month_day(),
            "Feb 29",
            "2000 was a leap year"
        );
    }

    #[test]
    fn days_read_relative_to_today() {
        let today = Local::at(TUE, 0);
        let at = |days_ago: u64| Local::at(TUE - days_ago * 86_400_000, 0);
        assert_eq!(at(0).day_label(&today), "Today");
        assert_eq!(at(1).day_label(&today), "Yesterday");
        assert_eq!(at(2).day_label(&today), "Sun, Nov 22");
        assert_eq!(at(0).short(&today), "13:05");
        assert_eq!(at(3).short(&today), "Sat");
        assert_eq!(at(9).short(&today), "Nov 15");
        assert_eq!(duration(40_000), "40 s");
        assert_eq!(duration(4 * 60_000 + 1), "5 min");
    }
}
