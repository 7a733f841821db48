//! Turns one poll's deltas into the hourly, daily and monthly increments to upsert, so the DB
//! writer does one batched upsert per level inside the poll's transaction (SPEC §3).
//!
//! Each delta lands whole in the buckets of the instant it was measured at (see
//! [`super::bucket`]), so every level receives exactly the same bytes: the hourly, daily and
//! monthly sums agree by construction. Rows come out sorted by (peer, bucket), which keeps the
//! upserts deterministic and makes concurrent writers lock rows in the same order (no deadlock
//! on PostgreSQL). Zero deltas produce no rows. Sums that would pass `u64::MAX` are an error,
//! not a wrap.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::bucket::{BucketError, hour_bucket, local_date};
use super::calendar::Calendar;
use super::cycle::{Cycle, ResetDay, cycle_for};

/// The bytes one peer carried, measured by the poll at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage<K> {
    pub peer: K,
    pub at: DateTime<Utc>,
    pub rx: u64,
    pub tx: u64,
}

/// Bytes to add to one rollup row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Increment<K, B> {
    pub peer: K,
    pub bucket: B,
    pub rx: u64,
    pub tx: u64,
}

/// The rows to upsert, one list per level, each sorted by (peer, bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupIncrements<K> {
    /// Keyed by the start of the UTC hour.
    pub hourly: Vec<Increment<K, DateTime<Utc>>>,
    /// Keyed by the local date.
    pub daily: Vec<Increment<K, NaiveDate>>,
    /// Keyed by the billing cycle (store `cycle.label`; start and end come along for queries).
    pub monthly: Vec<Increment<K, Cycle>>,
}

/// A rollup level, to say where a sum overflowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Hourly,
    Daily,
    Monthly,
}

/// Why a batch could not be rolled up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RollupError {
    #[error(transparent)]
    Bucket(#[from] BucketError),
    #[error("the {level:?} rollup of one peer would exceed 2^64 − 1 bytes")]
    Overflow { level: Level },
}

/// The bucket keys of one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Buckets {
    pub hour: DateTime<Utc>,
    pub day: NaiveDate,
    pub cycle: Cycle,
}

/// The hourly, daily and monthly keys a delta measured at `instant` lands in.
pub fn buckets_for(
    instant: DateTime<Utc>,
    tz: Tz,
    reset_day: ResetDay,
) -> Result<Buckets, BucketError> {
    Ok(Buckets {
        hour: hour_bucket(instant)?,
        day: local_date(instant, tz)?,
        cycle: cycle_for(instant, tz, reset_day)?,
    })
}

/// The bucket keys of one instant under `calendar`.
pub fn buckets_in(instant: DateTime<Utc>, calendar: &Calendar) -> Result<Buckets, BucketError> {
    Ok(Buckets {
        hour: hour_bucket(instant)?,
        day: local_date(instant, calendar.timezone_at(instant))?,
        cycle: calendar.cycle_at(instant)?,
    })
}

/// Sums `usages` into per-level increments (see the module header).
pub fn aggregate<K: Ord + Clone>(
    usages: impl IntoIterator<Item = Usage<K>>,
    tz: Tz,
    reset_day: ResetDay,
) -> Result<RollupIncrements<K>, RollupError> {
    aggregate_in(usages, &Calendar::fixed(tz, reset_day))
}

/// [`aggregate`] under a calendar that may have a timezone or reset-day change pending.
pub fn aggregate_in<K: Ord + Clone>(
    usages: impl IntoIterator<Item = Usage<K>>,
    calendar: &Calendar,
) -> Result<RollupIncrements<K>, RollupError> {
    // A poll has one instant for thousands of peers: bucket each instant once.
    let mut keys: HashMap<DateTime<Utc>, Buckets> = HashMap::new();
    let mut hourly = BTreeMap::new();
    let mut daily = BTreeMap::new();
    let mut monthly = BTreeMap::new();
    for usage in usages {
        if usage.rx == 0 && usage.tx == 0 {
            continue;
        }
        let bytes = (usage.rx, usage.tx);
        let buckets = match keys.get(&usage.at) {
            Some(buckets) => *buckets,
            None => {
                let buckets = buckets_in(usage.at, calendar)?;
                keys.insert(usage.at, buckets);
                buckets
            }
        };
        add(
            &mut hourly,
            (usage.peer.clone(), buckets.hour),
            bytes,
            Level::Hourly,
        )?;
        add(
            &mut daily,
            (usage.peer.clone(), buckets.day),
            bytes,
            Level::Daily,
        )?;
        add(
            &mut monthly,
            (usage.peer, buckets.cycle),
            bytes,
            Level::Monthly,
        )?;
    }
    Ok(RollupIncrements {
        hourly: rows(hourly),
        daily: rows(daily),
        monthly: rows(monthly),
    })
}

