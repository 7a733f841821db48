//! Quotas per peer (SPEC §5): a byte limit, "use the default" (global default in GB = 10^9
//! bytes) or unlimited, counted on total, download or upload; and a peer's quota state with a
//! projected exhaustion date.
//!
//! Direction is named from the peer's side, as the UI shows it: download = what the router
//! sent (`tx`), upload = what it received (`rx`). "Over the limit" means strictly more bytes
//! than the limit: a peer may use its whole allowance.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use crate::db::DbError;
use crate::db::entities::{
    peer, peer_counter, quota, settings as settings_entity, usage_hourly, usage_monthly,
};

/// 1 GB as the UI and the settings count it.
pub const GB: u64 = 1_000_000_000;

/// The window whose average pace projects exhaustion.
pub const PACE_WINDOW: TimeDelta = TimeDelta::days(7);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuotaMode {
    Default,
    Limit,
    Unlimited,
}

impl QuotaMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "default" => Some(Self::Default),
            "limit" => Some(Self::Limit),
            "unlimited" => Some(Self::Unlimited),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Limit => "limit",
            Self::Unlimited => "unlimited",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Total,
    Download,
    Upload,
}

impl Direction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "total" => Some(Self::Total),
            "download" => Some(Self::Download),
            "upload" => Some(Self::Upload),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Download => "download",
            Self::Upload => "upload",
        }
    }

    /// The counted bytes of router-side `rx` (peer upload) and `tx` (peer download).
    pub fn count(self, rx: u64, tx: u64) -> u64 {
        match self {
            Self::Total => rx.saturating_add(tx),
            Self::Download => tx,
            Self::Upload => rx,
        }
    }
}

/// A peer's quota as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    pub mode: QuotaMode,
    pub limit_bytes: Option<u64>,
    pub direction: Direction,
}

impl Quota {
    /// A peer without a quota row: the default, counting total bytes.
    pub const DEFAULT: Quota = Quota {
        mode: QuotaMode::Default,
        limit_bytes: None,
        direction: Direction::Total,
    };

    pub fn from_row(row: Option<&quota::Model>) -> Quota {
        let Some(row) = row else {
            return Self::DEFAULT;
        };
        Self::from_parts(&row.mode, row.limit_bytes, &row.direction)
    }

    /// A quota from a `quotas` row's columns (an unknown mode or direction reads as the
    /// default: counted over total bytes).
    pub fn from_parts(mode: &str, limit_bytes: Option<i64>, direction: &str) -> Quota {
        Quota {
            mode: QuotaMode::parse(mode).unwrap_or(QuotaMode::Default),
            limit_bytes: limit_bytes.and_then(|b| u64::try_from(b).ok()),
            direction: Direction::parse(direction).unwrap_or(Direction::Total),
        }
    }

