//! The query layer the API and UI read usage through: one peer's usage over a range at raw,
//! hourly, daily or monthly resolution, and the current cycle's totals for all tracked peers
//! with their online status, sortable and paginated.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::DbError;
use super::entities::{
    peer, peer_counter, raw_sample, router_health, usage_daily, usage_hourly, usage_monthly,
};
use crate::accounting::bucket::local_date;
use crate::accounting::calendar::Calendar;
use crate::accounting::status::{PeerStatus, StatusInput, evaluate};

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
    Ok(match window {
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
    })
}

/// How the cycle summary is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Name,
    Total,
    Download,
    Upload,
    LastSeen,
}

/// The settings a summary depends on.
#[derive(Debug, Clone, Copy)]
pub struct SummaryParams {
    pub now: DateTime<Utc>,
    /// The billing calendar (with any pending change).
    pub calendar: Calendar,
    pub poll_interval: Duration,
    pub online_threshold: Duration,
    pub sort: SortKey,
    pub descending: bool,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerCycleRow {
    pub peer_id: i32,
    pub router_id: i32,
    pub interface: String,
    pub public_key: String,
    pub name: Option<String>,
    pub disabled: bool,
    pub cycle_rx: u64,
    pub cycle_tx: u64,
    pub status: PeerStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CycleSummary {
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub total_peers: u64,
    pub total_rx: u64,
    pub total_tx: u64,
    pub rows: Vec<PeerCycleRow>,
}

/// Current-cycle totals of every tracked peer, with status, one page of them.
pub async fn cycle_summary(
    db: &DatabaseConnection,
    params: SummaryParams,
) -> Result<CycleSummary, DbError> {
    let cycle = params
        .calendar
        .cycle_at(params.now)
        .map_err(|e| DbError::Query(sea_orm::DbErr::Custom(e.to_string())))?;
    let peers = peer::Entity::find()
        .filter(peer::Column::Tracked.eq(true))
        .all(db)
        .await?;
    let usage: HashMap<i32, (u64, u64)> = usage_monthly::Entity::find()
        .filter(usage_monthly::Column::CycleStart.eq(cycle.label))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.peer_id, (bytes(r.rx), bytes(r.tx))))
        .collect();
    let counters: HashMap<i32, peer_counter::Model> = peer_counter::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.peer_id, c))
        .collect();
    let health: HashMap<i32, Option<DateTime<Utc>>> = router_health::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.router_id, h.last_success_at))
        .collect();

    let mut rows: Vec<PeerCycleRow> = peers
        .into_iter()
        .map(|p| {
            let (cycle_rx, cycle_tx) = usage.get(&p.id).copied().unwrap_or((0, 0));
            let counter = counters.get(&p.id);
            let status = evaluate(&StatusInput {
                last_poll_at: health.get(&p.router_id).copied().flatten(),
                now: params.now,
                poll_interval: params.poll_interval,
                online_threshold: params.online_threshold,
                last_handshake_at: counter.and_then(|c| c.last_handshake_at),
                last_rx_moved_at: counter.and_then(|c| c.last_rx_moved_at),
            });
            PeerCycleRow {
                peer_id: p.id,
                router_id: p.router_id,
                interface: p.interface,
                public_key: p.public_key,
                name: p.name,
                disabled: p.disabled,
                cycle_rx,
                cycle_tx,
                status,
            }
        })
        .collect();
    let total_rx = rows
        .iter()
        .map(|r| r.cycle_rx)
        .fold(0u64, u64::saturating_add);
    let total_tx = rows
        .iter()
        .map(|r| r.cycle_tx)
        .fold(0u64, u64::saturating_add);
    rows.sort_by(|a, b| {
        let order = match params.sort {
            SortKey::Name => a
                .name
                .cmp(&b.name)
                .then_with(|| a.public_key.cmp(&b.public_key)),
            SortKey::Total => (u128::from(a.cycle_rx) + u128::from(a.cycle_tx))
                .cmp(&(u128::from(b.cycle_rx) + u128::from(b.cycle_tx))),
            // Download is what the router sent to the peer (tx), upload what it received (rx).
            SortKey::Download => a.cycle_tx.cmp(&b.cycle_tx),
            SortKey::Upload => a.cycle_rx.cmp(&b.cycle_rx),
            SortKey::LastSeen => a.status.last_seen_at.cmp(&b.status.last_seen_at),
        }
        .then_with(|| a.peer_id.cmp(&b.peer_id));
        if params.descending {
            order.reverse()
        } else {
            order
        }
    });
    let total_peers = rows.len() as u64;
    let per_page = params.per_page.clamp(1, 1000);
    let skip = params
        .page
        .max(1)
        .saturating_sub(1)
        .saturating_mul(per_page);
    let rows = rows
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(per_page).unwrap_or(usize::MAX))
        .collect();
    Ok(CycleSummary {
        cycle_start: cycle.start,
        cycle_end: cycle.end,
        total_peers,
        total_rx,
        total_tx,
        rows,
    })
}