fn add<K: Ord, B: Ord>(
    sums: &mut BTreeMap<(K, B), (u64, u64)>,
    key: (K, B),
    (rx_add, tx_add): (u64, u64),
    level: Level,
) -> Result<(), RollupError> {
    let (rx, tx) = sums.entry(key).or_insert((0, 0));
    *rx = rx
        .checked_add(rx_add)
        .ok_or(RollupError::Overflow { level })?;
    *tx = tx
        .checked_add(tx_add)
        .ok_or(RollupError::Overflow { level })?;
    Ok(())
}

fn rows<K, B>(sums: BTreeMap<(K, B), (u64, u64)>) -> Vec<Increment<K, B>> {
    sums.into_iter()
        .map(|((peer, bucket), (rx, tx))| Increment {
            peer,
            bucket,
            rx,
            tx,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn u(peer: &'static str, at: &str, rx: u64, tx: u64) -> Usage<&'static str> {
        Usage {
            peer,
            at: utc(at),
            rx,
            tx,
        }
    }

    #[test]
    fn one_poll_many_peers() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let at = "2024-03-31T21:59:00Z"; // 23:59 CEST on the 31st, the last minute of the cycle
        let got = aggregate(
            [u("b", at, 1, 2), u("a", at, 3, 4), u("c", at, 0, 0)],
            tz,
            ResetDay::FIRST,
        )
        .unwrap();
        let peers: Vec<_> = got.hourly.iter().map(|i| (i.peer, i.rx, i.tx)).collect();
        assert_eq!(
            peers,
            [("a", 3, 4), ("b", 1, 2)],
            "sorted, zero rows dropped"
        );
        assert!(
            got.hourly
                .iter()
                .all(|i| i.bucket == utc("2024-03-31T21:00:00Z"))
        );
        assert!(
            got.daily
                .iter()
                .all(|i| i.bucket == NaiveDate::from_ymd_opt(2024, 3, 31).unwrap())
        );
        assert!(
            got.monthly
                .iter()
                .all(|i| i.bucket.label == NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
        );
    }

    #[test]
    fn sums_within_a_bucket_and_splits_across_buckets() {
        let got = aggregate(
            [
                u("a", "2024-01-31T23:10:00Z", 10, 1),
                u("a", "2024-01-31T23:50:00Z", 20, 2),
                u("a", "2024-02-01T00:10:00Z", 40, 4),
            ],
            Tz::UTC,
            ResetDay::FIRST,
        )
        .unwrap();
        let hourly: Vec<_> = got.hourly.iter().map(|i| (i.rx, i.tx)).collect();
        let daily: Vec<_> = got.daily.iter().map(|i| (i.rx, i.tx)).collect();
        let monthly: Vec<_> = got.monthly.iter().map(|i| (i.rx, i.tx)).collect();
        assert_eq!(hourly, [(30, 3), (40, 4)]);
        assert_eq!(daily, [(30, 3), (40, 4)]);
        assert_eq!(monthly, [(30, 3), (40, 4)]);
    }

    #[test]
    fn overflow_is_an_error() {
        let at = "2024-01-01T00:00:00Z";
        let got = aggregate(
            [u("a", at, u64::MAX, 0), u("a", at, 1, 0)],
            Tz::UTC,
            ResetDay::FIRST,
        );
        assert_eq!(
            got,
            Err(RollupError::Overflow {
                level: Level::Hourly
            })
        );
        // Different peers never share a sum.
        let got = aggregate(
            [u("a", at, u64::MAX, u64::MAX), u("b", at, u64::MAX, 1)],
            Tz::UTC,
            ResetDay::FIRST,
        );
        assert_eq!(got.unwrap().monthly.len(), 2);
    }

    #[test]
    fn out_of_range_instants_are_errors() {
        let got = aggregate(
            [Usage {
                peer: 1,
                at: DateTime::<Utc>::MAX_UTC,
                rx: 1,
                tx: 1,
            }],
            Tz::UTC,
            ResetDay::FIRST,
        );
        assert_eq!(
            got,
            Err(RollupError::Bucket(BucketError::OutOfRange(
                DateTime::<Utc>::MAX_UTC
            )))
        );
    }
}
