//! Billing cycles, the monthly rollup key (SPEC §3): a cycle starts at 00:00 local time on the
//! reset day D (1–28) of a month and ends where the next one starts.
//!
//! "00:00 local" is the first instant of that local day, as defined in [`super::bucket`]: the
//! earlier 00:00 when midnight repeats, the end of the gap when DST skips midnight. So cycles are
//! unions of whole local days, and the daily rows of a cycle sum to its monthly row exactly.
//! Reset days stop at 28 so every month has one; a cycle is labelled by the local date it starts
//! on (`YYYY-MM-DD`, day = D), which is also how monthly rows are keyed.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;

use super::bucket::{BucketError, check_instant, local_date, local_day_start};

/// The monthly reset day, 1–28 (every month has it). Construct with [`ResetDay::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResetDay(u32);

impl ResetDay {
    /// The first day of the month: the default.
    pub const FIRST: ResetDay = ResetDay(1);

    /// Validates a reset day; 29–31 are refused because some months lack them.
    pub fn new(day: u32) -> Result<Self, BucketError> {
        if (1..=28).contains(&day) {
            Ok(ResetDay(day))
        } else {
            Err(BucketError::InvalidResetDay(day))
        }
    }

    /// The day of the month, 1–28.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// One billing cycle: `[start, end)` in UTC, labelled by its local start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cycle {
    /// The local date the cycle starts on (its day is the reset day): the monthly rollup key.
    pub label: NaiveDate,
    /// The first instant of the cycle (inclusive).
    pub start: DateTime<Utc>,
    /// The first instant of the next cycle (exclusive).
    pub end: DateTime<Utc>,
}

impl Cycle {
    /// Whether `instant` falls in `[start, end)`.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.start <= instant && instant < self.end
    }
}

/// The label of the cycle containing local date `date`: the latest reset date on or before it.
pub fn cycle_label(date: NaiveDate, reset_day: ResetDay) -> Result<NaiveDate, BucketError> {
    let err = BucketError::DateOutOfRange(date);
    let first_of_month = date.with_day(1).ok_or(err)?;
    let month = if date.day() >= reset_day.get() {
        first_of_month
    } else {
        first_of_month
            .checked_sub_months(Months::new(1))
            .ok_or(err)?
    };
    month.with_day(reset_day.get()).ok_or(err)
}

/// The cycle containing local date `date`.
pub fn cycle_for_date(date: NaiveDate, tz: Tz, reset_day: ResetDay) -> Result<Cycle, BucketError> {
    let label = cycle_label(date, reset_day)?;
    let next = label
        .checked_add_months(Months::new(1))
        .ok_or(BucketError::DateOutOfRange(date))?;
    Ok(Cycle {
        label,
        start: local_day_start(label, tz)?,
        end: local_day_start(next, tz)?,
    })
}

/// The billing cycle containing `instant`: the monthly rollup key of a delta measured then.
pub fn cycle_for(
    instant: DateTime<Utc>,
    tz: Tz,
    reset_day: ResetDay,
) -> Result<Cycle, BucketError> {
    let cycle = cycle_for_date(local_date(instant, tz)?, tz, reset_day)?;
    if cycle.contains(instant) {
        Ok(cycle)
    } else {
        Err(BucketError::Inconsistent { tz, instant })
    }
}

/// Same as [`cycle_for`], for call sites that read better as a question.
pub fn cycle_containing(
    instant: DateTime<Utc>,
    tz: Tz,
    reset_day: ResetDay,
) -> Result<Cycle, BucketError> {
    cycle_for(instant, tz, reset_day)
}

/// When the cycle containing `instant` ends and the next begins (the next quota reset).
pub fn next_cycle_start(
    instant: DateTime<Utc>,
    tz: Tz,
    reset_day: ResetDay,
) -> Result<DateTime<Utc>, BucketError> {
    Ok(cycle_for(instant, tz, reset_day)?.end)
}

