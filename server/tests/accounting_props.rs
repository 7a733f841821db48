//! Property tests for the accounting core: byte conservation through counter deltas, and the
//! bucketing and rollup invariants across time zones and their DST transitions (SPEC §3).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{
    DateTime, Datelike, LocalResult, Months, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::{TZ_VARIANTS, Tz};
use proptest::prelude::*;
use server::accounting::*;

// ---------------------------------------------------------------------------------------------
// Conservation of bytes through compute_delta.

/// What happens to one peer on one router between and at polls.
#[derive(Debug, Clone)]
enum Event {
    /// The peer carries bytes while `secs` of router uptime pass.
    Carry { rx: u64, tx: u64, secs: u64 },
    /// wgmik polls the router after `secs` more uptime.
    Poll { secs: u64 },
    /// The peer's counters drop to zero (interface toggled, peer re-created).
    PeerReset,
    /// The router reboots: counters and uptime restart from zero.
    Reboot,
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0..10_000u64, 1 => any::<u64>(), 1 => Just(0)]
}

fn event() -> impl Strategy<Value = Event> {
    let secs = prop_oneof![0..100u64, 0..1_000_000u64];
    prop_oneof![
        6 => (amount(), amount(), secs.clone()).prop_map(|(rx, tx, secs)| Event::Carry { rx, tx, secs }),
        5 => secs.prop_map(|secs| Event::Poll { secs }),
        1 => Just(Event::PeerReset),
        1 => Just(Event::Reboot),
    ]
}

#[derive(Default)]
struct Interval {
    carried: (u128, u128),
    since_reset: (u128, u128),
    reset: bool,
    reboot: bool,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Per poll interval: with no reset the delta is exactly what was carried; with a reset that
    /// the counters or uptime reveal, exactly what was carried since the reset (what came before
    /// it is unobservable); with a hidden reset, never more than was carried. Over the whole path
    /// the sum of deltas is the carried bytes minus the unobservable ones, and never more.
    #[test]
    fn deltas_conserve_bytes(
        start: (u64, u64),
        start_uptime in 0..10_000_000u64,
        events in prop::collection::vec(event(), 0..60),
    ) {
        let (mut rx, mut tx) = start;
        let mut uptime = start_uptime;
        let mut last: Option<(Counters, u64)> = None; // committed counters and uptime
        let mut interval = Interval::default();
        let (mut counted, mut carried, mut lost) = ((0u128, 0u128), (0u128, 0u128), (0u128, 0u128));
        let mut exact = true;
        for event in events {
            match event {
                Event::Carry { rx: r, tx: t, secs } => {
                    // No wrap in the model: a wrap is a reset, tested on its own.
                    let (r, t) = (r.min(u64::MAX - rx), t.min(u64::MAX - tx));
                    rx += r;
                    tx += t;
                    uptime = uptime.saturating_add(secs);
                    for acc in [&mut interval.carried, &mut interval.since_reset] {
                        acc.0 += u128::from(r);
                        acc.1 += u128::from(t);
                    }
                }
                Event::PeerReset | Event::Reboot => {
                    (rx, tx) = (0, 0);
                    interval.reset = true;
                    interval.since_reset = (0, 0);
                    if matches!(event, Event::Reboot) {
                        uptime = 0;
                        interval.reboot = true;
                    }
                }
                Event::Poll { secs } => {
                    uptime = uptime.saturating_add(secs);
                    let current = Counters { rx, tx };
                    if let Some((old, old_uptime)) = last {
                        let reboot = Reboot::from_uptimes(
                            Some(Duration::from_secs(old_uptime)),
                            Some(Duration::from_secs(uptime)),
                        );
                        let delta = compute_delta(Some(old), current, reboot);
                        let got = (u128::from(delta.rx), u128::from(delta.tx));
                        prop_assert!(delta.rx <= rx && delta.tx <= tx, "more than the counters explain");
                        prop_assert_eq!(delta.rx_moved, delta.rx > 0);
                        let revealed = reboot == Reboot::Detected || rx < old.rx || tx < old.tx;
                        if reboot == Reboot::Detected {
                            prop_assert!(interval.reboot, "a reboot from nowhere");
                            prop_assert_eq!(delta.reset, Some(ResetCause::RouterReboot));
                        }
                        if !interval.reset {
                            prop_assert_eq!(got, interval.carried);
                            prop_assert_eq!(delta.reset, None);
                        } else if revealed {
                            prop_assert_eq!(got, interval.since_reset);
                            prop_assert!(delta.reset.is_some());
                            lost.0 += interval.carried.0 - interval.since_reset.0;
                            lost.1 += interval.carried.1 - interval.since_reset.1;
                        } else {
                            prop_assert!(got.0 <= interval.since_reset.0 && got.1 <= interval.since_reset.1);
                            exact = false;
                        }
                        counted.0 += got.0;
                        counted.1 += got.1;
                        carried.0 += interval.carried.0;
                        carried.1 += interval.carried.1;
                    } else {
                        let first = compute_delta(None, current, Reboot::NotDetected);
                        prop_assert!(first.is_zero() && first.reset.is_none());
                    }
                    last = Some((current, uptime));
                    interval = Interval::default();
                }
            }
        }
        prop_assert!(counted.0 <= carried.0 && counted.1 <= carried.1, "overcount");
        if exact {
            prop_assert_eq!(counted, (carried.0 - lost.0, carried.1 - lost.1));
        }
    }

