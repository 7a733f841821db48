//! Hourly and daily rollup keys for a poll instant.
//!
//! Deltas are attributed to the instant of the poll that measured them: a delta measured at poll
//! time `t` lands in `t`'s hour, local day and billing cycle, whole. We never split a delta across
//! buckets by guessing when inside the poll interval the bytes flowed; that guess could not be
//! checked, and attributing at `t` keeps the hourly, daily and monthly sums equal by construction.
//!
//! - **Hours are UTC hours.** An hourly row is keyed by the start of the UTC hour, so DST repeats
//!   and gaps never make two rows share a key. [`local_hour_label`] gives the local wall time of
//!   that start for display. In zones with a non-whole-hour offset (India +05:30, Nepal +05:45,
//!   Chatham +12:45, Lord Howe +10:30 in winter, Newfoundland −03:30, …) a UTC hour straddles the
//!   local half hour and may straddle local midnight: hourly rows are for charts; daily and monthly
//!   rows are computed from each poll instant, never summed up from hourly rows.
//! - **Days are local days.** A local day starts at its *first instant*: the earliest instant
//!   whose local wall time is at or after 00:00 of that date. That is 00:00 when it exists, the
//!   earlier of the two when 00:00 happens twice, and the end of the gap when DST skips midnight
//!   (America/Santiago, America/Havana, Asia/Beirut historically). A day can be empty
//!   (Pacific/Apia skipped 2011-12-30 entirely).
//! - The daily key of `t` is the latest date whose first instant is at or before `t`. That is the
//!   wall-clock date, except in a fall-back transition that crosses midnight, where the wall clock
//!   briefly shows yesterday again: the key stays on the new day, so days tile time with no gap or
//!   overlap and always nest inside billing cycles (which start at a day's first instant).
//!
//! Supported instants: UTC years 1 to 9999. Anything else is a typed error, never a panic.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

/// First and last UTC year accepted as an instant.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Why a bucket could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BucketError {
    /// The instant is outside UTC years 1–9999.
    #[error("instant {0} is outside the supported range (UTC years 1 to 9999)")]
    OutOfRange(DateTime<Utc>),
    /// A local date outside the range the day arithmetic supports (years 0–10000).
    #[error("date {0} is outside the supported range (years 0 to 10000)")]
    DateOutOfRange(NaiveDate),
    /// The monthly reset day is not 1–28.
    #[error("the monthly reset day must be between 1 and 28, got {0}")]
    InvalidResetDay(u32),
    /// The time zone data produced boundaries that do not tile time. Unreachable with real tz
    /// data; reported instead of returning a wrong bucket.
    #[error("time zone {tz} gives inconsistent day boundaries around {instant}")]
    Inconsistent { tz: Tz, instant: DateTime<Utc> },
}

/// Refuses instants outside [`SUPPORTED_YEARS`], so later chrono arithmetic cannot overflow.
pub fn check_instant(instant: DateTime<Utc>) -> Result<(), BucketError> {
    if SUPPORTED_YEARS.contains(&instant.year()) {
        Ok(())
    } else {
        Err(BucketError::OutOfRange(instant))
    }
}

/// The hourly rollup key: the start of the UTC hour containing `instant`.
pub fn hour_bucket(instant: DateTime<Utc>) -> Result<DateTime<Utc>, BucketError> {
    check_instant(instant)?;
    let secs = instant.timestamp();
    DateTime::from_timestamp(secs - secs.rem_euclid(3600), 0)
        .ok_or(BucketError::OutOfRange(instant))
}

/// The local wall time at which an hourly bucket starts, for display. It keeps its offset, so the
/// repeated hour of a fall-back shows as e.g. 01:00 EDT and then 01:00 EST.
pub fn local_hour_label(hour_start: DateTime<Utc>, tz: Tz) -> Result<DateTime<Tz>, BucketError> {
    check_instant(hour_start)?;
    Ok(hour_start.with_timezone(&tz))
}

/// The local wall-clock time of `instant` in `tz`.
pub fn local_wall_time(instant: DateTime<Utc>, tz: Tz) -> Result<NaiveDateTime, BucketError> {
    check_instant(instant)?;
    let offset = tz.offset_from_utc_datetime(&instant.naive_utc()).fix();
    instant
        .naive_utc()
        .checked_add_offset(offset)
        .ok_or(BucketError::OutOfRange(instant))
}

