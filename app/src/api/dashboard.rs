//! Server functions of the Dashboard page. Two reads, so typing in the search box refetches
//! only the peer table: `dashboard_overview` (routers' health, the cycle's totals and days,
//! new untracked peers) and `peer_table` (one page of tracked peers plus the match count).
//! Both go through the JSON API's handlers, which page on the server: the browser never
//! receives more than one page of peers, whatever their number.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::chart::ChartOption;
use crate::error::UiError;
use crate::types::{PeerInfo, RouterInfo};

/// Rows per page of the peer table.
pub const PER_PAGE: u64 = 100;
/// At most this many untracked peers are listed; the count says how many there are in all.
pub const UNTRACKED_SHOWN: u64 = 50;

/// The current cycle's totals over tracked peers (`GET /api/summary/totals`, the same as
/// `GET /api/summary/month`'s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleTotals {
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub timezone: String,
    pub total_peers: usize,
    /// Received from the peers: their upload.
    pub total_rx: u64,
    /// Sent to the peers: their download.
    pub total_tx: u64,
    /// Non-dynamic peers on tracked interfaces that are not tracked.
    pub untracked_peers: usize,
}

/// One local day of the cycle over all tracked peers (`GET /api/summary/daily`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyTotal {
    pub date: NaiveDate,
    pub rx: u64,
    pub tx: u64,
}

/// The part of `GET /api/summary/daily` the page reads.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DailySummary {
    days: Vec<DailyTotal>,
}

/// Everything on the dashboard but the peer table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub routers: Vec<RouterInfo>,
    pub totals: CycleTotals,
    /// The first untracked, non-dynamic peers (dynamic ones cannot be tracked).
    pub untracked: Vec<PeerInfo>,
    /// The daily chart: every day of the cycle up to today (built here from
    /// `GET /api/summary/daily`; the days themselves are not sent, the chart is all the page
    /// shows of them).
    pub chart: ChartOption,
}

/// What the peer table asks for; empty strings mean "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerQuery {
    pub q: String,
    pub status: String,
    pub sort: String,
    pub order: String,
    pub page: u64,
}

/// One page of tracked peers and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerRows {
    pub rows: Vec<PeerInfo>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl PeerRows {
    /// The number of pages (at least 1, so "page 1 of 1" reads right when nothing matches).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

#[server]
pub async fn dashboard_overview() -> Result<Overview, UiError> {
    use axum::extract::State;
    use server::http::api::{history, peers, routers, usage};

    use crate::api::ctx::{caller, params, relay, relay_json};

    let (api, principal) = caller().await?;
    let now = api.clock.now();
    // Four independent reads, at once: the page waits for the slowest, not their sum.
    let (routers, totals, daily, untracked) = tokio::join!(
        routers::list(principal.clone(), State(api.clone())),
        usage::totals(principal.clone(), State(api.clone()), params([])),
        history::summary_daily(principal.clone(), State(api.clone()), params([])),
        peers::list(
            principal,
            State(api),
            params([
                ("tracked", Some("false".to_owned())),
                ("per_page", Some(UNTRACKED_SHOWN.to_string())),
            ]),
        ),
    );
    let routers: Vec<RouterInfo> = relay_json(routers)?;
    let totals: CycleTotals = relay_json(totals)?;
    let daily: DailySummary = relay_json(daily)?;
    let untracked: Vec<PeerInfo> = relay(untracked?.1.0)?;
    let chart = crate::components::chart::usage_option(
        &crate::pages::dashboard::overview::chart_points(&totals, &daily.days, now),
    );
    Ok(Overview {
        routers,
        totals,
        untracked: untracked.into_iter().filter(|p| !p.dynamic).collect(),
        chart,
    })
}

#[server]
pub async fn peer_table(query: PeerQuery) -> Result<PeerRows, UiError> {
    use axum::extract::State;
    use server::http::api::peers;

    use crate::api::ctx::{caller, params, relay};

    let (api, principal) = caller().await?;
    let page = query.page.max(1);
    let (headers, rows) = peers::list(
        principal,
        State(api),
        params([
            ("tracked", Some("true".to_owned())),
            ("q", Some(query.q.trim().to_owned())),
            ("status", Some(query.status)),
            ("sort", Some(query.sort)),
            ("order", Some(query.order)),
            ("page", Some(page.to_string())),
            ("per_page", Some(PER_PAGE.to_string())),
        ]),
    )
    .await?;
    let total = headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| UiError::new("internal", "the peer list came without its count"))?;
    Ok(PeerRows {
        rows: relay(rows.0)?,
        total,
        page,
        per_page: PER_PAGE,
    })
}

/// Starts tracking a peer (its accounting begins from the router's counters now).
#[server]
pub async fn track_peer(id: i32) -> Result<PeerInfo, UiError> {
    use axum::extract::State;
    use server::http::api::body::Body;
    use server::http::api::path::Id;
    use server::http::api::peers::{self, PeerPatchInput};

    use crate::api::ctx::{caller, relay_json};

    let (api, principal) = caller().await?;
    relay_json(
        peers::patch(
            principal,
            State(api),
            Id(id),
            Body(PeerPatchInput {
                tracked: Some(true),
                name: None,
            }),
        )
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_up_and_never_read_zero() {
        let table = |total| PeerRows {
            rows: Vec::new(),
            total,
            page: 1,
            per_page: PER_PAGE,
        };
        assert_eq!(table(0).pages(), 1);
        assert_eq!(table(100).pages(), 1);
        assert_eq!(table(101).pages(), 2);
        assert_eq!(table(10_000).pages(), 100);
    }
}
