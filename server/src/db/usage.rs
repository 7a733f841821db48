//! The query layer the API and UI read usage series through: one peer's usage over a range at
//! raw, hourly, daily or monthly resolution. Cycle totals with status and quota are built by
//! `service::peers`, the one place the dashboard and the API read them from.
//!
//! A bucket's bytes are its rollup row (closed buckets) plus the peer's open sum in
//! `peer_counters` when its key matches (`accounting::open_bucket`); every reader here adds
//! both.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::DbError;
use super::entities::{peer_counter, raw_sample, usage_daily, usage_hourly, usage_monthly};
use crate::accounting::bucket::local_date;

/// The resolution of a usage series.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    Raw,
    Hourly,
    Daily,
    Monthly,
}

/// One point of a usage series. `start` is the instant (raw, hourly) or the local date
/// (daily, the cycle's first day for monthly) rendered as midnight UTC of that date's label.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UsagePoint {
    pub at: Option<DateTime<Utc>>,
    pub date: Option<NaiveDate>,
    /// Received from the peer: its upload.
    pub rx: u64,
    /// Sent to the peer: its download.
    pub tx: u64,
}

fn bytes(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Usage of one peer in `[from, to)`. Daily and monthly rows are selected by the local dates
/// of `from` and `to` in `tz` (a day or cycle is included when it starts in the range).
pub async fn peer_usage(
    db: &DatabaseConnection,
    peer_id: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    window: Window,
    tz: Tz,
) -> Result<Vec<UsagePoint>, DbError> {
    let local =
        |t| local_date(t, tz).map_err(|e| DbError::Query(sea_orm::DbErr::Custom(e.to_string())));
    let open = match window {
        Window::Raw => None,
        _ => peer_counter::Entity::find_by_id(peer_id).one(db).await?,
    };
    let mut points: Vec<UsagePoint> = match window {
        Window::Raw => raw_sample::Entity::find()
            .filter(raw_sample::Column::PeerId.eq(peer_id))
            .filter(raw_sample::Column::At.gte(from))
            .filter(raw_sample::Column::At.lt(to))
            .order_by_asc(raw_sample::Column::At)
            .all(db)
            .await?
            .into_iter()
            .map(|r| UsagePoint {
                at: Some(r.at),
                date: None,
                rx: bytes(r.delta_rx),
                tx: bytes(r.delta_tx),
            })
            .collect(),
        Window::Hourly => usage_hourly::Entity::find()
            .filter(usage_hourly::Column::PeerId.eq(peer_id))
            .filter(usage_hourly::Column::HourStart.gte(from))
            .filter(usage_hourly::Column::HourStart.lt(to))
            .order_by_asc(usage_hourly::Column::HourStart)
            .all(db)
            .await?
            .into_iter()
            .map(|r| UsagePoint {
                at: Some(r.hour_start),
                date: None,
                rx: bytes(r.rx),
                tx: bytes(r.tx),
            })
            .collect(),
        Window::Daily => usage_daily::Entity::find()
            .filter(usage_daily::Column::PeerId.eq(peer_id))
            .filter(usage_daily::Column::Day.gte(local(from)?))
            .filter(usage_daily::Column::Day.lt(local(to)?))
            .order_by_asc(usage_daily::Column::Day)
            .all(db)
            .await?
            .into_iter()
            .map(|r| UsagePoint {
                at: None,
                date: Some(r.day),
                rx: bytes(r.rx),
                tx: bytes(r.tx),
            })
            .collect(),
        Window::Monthly => usage_monthly::Entity::find()
            .filter(usage_monthly::Column::PeerId.eq(peer_id))
            .filter(usage_monthly::Column::CycleStart.gte(local(from)?))
            .filter(usage_monthly::Column::CycleStart.lt(local(to)?))
            .order_by_asc(usage_monthly::Column::CycleStart)
            .all(db)
            .await?
            .into_iter()
            .map(|r| UsagePoint {
                at: None,
                date: Some(r.cycle_start),
                rx: bytes(r.rx),
                tx: bytes(r.tx),
            })
            .collect(),
    };
    if let Some(c) = open {
        let (from_day, to_day) = (local(from)?, local(to)?);
        let open_point = match window {
            Window::Raw => None,
            Window::Hourly => c
                .open_hour
                .filter(|h| from <= *h && *h < to)
                .map(|h| (Some(h), None, c.hour_rx, c.hour_tx)),
            Window::Daily => c
                .open_day
                .filter(|d| from_day <= *d && *d < to_day)
                .map(|d| (None, Some(d), c.day_rx, c.day_tx)),
            Window::Monthly => c
                .open_cycle
                .filter(|d| from_day <= *d && *d < to_day)
                .map(|d| (None, Some(d), c.cycle_rx, c.cycle_tx)),
        };
        if let Some((at, date, rx, tx)) = open_point {
            add_point(&mut points, at, date, bytes(rx), bytes(tx));
        }
    }
    Ok(points)
}

/// Adds bytes to the point of key (`at`, `date`) in the sorted `points`, or inserts a new
/// point in order. The open bucket is normally later than every closed row; a database
/// upgraded to open buckets holds a row of the same key until that bucket closes.
fn add_point(
    points: &mut Vec<UsagePoint>,
    at: Option<DateTime<Utc>>,
    date: Option<NaiveDate>,
    rx: u64,
    tx: u64,
) {
    if rx == 0 && tx == 0 {
        return;
    }
    let key = (at, date);
    match points.binary_search_by_key(&key, |p| (p.at, p.date)) {
        Ok(i) => {
            points[i].rx = points[i].rx.saturating_add(rx);
            points[i].tx = points[i].tx.saturating_add(tx);
        }
        Err(i) => points.insert(i, UsagePoint { at, date, rx, tx }),
    }
}

/// Sums per (peer, bucket): closed rows plus open sums.
type Buckets<B> = BTreeMap<(i32, B), (i64, i64)>;

fn add_bucket<B: Ord>(sums: &mut Buckets<B>, peer: i32, bucket: B, rx: i64, tx: i64) {
    let sum = sums.entry((peer, bucket)).or_default();
    sum.0 = sum.0.saturating_add(rx);
    sum.1 = sum.1.saturating_add(tx);
}

/// Every hourly bucket of every peer, closed and open, one row per (peer, hour) in key
/// order: the whole rollup, for exports and for checks against the raw samples.
pub async fn all_hourly(db: &DatabaseConnection) -> Result<Vec<usage_hourly::Model>, DbError> {
    let mut sums = Buckets::new();
    for r in usage_hourly::Entity::find().all(db).await? {
        add_bucket(&mut sums, r.peer_id, r.hour_start, r.rx, r.tx);
    }
    for c in peer_counter::Entity::find().all(db).await? {
        if let Some(hour) = c.open_hour {
            add_bucket(&mut sums, c.peer_id, hour, c.hour_rx, c.hour_tx);
        }
    }
    Ok(sums
        .into_iter()
        .map(|((peer_id, hour_start), (rx, tx))| usage_hourly::Model {
            peer_id,
            hour_start,
            rx,
            tx,
        })
        .collect())
}

/// [`all_hourly`] for local days.
pub async fn all_daily(db: &DatabaseConnection) -> Result<Vec<usage_daily::Model>, DbError> {
    let mut sums = Buckets::new();
    for r in usage_daily::Entity::find().all(db).await? {
        add_bucket(&mut sums, r.peer_id, r.day, r.rx, r.tx);
    }
    for c in peer_counter::Entity::find().all(db).await? {
        if let Some(day) = c.open_day {
            add_bucket(&mut sums, c.peer_id, day, c.day_rx, c.day_tx);
        }
    }
    Ok(sums
        .into_iter()
        .map(|((peer_id, day), (rx, tx))| usage_daily::Model {
            peer_id,
            day,
            rx,
            tx,
        })
        .collect())
}

/// [`all_hourly`] for billing cycles.
pub async fn all_monthly(db: &DatabaseConnection) -> Result<Vec<usage_monthly::Model>, DbError> {
    let mut sums = Buckets::new();
    for r in usage_monthly::Entity::find().all(db).await? {
        add_bucket(&mut sums, r.peer_id, r.cycle_start, r.rx, r.tx);
    }
    for c in peer_counter::Entity::find().all(db).await? {
        if let Some(cycle) = c.open_cycle {
            add_bucket(&mut sums, c.peer_id, cycle, c.cycle_rx, c.cycle_tx);
        }
    }
    Ok(sums
        .into_iter()
        .map(|((peer_id, cycle_start), (rx, tx))| usage_monthly::Model {
            peer_id,
            cycle_start,
            rx,
            tx,
        })
        .collect())
}

/// Download and upload per local day over every tracked peer, for the days in
/// `[first, after)`, days without traffic left out: the dashboard's daily chart.
///
/// Reads the routers' daily sums (`usage_router_daily`, kept by the poll: routers × days
/// rows) rather than every peer's daily row of the range, then takes away what untracked
/// peers contributed before they were untracked. That second read starts from the untracked
/// peers and reads each one's days through the daily primary key, so it costs a key lookup
/// per untracked peer.
pub async fn tracked_daily_totals(
    db: &DatabaseConnection,
    first: NaiveDate,
    after: NaiveDate,
) -> Result<Vec<(NaiveDate, u64, u64)>, DbError> {
    use sea_orm::sea_query::{Alias, Expr, Func};
    use sea_orm::{ConnectionTrait, DbBackend, QuerySelect, Statement};

    use super::entities::usage_router_daily as router_daily;

    // PostgreSQL's SUM over BIGINT is NUMERIC; the cast keeps one integer type on both.
    let sum = |column: router_daily::Column| {
        Expr::from(Func::cast_as(
            Func::sum(Expr::col((router_daily::Entity, column))),
            Alias::new("BIGINT"),
        ))
    };
    let all: Vec<(NaiveDate, i64, i64)> = router_daily::Entity::find()
        .select_only()
        .column(router_daily::Column::Day)
        .column_as(sum(router_daily::Column::Rx), "rx")
        .column_as(sum(router_daily::Column::Tx), "tx")
        .filter(router_daily::Column::Day.gte(first))
        .filter(router_daily::Column::Day.lt(after))
        .group_by(router_daily::Column::Day)
        .into_tuple()
        .all(db)
        .await?;

    // Both forms walk the untracked peers and read each one's days through the daily primary
    // key. Left to choose, PostgreSQL hashes the untracked peers and scans the whole cycle
    // through the day index instead (300,000 rows at 10,000 peers: 46 ms against 3 ms); the
    // `OFFSET 0` keeps its LATERAL subquery from being flattened into that join. SQLite has
    // no LATERAL; its CROSS JOIN fixes the loop order.
    let backend = db.get_database_backend();
    let untracked_sql = match backend {
        DbBackend::Postgres => {
            "SELECT d.day, CAST(SUM(d.rx) AS BIGINT), CAST(SUM(d.tx) AS BIGINT) \
             FROM peers p CROSS JOIN LATERAL ( \
               SELECT u.day, u.rx, u.tx FROM usage_daily u \
               WHERE u.peer_id = p.id AND u.day >= $1 AND u.day < $2 OFFSET 0) d \
             WHERE NOT p.tracked GROUP BY d.day"
        }
        _ => {
            "SELECT d.day, CAST(SUM(d.rx) AS BIGINT), CAST(SUM(d.tx) AS BIGINT) \
             FROM peers p CROSS JOIN usage_daily d \
             WHERE NOT p.tracked AND d.peer_id = p.id AND d.day >= ? AND d.day < ? \
             GROUP BY d.day"
        }
    };
    let untracked_rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            untracked_sql,
            [first.into(), after.into()],
        ))
        .await?;
    // …and their open days (`accounting::open_bucket`), one counters row per untracked peer.
    let (p1, p2) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let open_sql = format!(
        "SELECT c.open_day, CAST(SUM(c.day_rx) AS BIGINT), CAST(SUM(c.day_tx) AS BIGINT) \
         FROM peers p JOIN peer_counters c ON c.peer_id = p.id \
         WHERE NOT p.tracked AND c.open_day >= {p1} AND c.open_day < {p2} \
         GROUP BY c.open_day"
    );
    let open_rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            open_sql,
            [first.into(), after.into()],
        ))
        .await?;
    let mut untracked: std::collections::HashMap<NaiveDate, (i64, i64)> =
        std::collections::HashMap::with_capacity(untracked_rows.len());
    for row in untracked_rows.iter().chain(&open_rows) {
        let day: NaiveDate = row.try_get_by_index(0)?;
        let rx: i64 = row.try_get_by_index(1)?;
        let tx: i64 = row.try_get_by_index(2)?;
        let sum = untracked.entry(day).or_default();
        sum.0 = sum.0.saturating_add(rx);
        sum.1 = sum.1.saturating_add(tx);
    }

    let mut days: Vec<(NaiveDate, u64, u64)> = all
        .into_iter()
        .map(|(day, rx, tx)| {
            let (less_rx, less_tx) = untracked.get(&day).copied().unwrap_or_default();
            (
                day,
                bytes(rx.saturating_sub(less_rx)),
                bytes(tx.saturating_sub(less_tx)),
            )
        })
        // Every stored daily row is non-zero (a poll writes only moved bytes), so a day that
        // sums to nothing had only untracked peers' rows: the per-peer sum never listed it.
        .filter(|&(_, rx, tx)| rx != 0 || tx != 0)
        .collect();
    days.sort_by_key(|&(day, _, _)| day);
    Ok(days)
}
