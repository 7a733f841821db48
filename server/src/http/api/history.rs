//! Read-only history the dashboard and the peer page show: a peer's counter-reset events, its
//! most recent raw samples (newest first, bounded), and the daily download/upload over all
//! tracked peers for the current billing cycle. Each answer is bounded by a `limit` or by the
//! cycle's days, so a page never pulls a whole table — the panel must stay fast at 10,000
//! peers.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiState;
use super::path::Id;
use super::query::{self, Params};
use crate::accounting::bucket::local_date;
use crate::auth::Principal;
use crate::db::entities::{counter_reset, peer, raw_sample};
use crate::http::ApiError;

fn bytes(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

async fn peer_exists(state: &ApiState, id: i32) -> Result<(), ApiError> {
    match peer::Entity::find_by_id(id).one(&state.db).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!("peer {id} does not exist"))),
    }
}

/// A counter reset seen on a peer: the router's counters went down between two polls.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `router_reboot` (the router's uptime went down) or `peer_reset`.
    pub cause: String,
    /// The router's counters before and after; `rx` = received from the peer (its upload).
    pub old_rx: u64,
    pub old_tx: u64,
    pub new_rx: u64,
    pub new_tx: u64,
}

/// The peer's counter-reset events, newest first.
#[utoipa::path(get, path = "/api/peers/{id}/resets", tag = "usage",
    params(("id" = i32, Path), ("limit" = Option<u64>, Query, description = "1–1000, default 100")),
    responses((status = 200, body = Vec<ResetView>), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn peer_resets(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Query(params): Query<Params>,
) -> Result<Json<Vec<ResetView>>, ApiError> {
    query::only(&params, &["limit"])?;
    let limit = query::uint(&params, "limit", 100, 1, 1000)?;
    peer_exists(&state, id).await?;
    let rows = counter_reset::Entity::find()
        .filter(counter_reset::Column::PeerId.eq(id))
        .order_by_desc(counter_reset::Column::At)
        .order_by_desc(counter_reset::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ResetView {
                id: r.id,
                at: r.at,
                cause: r.cause,
                old_rx: bytes(r.old_rx),
                old_tx: bytes(r.old_tx),
                new_rx: bytes(r.new_rx),
                new_tx: bytes(r.new_tx),
            })
            .collect(),
    ))
}

/// One raw sample: the router's counters at a poll where something moved, and the bytes since
/// the previous sample. `rx` = received from the peer (its upload), `tx` = sent (its download).
#[derive(Debug, Serialize, ToSchema)]
pub struct SampleView {
    pub at: DateTime<Utc>,
    pub rx_counter: u64,
    pub tx_counter: u64,
    pub delta_rx: u64,
    pub delta_tx: u64,
    pub last_handshake_at: Option<DateTime<Utc>>,
}

/// The peer's raw samples since `since` (default: 24 hours ago), newest first, at most
/// `limit`.
#[utoipa::path(get, path = "/api/peers/{id}/samples", tag = "usage",
    params(("id" = i32, Path),
        ("since" = Option<String>, Query, description = "RFC 3339 or YYYY-MM-DD (local); default: 24 hours ago"),
        ("limit" = Option<u64>, Query, description = "1–1000, default 200")),
    responses((status = 200, body = Vec<SampleView>), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn peer_samples(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Query(params): Query<Params>,
) -> Result<Json<Vec<SampleView>>, ApiError> {
    query::only(&params, &["since", "limit"])?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let since =
        query::instant(&params, "since", &ctx)?.unwrap_or(ctx.now - chrono::TimeDelta::hours(24));
    let limit = query::uint(&params, "limit", 200, 1, 1000)?;
    peer_exists(&state, id).await?;
    let rows = raw_sample::Entity::find()
        .filter(raw_sample::Column::PeerId.eq(id))
        .filter(raw_sample::Column::At.gte(since))
        .order_by_desc(raw_sample::Column::At)
        .order_by_desc(raw_sample::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| SampleView {
                at: r.at,
                rx_counter: bytes(r.rx_counter),
                tx_counter: bytes(r.tx_counter),
                delta_rx: bytes(r.delta_rx),
                delta_tx: bytes(r.delta_tx),
                last_handshake_at: r.last_handshake_at,
            })
            .collect(),
    ))
}

/// One local day's bytes over every tracked peer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyTotal {
    pub date: NaiveDate,
    /// Received from the peers: their upload.
    pub rx: u64,
    /// Sent to the peers: their download.
    pub tx: u64,
}

/// The current cycle's days (only days with traffic are listed).
#[derive(Debug, Serialize, ToSchema)]
pub struct DailySummary {
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub timezone: String,
    pub days: Vec<DailyTotal>,
}

/// Download and upload per local day of the current cycle, summed over tracked peers from the
/// routers' daily sums (`db::usage::tracked_daily_totals`), whatever the number of peers.
#[utoipa::path(get, path = "/api/summary/daily", tag = "usage",
    responses((status = 200, body = DailySummary), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn summary_daily(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Json<DailySummary>, ApiError> {
    query::only(&params, &[])?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let tz = ctx.calendar.timezone_at(ctx.now);
    let first = local_date(ctx.cycle.start, tz).map_err(ApiError::internal)?;
    let after = local_date(ctx.cycle.end, tz).map_err(ApiError::internal)?;
    let rows = crate::db::usage::tracked_daily_totals(&state.db, first, after).await?;
    Ok(Json(DailySummary {
        cycle_start: ctx.cycle.start,
        cycle_end: ctx.cycle.end,
        timezone: tz.name().to_owned(),
        days: rows
            .into_iter()
            .map(|(date, rx, tx)| DailyTotal { date, rx, tx })
            .collect(),
    }))
}