    /// Whatever the counters and uptimes, a delta is defined and bounded by the new counters.
    #[test]
    fn deltas_are_total_and_bounded(
        last: Option<(u64, u64)>,
        now: (u64, u64),
        prev_up: Option<u64>,
        cur_up: Option<u64>,
    ) {
        let reboot = Reboot::from_uptimes(prev_up.map(Duration::from_secs), cur_up.map(Duration::from_secs));
        let delta = compute_delta(last.map(|(rx, tx)| Counters { rx, tx }), Counters { rx: now.0, tx: now.1 }, reboot);
        prop_assert!(delta.rx <= now.0 && delta.tx <= now.1);
        if let Some((rx, tx)) = last {
            let dropped = now.0 < rx || now.1 < tx;
            prop_assert_eq!(delta.reset.is_some(), dropped || reboot == Reboot::Detected);
            if delta.reset.is_none() {
                prop_assert_eq!((delta.rx, delta.tx), (now.0 - rx, now.1 - tx));
            } else {
                prop_assert_eq!((delta.rx, delta.tx), now);
            }
        } else {
            prop_assert!(delta.is_zero());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bucketing.

const DST_ZONES: [&str; 6] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe", // 30-minute DST shift
    "Pacific/Chatham",     // +12:45 / +13:45
    "America/Santiago",    // DST gap at midnight
    "America/Havana",      // midnight repeats
];

/// Instants around each offset change of the DST zones, 2018–2030 (found by an hourly scan).
static TRANSITIONS: LazyLock<Vec<(Tz, DateTime<Utc>)>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for name in DST_ZONES {
        let tz: Tz = name.parse().unwrap();
        let mut t = Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let mut offset = t.with_timezone(&tz).offset().fix();
        while t < end {
            t += TimeDelta::hours(1);
            let now = t.with_timezone(&tz).offset().fix();
            if now != offset {
                out.push((tz, t));
                offset = now;
            }
        }
    }
    out
});

fn any_tz() -> impl Strategy<Value = Tz> {
    prop::sample::select(TZ_VARIANTS.to_vec())
}