    /// The limit in force, or `None` for unlimited.
    pub fn effective_limit(&self, default_quota_gb: Option<i64>) -> Option<u64> {
        match self.mode {
            QuotaMode::Unlimited => None,
            QuotaMode::Limit => self.limit_bytes,
            QuotaMode::Default => default_quota_gb
                .and_then(|gb| u64::try_from(gb).ok())
                .map(|gb| gb.saturating_mul(GB)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("peer {0} does not exist")]
    NoSuchPeer(i32),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sea_orm::DbErr> for QuotaError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// Checks a quota as written by the API (`mode`, `limit_bytes`, `direction`), naming the bad
/// field.
pub fn validate(
    mode: &str,
    limit_bytes: Option<i64>,
    direction: Option<&str>,
) -> Result<Quota, QuotaError> {
    let invalid = |field, message: &str| QuotaError::Invalid {
        field,
        message: message.to_owned(),
    };
    let mode = QuotaMode::parse(mode)
        .ok_or_else(|| invalid("mode", "must be \"default\", \"limit\" or \"unlimited\""))?;
    let direction = match direction {
        None => Direction::Total,
        Some(text) => Direction::parse(text)
            .ok_or_else(|| invalid("direction", "must be \"total\", \"download\" or \"upload\""))?,
    };
    let limit_bytes = match (mode, limit_bytes) {
        (QuotaMode::Limit, None) => {
            return Err(invalid("limit_bytes", "is required when mode is \"limit\""));
        }
        (QuotaMode::Limit, Some(bytes)) if bytes <= 0 => {
            return Err(invalid("limit_bytes", "must be a positive number of bytes"));
        }
        (QuotaMode::Limit, Some(bytes)) => u64::try_from(bytes).ok(),
        (_, Some(_)) => {
            return Err(invalid(
                "limit_bytes",
                "must be null unless mode is \"limit\"",
            ));
        }
        (_, None) => None,
    };
    Ok(Quota {
        mode,
        limit_bytes,
        direction,
    })
}

/// Stores a peer's quota. The next poll's enforcement applies it (a raised limit re-enables a
/// quota-disabled peer; a lowered one may disable it).
pub async fn set<C: ConnectionTrait>(
    db: &C,
    peer_id: i32,
    quota_value: Quota,
    now: DateTime<Utc>,
) -> Result<Quota, QuotaError> {
    if peer::Entity::find_by_id(peer_id).one(db).await?.is_none() {
        return Err(QuotaError::NoSuchPeer(peer_id));
    }
    let row = quota::ActiveModel {
        peer_id: Set(peer_id),
        mode: Set(quota_value.mode.as_str().to_owned()),
        limit_bytes: Set(quota_value.limit_bytes.and_then(|b| i64::try_from(b).ok())),
        direction: Set(quota_value.direction.as_str().to_owned()),
        updated_at: Set(now),
    };
    quota::Entity::insert(row)
        .on_conflict(
            OnConflict::column(quota::Column::PeerId)
                .update_columns([
                    quota::Column::Mode,
                    quota::Column::LimitBytes,
                    quota::Column::Direction,
                    quota::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(quota_value)
}

pub async fn get<C: ConnectionTrait>(db: &C, peer_id: i32) -> Result<Quota, QuotaError> {
    let row = quota::Entity::find_by_id(peer_id).one(db).await?;
    Ok(Quota::from_row(row.as_ref()))
}

/// SPEC §5: a peer is over its limit when its cycle usage *exceeds* it; using exactly the
/// allowance is allowed.
pub fn over_limit(used: u64, limit: Option<u64>) -> bool {
    limit.is_some_and(|limit| used > limit)
}

/// A peer's quota state in the cycle running at `now` (SPEC §8 `GET /api/peers/{id}/quota`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuotaState {
    pub peer_id: i32,
    pub mode: QuotaMode,
    pub direction: Direction,
    /// `None` = unlimited.
    pub limit_bytes: Option<u64>,
    pub used_bytes: u64,
    pub remaining_bytes: Option<u64>,
    /// Used / limit × 100, one decimal; `None` when unlimited.
    pub percent: Option<f64>,
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    /// When the limit will be reached at the pace of the last 7 days; `None` when unlimited,
    /// already reached, idle, or not before the cycle ends.
    pub projected_exhaustion_at: Option<DateTime<Utc>>,
}

/// The projection rule, pure: `remaining` bytes at `pace_bytes` per `window`.
pub fn project_exhaustion(
    now: DateTime<Utc>,
    remaining: u64,
    paced_bytes: u64,
    window: TimeDelta,
    cycle_end: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if remaining == 0 || paced_bytes == 0 || window <= TimeDelta::zero() {
        return None;
    }
    let window_ms = u128::try_from(window.num_milliseconds()).ok()?;
    let eta_ms = u128::from(remaining).checked_mul(window_ms)? / u128::from(paced_bytes);
    let eta = TimeDelta::try_milliseconds(i64::try_from(eta_ms).ok()?)?;
    let at = now.checked_add_signed(eta)?;
    (at < cycle_end).then_some(at)
}

/// The quota state of `peer_id` at `now` under `settings`.
pub async fn state<C: ConnectionTrait>(
    db: &C,
    peer_id: i32,
    settings: &settings_entity::Model,
    now: DateTime<Utc>,
) -> Result<QuotaState, QuotaError> {
    let Some(peer_row) = peer::Entity::find_by_id(peer_id).one(db).await? else {
        return Err(QuotaError::NoSuchPeer(peer_id));
    };
    let calendar =
        crate::service::settings::calendar(settings).map_err(|message| QuotaError::Invalid {
            field: "timezone",
            message,
        })?;
    let cycle = calendar.cycle_at(now).map_err(|err| QuotaError::Invalid {
        field: "timezone",
        message: err.to_string(),
    })?;
    let quota_value = get(db, peer_id).await?;
    let limit = quota_value.effective_limit(settings.default_quota_gb);
    // Closed rollup rows plus the peer's open sums (`accounting::open_bucket`).
    let open = peer_counter::Entity::find_by_id(peer_id).one(db).await?;
    let count = |rx: i64, tx: i64| {
        quota_value
            .direction
            .count(non_negative(rx), non_negative(tx))
    };
    let open_cycle = open
        .as_ref()
        .filter(|c| c.open_cycle == Some(cycle.label))
        .map_or(0, |c| count(c.cycle_rx, c.cycle_tx));
    let used = usage_monthly::Entity::find_by_id((peer_id, cycle.label))
        .one(db)
        .await?
        .map_or(0, |row| count(row.rx, row.tx))
        .saturating_add(open_cycle);
    // Pace: the bytes of the last 7 days of hourly rollups, over the part of those 7 days the
    // peer has been known (a peer imported yesterday is not averaged over a week).
    let window_start = (now - PACE_WINDOW).max(peer_row.first_seen_at);
    // Whole hours: the hour the window starts in is counted whole (at most an hour's bytes
    // more than the exact window, which errs on the side of warning early).
    let first_hour = hour_floor(window_start);
    let open_hour = open
        .as_ref()
        .filter(|c| c.open_hour.is_some_and(|h| h >= first_hour))
        .map_or(0, |c| count(c.hour_rx, c.hour_tx));
    let paced: u64 = usage_hourly::Entity::find()
        .filter(usage_hourly::Column::PeerId.eq(peer_id))
        .filter(usage_hourly::Column::HourStart.gte(first_hour))
        .all(db)
        .await?
        .iter()
        .map(|row| count(row.rx, row.tx))
        .fold(open_hour, u64::saturating_add);
    let remaining = limit.map(|l| l.saturating_sub(used));
    Ok(QuotaState {
        peer_id,
        mode: quota_value.mode,
        direction: quota_value.direction,
        limit_bytes: limit,
        used_bytes: used,
        remaining_bytes: remaining,
        percent: limit.map(|l| percent(used, l)),
        cycle_start: cycle.start,
        cycle_end: cycle.end,
        projected_exhaustion_at: remaining
            .and_then(|r| project_exhaustion(now, r, paced, now - window_start, cycle.end)),
    })
}

/// `used / limit × 100`, rounded to one decimal (display only; byte figures stay integers).
pub fn percent(used: u64, limit: u64) -> f64 {
    if limit == 0 {
        return 100.0;
    }
    let tenths = u128::from(used) * 1000 / u128::from(limit);
    (tenths.min(u128::from(u32::MAX)) as f64) / 10.0
}

fn hour_floor(instant: DateTime<Utc>) -> DateTime<Utc> {
    crate::accounting::bucket::hour_bucket(instant).unwrap_or(instant)
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn effective_limits() {
        let default = Quota::DEFAULT;
        assert_eq!(default.effective_limit(None), None);
        assert_eq!(default.effective_limit(Some(50)), Some(50 * GB));
        let limit = validate("limit", Some(1234), Some("download")).unwrap();
        assert_eq!(limit.effective_limit(Some(50)), Some(1234));
        assert_eq!(limit.direction.count(10, 7), 7);
        let unlimited = validate("unlimited", None, None).unwrap();
        assert_eq!(unlimited.effective_limit(Some(50)), None);
        assert_eq!(Direction::Upload.count(10, 7), 10);
        assert_eq!(Direction::Total.count(u64::MAX, 7), u64::MAX);
    }

    #[test]
    fn validation_names_the_field() {
        let field = |r: Result<Quota, QuotaError>| match r {
            Err(QuotaError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(validate("monthly", None, None)), "mode");
        assert_eq!(field(validate("limit", None, None)), "limit_bytes");
        assert_eq!(field(validate("limit", Some(0), None)), "limit_bytes");
        assert_eq!(field(validate("unlimited", Some(5), None)), "limit_bytes");
        assert_eq!(field(validate("default", None, Some("both"))), "direction");
    }

    #[test]
    fn projection_at_the_weekly_pace() {
        let now = Utc.with_ymd_and_hms(2026, 11, 10, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        // 7 GB in 7 days = 1 GB/day; 3 GB left → 3 days.
        assert_eq!(
            project_exhaustion(now, 3 * GB, 7 * GB, PACE_WINDOW, end),
            Some(now + TimeDelta::days(3))
        );
        // Would not be reached before the cycle ends.
        assert_eq!(
            project_exhaustion(now, 30 * GB, 7 * GB, PACE_WINDOW, end),
            None
        );
        assert_eq!(project_exhaustion(now, 3 * GB, 0, PACE_WINDOW, end), None);
        assert_eq!(project_exhaustion(now, 0, 7 * GB, PACE_WINDOW, end), None);
    }

    #[test]
    fn using_exactly_the_allowance_is_not_over() {
        assert!(!over_limit(1000, Some(1000)));
        assert!(over_limit(1001, Some(1000)));
        assert!(!over_limit(u64::MAX, None));
    }

    #[test]
    fn percent_rounds_down_to_tenths() {
        assert_eq!(percent(800, 1000), 80.0);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(5, 0), 100.0);
    }
}