/// The first instant of local day `date` in `tz` (see the module header for the definition).
pub fn local_day_start(date: NaiveDate, tz: Tz) -> Result<DateTime<Utc>, BucketError> {
    if !(0..=10_000).contains(&date.year()) {
        return Err(BucketError::DateOutOfRange(date));
    }
    let midnight = date.and_time(NaiveTime::MIN);
    let utc_of = |offset: chrono_tz::TzOffset| {
        midnight
            .checked_sub_offset(offset.fix())
            .map(|naive| naive.and_utc())
            .ok_or(BucketError::DateOutOfRange(date))
    };
    match tz.offset_from_local_datetime(&midnight) {
        LocalResult::Single(offset) => utc_of(offset),
        // Midnight happens twice: the day starts at the first.
        LocalResult::Ambiguous(a, b) => Ok(utc_of(a)?.min(utc_of(b)?)),
        LocalResult::None => first_instant_at_or_after(midnight, tz),
    }
}

/// The end of local day `date` (exclusive): the first instant of the next day.
pub fn local_day_end(date: NaiveDate, tz: Tz) -> Result<DateTime<Utc>, BucketError> {
    let next = date.succ_opt().ok_or(BucketError::DateOutOfRange(date))?;
    local_day_start(next, tz)
}

/// The daily rollup key: the local date `instant` belongs to (see the module header).
pub fn local_date(instant: DateTime<Utc>, tz: Tz) -> Result<NaiveDate, BucketError> {
    let mut date = local_wall_time(instant, tz)?.date();
    // The wall date is right except around a fall-back across midnight; no real offset change
    // is a day long, so two steps either way are plenty (bounded loops, never endless).
    for _ in 0..2 {
        if local_day_start(date, tz)? <= instant {
            break;
        }
        date = date.pred_opt().ok_or(BucketError::OutOfRange(instant))?;
    }
    for _ in 0..2 {
        let next = date.succ_opt().ok_or(BucketError::OutOfRange(instant))?;
        if local_day_start(next, tz)? > instant {
            break;
        }
        date = next;
    }
    if local_day_start(date, tz)? <= instant && instant < local_day_end(date, tz)? {
        Ok(date)
    } else {
        Err(BucketError::Inconsistent { tz, instant })
    }
}

