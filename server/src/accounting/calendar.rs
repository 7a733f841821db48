//! The billing calendar in force, including a pending change of timezone or reset day.
//!
//! SPEC §6 lets an admin change the timezone and the reset day at any time, but a running
//! cycle must not be split or re-labelled under a customer's feet (quotas would jump). So a
//! change takes effect at the next boundary of the cycle running when it was made:
//!
//! - before `change_at`, cycles and local dates follow the calendar in force;
//! - from `change_at`, the new calendar applies; its first cycle is a *transition cycle* that
//!   starts exactly at `change_at` (not at the new calendar's earlier nominal boundary) and
//!   ends at the new calendar's next boundary. It is labelled by its local start date, which
//!   no earlier or later cycle label can equal.
//!
//! `anchor` keeps a past change's transition cycle intact once it has become the calendar in
//! force. On the day of a timezone change, that one local date's daily row may hold bytes of
//! both zones' day; the cycles are exact.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::bucket::{BucketError, local_date};
use super::cycle::{Cycle, ResetDay, cycle_for};

/// One calendar: a timezone and a reset day, optionally anchored by an earlier change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub timezone: Tz,
    pub reset_day: ResetDay,
    /// The instant a change made this calendar effective: the cycle containing it starts here.
    pub anchor: Option<DateTime<Utc>>,
}

impl Segment {
    pub fn plain(timezone: Tz, reset_day: ResetDay) -> Self {
        Self {
            timezone,
            reset_day,
            anchor: None,
        }
    }

    fn cycle_at(&self, instant: DateTime<Utc>) -> Result<Cycle, BucketError> {
        let cycle = cycle_for(instant, self.timezone, self.reset_day)?;
        match self.anchor {
            Some(anchor) if cycle.start < anchor && anchor <= instant => Ok(Cycle {
                label: local_date(anchor, self.timezone)?,
                start: anchor,
                end: cycle.end,
            }),
            _ => Ok(cycle),
        }
    }
}

/// The calendar in force and, optionally, the one that takes over at `change_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub current: Segment,
    pub next: Option<(Segment, DateTime<Utc>)>,
}

impl Calendar {
    /// A calendar with no change pending.
    pub fn fixed(timezone: Tz, reset_day: ResetDay) -> Self {
        Self {
            current: Segment::plain(timezone, reset_day),
            next: None,
        }
    }

    /// The calendar in force at `instant`; a pending one is anchored at its change instant.
    fn segment_at(&self, instant: DateTime<Utc>) -> Segment {
        match self.next {
            Some((next, change_at)) if instant >= change_at => Segment {
                anchor: Some(change_at),
                ..next
            },
            _ => self.current,
        }
    }

    /// The timezone local dates are taken in at `instant`.
    pub fn timezone_at(&self, instant: DateTime<Utc>) -> Tz {
        self.segment_at(instant).timezone
    }

    /// The billing cycle containing `instant`.
    pub fn cycle_at(&self, instant: DateTime<Utc>) -> Result<Cycle, BucketError> {
        self.segment_at(instant).cycle_at(instant)
    }

    /// The calendar once `now` has passed a pending change: the change becomes the calendar
    /// in force, anchored at its change instant.
    pub fn settled(&self, now: DateTime<Utc>) -> Self {
        match self.next {
            Some((mut next, change_at)) if now >= change_at => {
                next.anchor = Some(change_at);
                Self {
                    current: next,
                    next: None,
                }
            }
            _ => *self,
        }
    }

