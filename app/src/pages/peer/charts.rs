//! The peer page's chart points: every day of the cycle up to today and every hour of the
//! last 48, with zero bars where nothing moved (the API lists only buckets with traffic).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::api::dashboard::DailyTotal;
use crate::api::peer::{HOURLY_HOURS, QuotaStateInfo, UsagePointInfo};
use crate::components::chart::UsagePoint;
use crate::format;
use crate::pages::dashboard::overview::fill_days;

/// The start of the UTC hour `at` falls in (hourly rollups are keyed by it).
pub fn hour_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = at.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(3600), 0).unwrap_or(at)
}

/// `hours` hourly buckets ending with the one `last` is in, labelled by `label`.
pub fn fill_hours(
    last: DateTime<Utc>,
    hours: i64,
    points: &[UsagePointInfo],
    label: impl Fn(DateTime<Utc>) -> String,
) -> Vec<UsagePoint> {
    let last = hour_start(last);
    (0..hours.max(0))
        .rev()
        .map(|back| {
            let start = last - TimeDelta::hours(back);
            let found = points.iter().find(|p| p.at == Some(start));
            UsagePoint {
                label: label(start),
                download: found.map_or(0, |p| p.tx),
                upload: found.map_or(0, |p| p.rx),
            }
        })
        .collect()
}

/// Every day of `quota`'s cycle up to the one `as_of` is in, local to `tz`.
pub fn daily_points(
    tz: &str,
    quota: &QuotaStateInfo,
    as_of: DateTime<Utc>,
    daily: &[UsagePointInfo],
) -> Vec<UsagePoint> {
    let last = as_of.min(quota.cycle_end - TimeDelta::seconds(1));
    let parse = |at| NaiveDate::parse_from_str(&format::local_date(at, tz), "%Y-%m-%d").ok();
    let days: Vec<DailyTotal> = daily
        .iter()
        .filter_map(|p| {
            p.date.map(|date| DailyTotal {
                date,
                rx: p.rx,
                tx: p.tx,
            })
        })
        .collect();
    match (parse(quota.cycle_start), parse(last)) {
        (Some(first), Some(last)) => fill_days(first, last, &days),
        _ => Vec::new(),
    }
}

/// The last `HOURLY_HOURS` hours up to `as_of`, labelled in `tz`.
pub fn hourly_points(tz: &str, as_of: DateTime<Utc>, hourly: &[UsagePointInfo]) -> Vec<UsagePoint> {
    fill_hours(as_of, HOURLY_HOURS, hourly, move |at| {
        // "2026-11-30 14:00" → "11-30 14:00": the year adds nothing on a 48-hour axis.
        let text = format::local_time(at, tz);
        text.get(5..).map(str::to_owned).unwrap_or(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn hours_are_filled_oldest_first_with_tx_as_download() {
        let points = [UsagePointInfo {
            at: Some(at("2026-11-30T13:00:00Z")),
            date: None,
            rx: 4,
            tx: 9,
        }];
        let filled = fill_hours(at("2026-11-30T14:59:59Z"), 3, &points, |t| {
            t.format("%H").to_string()
        });
        let labels: Vec<&str> = filled.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["12", "13", "14"]);
        assert_eq!((filled[1].download, filled[1].upload), (9, 4));
        assert_eq!((filled[2].download, filled[2].upload), (0, 0));
        assert_eq!(
            hour_start(at("2026-11-30T14:59:59Z")),
            at("2026-11-30T14:00:00Z")
        );
    }
}