/// The cycles that *began* in `(from, to]`, oldest first: the resets a job that last ran at
/// `from` has to catch up on at `to`. Empty when `to <= from`. A cycle beginning exactly at
/// `from` is excluded (the job saw it then); one beginning exactly at `to` is included.
pub fn cycles_between(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: Tz,
    reset_day: ResetDay,
) -> Result<Vec<Cycle>, BucketError> {
    check_instant(to)?;
    let mut cycles = Vec::new();
    if to <= from {
        return Ok(cycles);
    }
    let mut cycle = cycle_for(from, tz, reset_day)?;
    loop {
        let next_label = cycle
            .label
            .checked_add_months(Months::new(1))
            .ok_or(BucketError::DateOutOfRange(cycle.label))?;
        cycle = cycle_for_date(next_label, tz, reset_day)?;
        if cycle.start > to {
            return Ok(cycles);
        }
        cycles.push(cycle);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn day(d: u32) -> ResetDay {
        ResetDay::new(d).unwrap()
    }

    #[test]
    fn reset_day_accepts_1_to_28_only() {
        for d in 1..=28 {
            assert_eq!(ResetDay::new(d).unwrap().get(), d);
        }
        for d in [0, 29, 30, 31, u32::MAX] {
            assert_eq!(ResetDay::new(d), Err(BucketError::InvalidResetDay(d)));
        }
    }

    #[test]
    fn cycle_starts_at_local_midnight_of_the_reset_day() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let c = cycle_for(utc("2024-03-20T12:00:00Z"), berlin, day(15)).unwrap();
        assert_eq!(c.label, date(2024, 3, 15));
        assert_eq!(c.start, utc("2024-03-14T23:00:00Z")); // CET
        assert_eq!(c.end, utc("2024-04-14T22:00:00Z")); // CEST
        // Before the reset day the cycle began last month.
        let c = cycle_for(utc("2024-03-14T22:59:59Z"), berlin, day(15)).unwrap();
        assert_eq!(c.label, date(2024, 2, 15));
        assert_eq!(c.end, utc("2024-03-14T23:00:00Z"));
    }

    #[test]
    fn reset_day_28_in_february_of_leap_and_common_years() {
        for (year, feb_len) in [(2023, 28), (2024, 29), (2100, 28), (2000, 29)] {
            let c = cycle_for_date(date(year, 3, 1), Tz::UTC, day(28)).unwrap();
            assert_eq!(c.label, date(year, 2, 28));
            assert_eq!((c.end - c.start).num_days(), feb_len);
            let next = cycle_for(c.end, Tz::UTC, day(28)).unwrap();
            assert_eq!(next.label, date(year, 3, 28));
        }
        // The first of the month: a cycle is exactly the calendar month.
        let c = cycle_for_date(date(2024, 2, 10), Tz::UTC, ResetDay::FIRST).unwrap();
        assert_eq!(
            (c.label, (c.end - c.start).num_days()),
            (date(2024, 2, 1), 29)
        );
    }

    #[test]
    fn year_boundary() {
        let c = cycle_for(utc("2025-01-03T00:00:00Z"), Tz::UTC, day(5)).unwrap();
        assert_eq!(
            (c.label, c.end),
            (date(2024, 12, 5), utc("2025-01-05T00:00:00Z"))
        );
    }

    #[test]
    fn cycle_starting_in_a_midnight_dst_gap_starts_when_the_day_does() {
        // 2024-09-08 00:00 does not exist in Chile: the cycle starts at 01:00 local.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let c = cycle_for(utc("2024-09-20T00:00:00Z"), santiago, day(8)).unwrap();
        assert_eq!(c.start, utc("2024-09-08T04:00:00Z"));
        let prev = cycle_for(c.start - TimeDelta::nanoseconds(1), santiago, day(8)).unwrap();
        assert_eq!(prev.end, c.start);
    }

    #[test]
    fn next_cycle_start_is_the_end() {
        let t = utc("2024-06-30T23:59:59Z");
        assert_eq!(
            next_cycle_start(t, Tz::UTC, ResetDay::FIRST).unwrap(),
            utc("2024-07-01T00:00:00Z")
        );
        assert_eq!(
            cycle_containing(t, Tz::UTC, ResetDay::FIRST),
            cycle_for(t, Tz::UTC, ResetDay::FIRST)
        );
    }

    #[test]
    fn cycles_between_lists_the_resets_to_catch_up() {
        let tz = Tz::UTC;
        let labels = |from: &str, to: &str| -> Vec<NaiveDate> {
            cycles_between(utc(from), utc(to), tz, day(10))
                .unwrap()
                .into_iter()
                .map(|c| c.label)
                .collect()
        };
        assert!(labels("2024-01-11T00:00:00Z", "2024-02-09T23:59:59Z").is_empty());
        assert_eq!(
            labels("2024-01-11T00:00:00Z", "2024-02-10T00:00:00Z"),
            [date(2024, 2, 10)]
        );
        // A cycle starting exactly at `from` was already seen.
        assert!(labels("2024-02-10T00:00:00Z", "2024-03-09T00:00:00Z").is_empty());
        assert_eq!(
            labels("2023-12-01T00:00:00Z", "2024-03-10T00:00:00Z"),
            [
                date(2023, 12, 10),
                date(2024, 1, 10),
                date(2024, 2, 10),
                date(2024, 3, 10)
            ]
        );
        assert!(labels("2024-03-10T00:00:00Z", "2023-03-10T00:00:00Z").is_empty());
    }

    #[test]
    fn out_of_range_is_an_error() {
        let max = DateTime::<Utc>::MAX_UTC;
        assert!(cycle_for(max, Tz::UTC, ResetDay::FIRST).is_err());
        assert!(next_cycle_start(max, Tz::UTC, ResetDay::FIRST).is_err());
        assert!(
            cycles_between(utc("2024-01-01T00:00:00Z"), max, Tz::UTC, ResetDay::FIRST).is_err()
        );
        assert!(cycle_for_date(NaiveDate::MAX, Tz::UTC, ResetDay::FIRST).is_err());
        let last = utc("9999-12-31T23:59:59Z");
        let c = cycle_for(last, Tz::Pacific__Kiritimati, day(28)).unwrap();
        assert!(c.contains(last));
    }
}