    /// The calendar after an admin chose `timezone` and `reset_day` at `now`: unchanged when
    /// they are what is in force (which also cancels a pending change), else pending from the
    /// end of the cycle running at `now`.
    pub fn with_change(
        &self,
        now: DateTime<Utc>,
        timezone: Tz,
        reset_day: ResetDay,
    ) -> Result<Self, BucketError> {
        let settled = self.settled(now);
        if settled.current.timezone == timezone && settled.current.reset_day == reset_day {
            return Ok(Self {
                current: settled.current,
                next: None,
            });
        }
        let change_at = settled.current.cycle_at(now)?.end;
        Ok(Self {
            current: settled.current,
            next: Some((Segment::plain(timezone, reset_day), change_at)),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn day(d: u32) -> ResetDay {
        ResetDay::new(d).unwrap()
    }

    #[test]
    fn a_reset_day_change_waits_for_the_running_cycle_to_end() {
        let cal = Calendar::fixed(Tz::UTC, day(1));
        let now = utc(2026, 11, 10, 12);
        let changed = cal.with_change(now, Tz::UTC, day(15)).unwrap();
        // The running cycle is untouched, even past the new reset day.
        let running = changed.cycle_at(utc(2026, 11, 20, 0)).unwrap();
        assert_eq!(running.start, utc(2026, 11, 1, 0));
        assert_eq!(running.end, utc(2026, 12, 1, 0));
        // Then a transition cycle from Dec 1 to Dec 15, then regular cycles on the 15th.
        let transition = changed.cycle_at(utc(2026, 12, 3, 0)).unwrap();
        assert_eq!(transition.start, utc(2026, 12, 1, 0));
        assert_eq!(transition.end, utc(2026, 12, 15, 0));
        assert_eq!(transition.label.to_string(), "2026-12-01");
        let regular = changed.cycle_at(utc(2026, 12, 20, 0)).unwrap();
        assert_eq!(regular.start, utc(2026, 12, 15, 0));
        assert_eq!(regular.label.to_string(), "2026-12-15");
    }

    #[test]
    fn a_timezone_change_gets_a_label_no_other_cycle_has() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let new_york: Tz = "America/New_York".parse().unwrap();
        let cal = Calendar::fixed(berlin, day(1));
        let changed = cal
            .with_change(utc(2026, 11, 10, 0), new_york, day(1))
            .unwrap();
        // Dec 1 00:00 Berlin = Nov 30 23:00 UTC = Nov 30 18:00 New York.
        let transition = changed.cycle_at(utc(2026, 11, 30, 23)).unwrap();
        assert_eq!(transition.start, utc(2026, 11, 30, 23));
        assert_eq!(transition.end, utc(2026, 12, 1, 5));
        assert_eq!(transition.label.to_string(), "2026-11-30");
        let before = changed.cycle_at(utc(2026, 11, 30, 22)).unwrap();
        assert_eq!(before.label.to_string(), "2026-11-01");
        let after = changed.cycle_at(utc(2026, 12, 1, 5)).unwrap();
        assert_eq!(after.label.to_string(), "2026-12-01");
        assert_eq!(changed.timezone_at(utc(2026, 11, 30, 22)), berlin);
        assert_eq!(changed.timezone_at(utc(2026, 11, 30, 23)), new_york);
    }

    #[test]
    fn choosing_the_calendar_in_force_cancels_a_pending_change() {
        let cal = Calendar::fixed(Tz::UTC, day(1));
        let now = utc(2026, 11, 10, 12);
        let changed = cal.with_change(now, Tz::UTC, day(15)).unwrap();
        let back = changed.with_change(now, Tz::UTC, day(1)).unwrap();
        assert_eq!(back, cal);
    }

    #[test]
    fn a_second_change_inside_a_transition_cycle_keeps_it_whole() {
        let cal = Calendar::fixed(Tz::UTC, day(1));
        let first = cal
            .with_change(utc(2026, 11, 10, 0), Tz::UTC, day(15))
            .unwrap();
        // During the transition cycle (Dec 1 – Dec 15), switch to the 20th.
        let second = first
            .with_change(utc(2026, 12, 5, 0), Tz::UTC, day(20))
            .unwrap();
        let transition = second.cycle_at(utc(2026, 12, 10, 0)).unwrap();
        assert_eq!(transition.start, utc(2026, 12, 1, 0));
        assert_eq!(transition.end, utc(2026, 12, 15, 0));
        let next = second.cycle_at(utc(2026, 12, 16, 0)).unwrap();
        assert_eq!(next.start, utc(2026, 12, 15, 0));
        assert_eq!(next.end, utc(2026, 12, 20, 0));
        assert_eq!(
            second.cycle_at(utc(2027, 1, 1, 0)).unwrap().start,
            utc(2026, 12, 20, 0)
        );
    }

    #[test]
    fn settling_keeps_cycles_the_same() {
        let cal = Calendar::fixed(Tz::UTC, day(1))
            .with_change(utc(2026, 11, 10, 0), Tz::UTC, day(15))
            .unwrap();
        let later = utc(2026, 12, 3, 0);
        let settled = cal.settled(later);
        assert!(settled.next.is_none());
        for probe in [later, utc(2026, 12, 14, 23), utc(2027, 3, 1, 0)] {
            assert_eq!(settled.cycle_at(probe), cal.cycle_at(probe));
        }
    }
}