fn instant_between(from: i64, to: i64) -> impl Strategy<Value = DateTime<Utc>> {
    (from..to, 0..1_000_000_000u32).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

/// An instant 1970–2100 in any zone, or an instant within three days of a DST transition of one
/// of the DST zones.
fn zone_and_instant() -> impl Strategy<Value = (Tz, DateTime<Utc>)> {
    let anywhere = (any_tz(), instant_between(0, 4_102_444_800));
    let near_transition = (
        prop::sample::select(TRANSITIONS.clone()),
        -3 * 86_400..3 * 86_400i64,
    )
        .prop_map(|((tz, t), off)| (tz, t + TimeDelta::seconds(off)));
    prop_oneof![anywhere, near_transition]
}

fn reset_day() -> impl Strategy<Value = ResetDay> {
    (1..=28u32).prop_map(|d| ResetDay::new(d).unwrap())
}

/// `start` is the first instant whose local wall time is at or after 00:00 of `date`.
fn is_first_instant_of(start: DateTime<Utc>, date: NaiveDate, tz: Tz) -> bool {
    let midnight = date.and_time(NaiveTime::MIN);
    let at = local_wall_time(start, tz).unwrap();
    let before = local_wall_time(start - TimeDelta::seconds(1), tz).unwrap();
    let exists = !matches!(tz.from_local_datetime(&midnight), LocalResult::None);
    at >= midnight && before < midnight && (!exists || at == midnight)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn cycles_start_at_local_midnight_and_tile_time((tz, t) in zone_and_instant(), rd in reset_day()) {
        let c = cycle_for(t, tz, rd).unwrap();
        prop_assert!(c.start < c.end && c.contains(t));
        prop_assert_eq!(c.label.day(), rd.get());
        prop_assert!(is_first_instant_of(c.start, c.label, tz), "{} does not start {}", c.start, c.label);
        prop_assert!(is_first_instant_of(c.end, c.label.checked_add_months(Months::new(1)).unwrap(), tz));
        let days = (c.end - c.start).num_hours();
        prop_assert!((27 * 24..=32 * 24).contains(&days), "{days} hours");
        // Consecutive cycles meet: no gap, no overlap.
        let next = cycle_for(c.end, tz, rd).unwrap();
        prop_assert_eq!(next.start, c.end);
        prop_assert_eq!(next.label, c.label.checked_add_months(Months::new(1)).unwrap());
        let prev = cycle_for(c.start - TimeDelta::nanoseconds(1), tz, rd).unwrap();
        prop_assert_eq!(prev.end, c.start);
        prop_assert_eq!(next_cycle_start(t, tz, rd).unwrap(), c.end);
        // The local date of the instant is inside the cycle, and its day nests in it.
        let d = local_date(t, tz).unwrap();
        prop_assert!(c.label <= d && local_day_end(d, tz).unwrap() <= c.end);
    }

    #[test]
    fn daily_keys_change_exactly_at_local_midnight((tz, t) in zone_and_instant()) {
        let d = local_date(t, tz).unwrap();
        // The key is the wall-clock date (chrono's own reading, an independent oracle).
        prop_assert_eq!(d, t.with_timezone(&tz).date_naive());
        let (start, end) = (local_day_start(d, tz).unwrap(), local_day_end(d, tz).unwrap());
        prop_assert!(start <= t && t < end);
        prop_assert!(is_first_instant_of(start, d, tz));
        prop_assert_eq!(local_date(start, tz).unwrap(), d);
        prop_assert!(local_date(start - TimeDelta::nanoseconds(1), tz).unwrap() < d);
        prop_assert_eq!(local_date(end, tz).unwrap(), d.succ_opt().unwrap());
        prop_assert_eq!(hour_bucket(t).unwrap().timestamp() % 3600, 0);
        prop_assert!(hour_bucket(t).unwrap() <= t && t - hour_bucket(t).unwrap() < TimeDelta::hours(1));
    }

    #[test]
    fn cycles_between_lists_every_start_once(
        (tz, from) in zone_and_instant(),
        span in 0..(800 * 86_400i64),
        rd in reset_day(),
    ) {
        let to = from + TimeDelta::seconds(span);
        let cycles = cycles_between(from, to, tz, rd).unwrap();
        let mut expected_start = cycle_for(from, tz, rd).unwrap().end;
        for c in &cycles {
            prop_assert_eq!(c.start, expected_start);
            prop_assert!(from < c.start && c.start <= to);
            expected_start = c.end;
        }
        prop_assert!(expected_start > to, "a cycle start in range was left out");
    }
}

// ---------------------------------------------------------------------------------------------
// Rollups: hourly, daily and monthly agree.

fn usages() -> impl Strategy<Value = (Tz, ResetDay, Vec<Usage<u8>>)> {
    let around = prop_oneof![
        prop::sample::select(TRANSITIONS.clone()),
        (any_tz(), instant_between(0, 4_102_444_800)),
    ];
    (
        around,
        reset_day(),
        prop::collection::vec(
            (
                0..3u8,
                -4 * 86_400..4 * 86_400i64,
                0..1u64 << 40,
                0..1u64 << 40,
            ),
            0..80,
        ),
    )
        .prop_map(|((tz, centre), rd, raw)| {
            let usages = raw
                .into_iter()
                .map(|(peer, off, rx, tx)| Usage {
                    peer,
                    at: centre + TimeDelta::seconds(off),
                    rx,
                    tx,
                })
                .collect();
            (tz, rd, usages)
        })
}

type Sums<K> = BTreeMap<(u8, K), (u128, u128)>;

fn as_sums<K: Ord>(rows: impl Iterator<Item = (u8, K, u64, u64)>) -> Sums<K> {
    rows.map(|(p, b, rx, tx)| ((p, b), (u128::from(rx), u128::from(tx))))
        .collect()
}

fn add<K: Ord>(sums: &mut Sums<K>, key: (u8, K), rx: u64, tx: u64) {
    let e = sums.entry(key).or_default();
    e.0 += u128::from(rx);
    e.1 += u128::from(tx);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn hourly_daily_and_monthly_rollups_agree((tz, rd, usages) in usages()) {
        let got = aggregate(usages.clone(), tz, rd).unwrap();
        // Independent oracles: UTC hour by arithmetic, local date by chrono's wall clock.
        let (mut hours, mut days, mut months) = (Sums::new(), Sums::new(), Sums::new());
        for u in &usages {
            if u.rx == 0 && u.tx == 0 {
                continue;
            }
            let hour = DateTime::from_timestamp(u.at.timestamp().div_euclid(3600) * 3600, 0).unwrap();
            let day = u.at.with_timezone(&tz).date_naive();
            add(&mut hours, (u.peer, hour), u.rx, u.tx);
            add(&mut days, (u.peer, day), u.rx, u.tx);
            add(&mut months, (u.peer, cycle_label(day, rd).unwrap()), u.rx, u.tx);
        }
        prop_assert_eq!(&as_sums(got.hourly.iter().map(|i| (i.peer, i.bucket, i.rx, i.tx))), &hours);
        prop_assert_eq!(&as_sums(got.daily.iter().map(|i| (i.peer, i.bucket, i.rx, i.tx))), &days);
        prop_assert_eq!(&as_sums(got.monthly.iter().map(|i| (i.peer, i.bucket.label, i.rx, i.tx))), &months);

        // Each day's hourly rows sum to its daily row wherever the day's bounds fall on UTC hours
        // (always, except in zones with a non-whole-hour offset, where an hour straddles midnight).
        for ((peer, day), sum) in &days {
            let (start, end) = (local_day_start(*day, tz).unwrap(), local_day_end(*day, tz).unwrap());
            if start.timestamp() % 3600 != 0 || end.timestamp() % 3600 != 0 {
                continue;
            }
            let from_hours = hours
                .iter()
                .filter(|((p, h), _)| p == peer && start <= *h && *h < end)
                .fold((0, 0), |acc, (_, s)| (acc.0 + s.0, acc.1 + s.1));
            prop_assert_eq!(&from_hours, sum);
        }
        // Each cycle's daily rows sum to its monthly row (days always nest in cycles).
        for i in &got.monthly {
            let from_days = got
                .daily
                .iter()
                .filter(|d| d.peer == i.peer && i.bucket.contains(local_day_start(d.bucket, tz).unwrap()))
                .fold((0u128, 0u128), |acc, d| (acc.0 + u128::from(d.rx), acc.1 + u128::from(d.tx)));
            prop_assert_eq!(from_days, (u128::from(i.rx), u128::from(i.tx)));
        }
        // Sorted by (peer, bucket), no zero rows.
        prop_assert!(got.hourly.windows(2).all(|w| (w[0].peer, w[0].bucket) < (w[1].peer, w[1].bucket)));
        prop_assert!(got.daily.iter().all(|i| i.rx > 0 || i.tx > 0));
    }
}

// ---------------------------------------------------------------------------------------------
// Totality: no input panics; the supported range always answers.

#[test]
fn every_dst_zone_has_transitions_to_test() {
    for name in DST_ZONES {
        let tz: Tz = name.parse().unwrap();
        let n = TRANSITIONS.iter().filter(|(z, _)| *z == tz).count();
        assert!(n >= 20, "{name}: {n} transitions in 2018–2030");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn bucketing_never_panics(
        tz in any_tz(),
        rd in reset_day(),
        secs in DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp(),
        in_range_secs in -62_135_596_800..253_402_300_800i64, // 0001-01-01 ..= 9999-12-31 UTC
    ) {
        let any = DateTime::from_timestamp(secs, 0).unwrap();
        let supported = DateTime::from_timestamp(in_range_secs, 0).unwrap();
        let _ = (hour_bucket(any), local_date(any, tz), cycle_for(any, tz, rd));
        let _ = cycles_between(supported, any, tz, rd);
        let _ = aggregate([Usage { peer: 0, at: any, rx: u64::MAX, tx: u64::MAX }], tz, rd);
        prop_assert_eq!(hour_bucket(any).is_ok(), SUPPORTED_YEARS.contains(&any.year()));
        let c = cycle_for(supported, tz, rd).unwrap();
        prop_assert!(c.contains(supported));
        let d = local_date(supported, tz).unwrap();
        prop_assert!(local_day_start(d, tz).unwrap() <= supported);
        let one = Usage { peer: 0, at: supported, rx: 1, tx: 1 };
        prop_assert!(aggregate([one], tz, rd).is_ok());
    }
}