/// The earliest instant whose local wall time is at or after `local` (used when `local` falls in
/// a DST gap). Offsets, even historical local mean time, stay within ±16 hours, so the answer
/// lies within 17 hours of `local` read as UTC; a binary search over whole seconds finds it
/// (tz transitions happen on whole seconds).
fn first_instant_at_or_after(local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, BucketError> {
    const WINDOW: i64 = 17 * 3600;
    let err = BucketError::DateOutOfRange(local.date());
    let at_or_after = |secs: i64| -> Result<bool, BucketError> {
        let naive = DateTime::from_timestamp(secs, 0).ok_or(err)?.naive_utc();
        let offset = tz.offset_from_utc_datetime(&naive).fix();
        Ok(naive.checked_add_offset(offset).ok_or(err)? >= local)
    };
    let centre = local.and_utc().timestamp();
    let (mut lo, mut hi) = (centre - WINDOW, centre + WINDOW);
    if !at_or_after(hi)? {
        return Err(err);
    }
    // Invariant: at_or_after(hi) holds; the answer is in (lo, hi] unless at_or_after(lo).
    if at_or_after(lo)? {
        hi = lo;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at_or_after(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).ok_or(err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, Timelike};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn hour_bucket_truncates_to_the_utc_hour() {
        let t = utc("2024-03-10T06:59:59.999Z");
        assert_eq!(hour_bucket(t).unwrap(), utc("2024-03-10T06:00:00Z"));
        let t = utc("2024-03-10T07:00:00Z");
        assert_eq!(hour_bucket(t).unwrap(), t);
        // Before 1970 the truncation still goes down, not towards zero.
        assert_eq!(
            hour_bucket(utc("1969-12-31T23:30:00Z")).unwrap(),
            utc("1969-12-31T23:00:00Z")
        );
    }

    #[test]
    fn local_hour_label_keeps_the_offset_in_a_repeated_hour() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let first = local_hour_label(utc("2024-11-03T05:00:00Z"), ny).unwrap();
        let second = local_hour_label(utc("2024-11-03T06:00:00Z"), ny).unwrap();
        assert_eq!(first.naive_local(), second.naive_local());
        assert_ne!(first.offset().fix(), second.offset().fix());
        // India: a UTC hour starts at half past the local hour.
        let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
        let label = local_hour_label(utc("2024-01-01T18:00:00Z"), kolkata).unwrap();
        assert_eq!((label.hour(), label.minute()), (23, 30));
    }

    #[test]
    fn day_start_is_local_midnight() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            local_day_start(date(2024, 7, 1), berlin).unwrap(),
            utc("2024-06-30T22:00:00Z")
        );
        assert_eq!(
            local_day_start(date(2024, 1, 1), berlin).unwrap(),
            utc("2023-12-31T23:00:00Z")
        );
    }

    #[test]
    fn day_start_in_a_midnight_gap_is_the_end_of_the_gap() {
        // Chile springs forward at 24:00 → 01:00: 2024-09-08 has no 00:00.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let start = local_day_start(date(2024, 9, 8), santiago).unwrap();
        assert_eq!(start, utc("2024-09-08T04:00:00Z"));
        assert_eq!(local_wall_time(start, santiago).unwrap().hour(), 1);
        assert_eq!(local_date(start, santiago).unwrap(), date(2024, 9, 8));
        let before = start - TimeDelta::seconds(1);
        assert_eq!(local_date(before, santiago).unwrap(), date(2024, 9, 7));
    }

    #[test]
    fn day_start_when_midnight_repeats_is_the_first_midnight() {
        // Chile falls back at 24:00 → 23:00 on 2024-04-06: 23:00–24:00 on the 6th happens twice,
        // and 00:00 on the 7th once. Cuba (America/Havana) falls back at 01:00 → 00:00, so 00:00
        // happens twice: the day starts at the first.
        let havana: Tz = "America/Havana".parse().unwrap();
        let start = local_day_start(date(2024, 11, 3), havana).unwrap();
        assert_eq!(start, utc("2024-11-03T04:00:00Z"));
        assert_eq!(
            local_date(start - TimeDelta::seconds(1), havana).unwrap(),
            date(2024, 11, 2)
        );
    }

    #[test]
    fn an_empty_day_has_zero_length() {
        // Samoa skipped 2011-12-30 when it moved across the date line.
        let apia: Tz = "Pacific/Apia".parse().unwrap();
        let d30 = local_day_start(date(2011, 12, 30), apia).unwrap();
        let d31 = local_day_start(date(2011, 12, 31), apia).unwrap();
        assert_eq!(d30, d31);
        assert_eq!(local_date(d31, apia).unwrap(), date(2011, 12, 31));
        assert_eq!(
            local_date(d31 - TimeDelta::seconds(1), apia).unwrap(),
            date(2011, 12, 29)
        );
    }

    #[test]
    fn out_of_range_instants_are_errors_not_panics() {
        for t in [
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MIN_UTC,
            utc("0000-12-31T23:59:59Z"),
        ] {
            assert_eq!(hour_bucket(t), Err(BucketError::OutOfRange(t)));
            assert!(local_date(t, Tz::Pacific__Kiritimati).is_err());
            assert!(local_hour_label(t, Tz::UTC).is_err());
        }
        assert!(local_day_start(NaiveDate::MAX, Tz::UTC).is_err());
        assert!(local_day_start(NaiveDate::MIN, Tz::Asia__Manila).is_err());
        // The edges of the range work in the most extreme zones.
        let last = utc("9999-12-31T23:59:59Z");
        assert_eq!(
            local_date(last, Tz::Pacific__Kiritimati).unwrap(),
            date(10_000, 1, 1)
        );
        let first = utc("0001-01-01T00:00:00Z");
        assert_eq!(
            local_date(first, Tz::Etc__GMTPlus12).unwrap(),
            date(0, 12, 31)
        );
    }
}
