//! The query layer the API and UI read usage series through: one peer's usage over a range at
//! raw, hourly, daily or monthly resolution. Cycle totals with status and quota are built by
//! `service::peers`, the one place the dashboard and the API read them from.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::DbError;
use super::entities::{raw_sample, usage_daily, usage_hourly, usage_monthly};
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
