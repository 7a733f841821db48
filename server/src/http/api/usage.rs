//! Usage: one peer's series over a range at raw, hourly, daily or monthly resolution, and the
//! current billing cycle's totals for every tracked peer with quota state and status.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiState;
use super::path::Id;
use super::query::{self, Context, Params};
use crate::auth::Principal;
use crate::db::usage::{UsagePoint, Window, peer_usage as usage_series};
use crate::http::ApiError;
use crate::service::peer_list::{self, PeerRank, PeerSort};
use crate::service::peers::{PeerFilter, PeerView};

/// A peer's usage series. `rx` = received from the peer (its upload), `tx` = sent to it (its
/// download).
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageSeries {
    pub peer_id: i32,
    pub window: Window,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The timezone local dates are in.
    pub timezone: String,
    pub points: Vec<UsagePoint>,
}

pub(crate) struct SeriesRequest {
    pub window: Window,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// `from` (default: the current cycle's start), `to` (default: now), `window` (default daily).
pub(crate) fn series_request(params: &Params, ctx: &Context) -> Result<SeriesRequest, ApiError> {
    query::only(params, &["from", "to", "window"])?;
    let window = match params.get("window").map(String::as_str) {
        None | Some("") | Some("daily") => Window::Daily,
        Some("raw") => Window::Raw,
        Some("hourly") => Window::Hourly,
        Some("monthly") => Window::Monthly,
        Some(_) => {
            return Err(ApiError::invalid(
                "window",
                "must be raw, hourly, daily or monthly",
            ));
        }
    };
    let from = query::instant(params, "from", ctx)?.unwrap_or(ctx.cycle.start);
    // `to` is exclusive; the default includes a sample taken at this very instant.
    let to = query::instant(params, "to", ctx)?.unwrap_or(ctx.now + chrono::TimeDelta::seconds(1));
    if to < from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    Ok(SeriesRequest { window, from, to })
}

pub(crate) async fn series(
    state: &ApiState,
    id: i32,
    params: &Params,
) -> Result<(UsageSeries, Context), ApiError> {
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let req = series_request(params, &ctx)?;
    super::peers::one(state, id).await?;
    let tz = ctx.calendar.timezone_at(ctx.now);
    // `to` is inclusive for dates: a daily series "to" today includes today.
    let to = if matches!(req.window, Window::Daily | Window::Monthly) {
        req.to + chrono::TimeDelta::days(1)
    } else {
        req.to
    };
    let points = usage_series(&state.db, id, req.from, to, req.window, tz).await?;
    Ok((
        UsageSeries {
            peer_id: id,
            window: req.window,
            from: req.from,
            to: req.to,
            timezone: tz.name().to_owned(),
            points,
        },
        ctx,
    ))
}

#[utoipa::path(get, path = "/api/peers/{id}/usage", tag = "usage",
    params(("id" = i32, Path),
        ("from" = Option<String>, Query, description = "RFC 3339 or YYYY-MM-DD (local); default: cycle start"),
        ("to" = Option<String>, Query, description = "RFC 3339 or YYYY-MM-DD (local); default: now"),
        ("window" = Option<String>, Query, description = "raw | hourly | daily (default) | monthly")),
    responses((status = 200, body = UsageSeries), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn peer_usage(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Query(params): Query<Params>,
) -> Result<Json<UsageSeries>, ApiError> {
    Ok(Json(series(&state, id, &params).await?.0))
}

/// The current cycle's totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthSummary {
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub timezone: String,
    /// Tracked peers matching the filter (all pages).
    pub total_peers: usize,
    /// Bytes received from those peers this cycle (their upload).
    pub total_rx: u64,
    /// Bytes sent to those peers this cycle (their download).
    pub total_tx: u64,
    /// Peers the routers list that are not tracked ("new, not tracked").
    pub untracked_peers: usize,
    pub page: u64,
    pub per_page: u64,
    pub peers: Vec<PeerView>,
}

/// The tracked peers `/api/summary/month` lists (router filter, search, sort), as rank rows,
/// and the number of untracked, non-dynamic peers under the same router filter.
pub(crate) async fn summary_ranks<C: sea_orm::ConnectionTrait>(
    db: &C,
    ctx: &Context,
    params: &Params,
) -> Result<(Vec<PeerRank>, usize), ApiError> {
    let filter = PeerFilter {
        router_id: query::int(params, "router_id")?,
        tracked: None,
        ids: None,
    };
    let sort = super::peers::sort_param(params, PeerSort::Total)?;
    let descending = query::descending(params, true)?;
    let all = peer_list::ranks(db, &filter, &ctx.settings, &ctx.cycle, ctx.now).await?;
    let untracked = all.iter().filter(|p| !p.tracked && !p.dynamic).count();
    let mut rows: Vec<PeerRank> = all.into_iter().filter(|p| p.tracked).collect();
    if let Some(needle) = params.get("q") {
        rows = peer_list::search(rows, needle);
    }
    peer_list::sort(&mut rows, sort, descending);
    Ok((rows, untracked))
}

#[utoipa::path(get, path = "/api/summary/month", tag = "usage",
    params(("router_id" = Option<i32>, Query), ("q" = Option<String>, Query),
        ("sort" = Option<String>, Query, description = "total (default) | download | upload | name | last_seen | quota | status | id"),
        ("order" = Option<String>, Query, description = "desc (default) | asc"),
        ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query, description = "1–1000, default 100")),
    responses((status = 200, body = MonthSummary), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn summary(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Json<MonthSummary>, ApiError> {
    query::only(
        &params,
        &["router_id", "q", "sort", "order", "page", "per_page"],
    )?;
    let page = query::uint(&params, "page", 1, 1, u64::from(u32::MAX))?;
    let per_page = query::uint(&params, "per_page", 100, 1, 1000)?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let snapshot = crate::db::read_snapshot(&state.db).await?;
    let (rows, untracked_peers) = summary_ranks(&snapshot, &ctx, &params).await?;
    let (total_rx, total_tx) = peer_list::cycle_totals(&rows);
    let ids = peer_list::page_ids(&rows, (page - 1).saturating_mul(per_page), per_page);
    let peers =
        peer_list::views_in_order(&snapshot, &ids, &ctx.settings, &ctx.cycle, ctx.now).await?;
    snapshot.commit().await?;
    Ok(Json(MonthSummary {
        cycle_start: ctx.cycle.start,
        cycle_end: ctx.cycle.end,
        timezone: ctx.calendar.timezone_at(ctx.now).name().to_owned(),
        total_peers: rows.len(),
        total_rx,
        total_tx,
        untracked_peers,
        page,
        per_page,
        peers,
    }))
}

/// The current cycle's totals alone (no peer list): summed by the database, cheap at any
/// fleet size. Equal to `/api/summary/month`'s totals without a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleTotals {
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub timezone: String,
    pub total_peers: u64,
    /// Bytes received from tracked peers this cycle (their upload).
    pub total_rx: u64,
    /// Bytes sent to tracked peers this cycle (their download).
    pub total_tx: u64,
    /// Peers the routers list that are not tracked (dynamic ones apart).
    pub untracked_peers: u64,
}

#[utoipa::path(get, path = "/api/summary/totals", tag = "usage",
    params(("router_id" = Option<i32>, Query)),
    responses((status = 200, body = CycleTotals), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn totals(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Json<CycleTotals>, ApiError> {
    query::only(&params, &["router_id"])?;
    let router_id = query::int(&params, "router_id")?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let sums = peer_list::db_totals(&state.db, router_id, &ctx.cycle).await?;
    Ok(Json(CycleTotals {
        cycle_start: ctx.cycle.start,
        cycle_end: ctx.cycle.end,
        timezone: ctx.calendar.timezone_at(ctx.now).name().to_owned(),
        total_peers: sums.tracked_peers,
        total_rx: sums.rx,
        total_tx: sums.tx,
        untracked_peers: sums.untracked_peers,
    }))
}
