//! Server functions of the Peer page: everything the page shows in one read (`peer_detail`),
//! the quota as the form edits it (`peer_quota`), enabling or disabling the peer on its router
//! (`enforce_peer`) and saving its quota (`save_quota`). Each calls the JSON API's handler.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::chart::ChartOption;
use crate::error::UiError;
use crate::types::{PeerInfo, RouterInfo};

/// How many counter resets and actions the page lists; raw samples are bounded by the API.
pub const HISTORY_ROWS: u64 = 50;
/// Raw samples shown (the last 24 hours, newest first).
pub const SAMPLE_ROWS: u64 = 200;
/// The hourly chart's span.
pub const HOURLY_HOURS: i64 = 48;

/// `GET /api/peers/{id}/quota`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaStateInfo {
    pub peer_id: i32,
    /// `default`, `limit` or `unlimited`.
    pub mode: String,
    /// `total`, `download` or `upload`.
    pub direction: String,
    /// The limit in force; `None` = unlimited.
    pub limit_bytes: Option<u64>,
    pub used_bytes: u64,
    pub remaining_bytes: Option<u64>,
    pub percent: Option<f64>,
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub projected_exhaustion_at: Option<DateTime<Utc>>,
}

/// One point of `GET /api/peers/{id}/usage`: `at` for hourly, `date` for daily.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsagePointInfo {
    pub at: Option<DateTime<Utc>>,
    pub date: Option<NaiveDate>,
    pub rx: u64,
    pub tx: u64,
}

/// The part of `GET /api/peers/{id}/usage` the page reads.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct UsageSeriesInfo {
    points: Vec<UsagePointInfo>,
}

/// `GET /api/peers/{id}/samples`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleInfo {
    pub at: DateTime<Utc>,
    pub rx_counter: u64,
    pub tx_counter: u64,
    pub delta_rx: u64,
    pub delta_tx: u64,
    pub last_handshake_at: Option<DateTime<Utc>>,
}

/// `GET /api/peers/{id}/resets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetInfo {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub cause: String,
    pub old_rx: u64,
    pub old_tx: u64,
    pub new_rx: u64,
    pub new_tx: u64,
}

/// `GET /api/peers/{id}/actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInfo {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub reason: String,
    pub actor: String,
    pub result: String,
    pub error: Option<String>,
}

/// The settings the page needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerPageSettings {
    pub timezone: String,
    pub default_quota_gb: Option<i64>,
}

/// Everything the Peer page shows. The read-only parts (the quota's numbers, the history
/// tables) arrive as HTML the server rendered with the same components it uses for the page,
/// and the charts as ready ECharts options: the browser gets no code and no decoder for them,
/// which keeps the page's first visit within the bundle budget (issue #7, BENCHMARKS.md).
/// What the page acts on (the peer, its router, the timezone) comes as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerOverview {
    pub peer: PeerInfo,
    pub router: RouterInfo,
    pub settings: PeerPageSettings,
    /// `pages::peer::quota::QuotaNumbers`, rendered.
    pub quota_html: String,
    /// `pages::peer::history::PeerHistory`, rendered.
    pub history_html: String,
    /// This cycle per local day (every day up to today) and the last 48 hours per hour.
    pub daily_chart: ChartOption,
    pub hourly_chart: ChartOption,
}

#[server]
pub async fn peer_detail(id: i32) -> Result<PeerOverview, UiError> {
    use axum::extract::State;
    use server::http::api::path::Id;
    use server::http::api::{history, peers, routers, settings, usage};

    use crate::api::ctx::{caller, params, relay_json};

    let (api, principal) = caller().await?;
    let peer: PeerInfo =
        relay_json(peers::get(principal.clone(), State(api.clone()), Id(id)).await)?;
    let router: RouterInfo =
        relay_json(routers::get(principal.clone(), State(api.clone()), Id(peer.router_id)).await)?;
    let quota: QuotaStateInfo =
        relay_json(peers::quota(principal.clone(), State(api.clone()), Id(id)).await)?;
    let settings: PeerPageSettings =
        relay_json(settings::get(principal.clone(), State(api.clone())).await)?;
    let as_of = api.clock.now();
    let daily: UsageSeriesInfo = relay_json(
        usage::peer_usage(
            principal.clone(),
            State(api.clone()),
            Id(id),
            params([("window", Some("daily".to_owned()))]),
        )
        .await,
    )?;
    let hourly_from = as_of - chrono::TimeDelta::hours(HOURLY_HOURS);
    let hourly: UsageSeriesInfo = relay_json(
        usage::peer_usage(
            principal.clone(),
            State(api.clone()),
            Id(id),
            params([
                ("window", Some("hourly".to_owned())),
                ("from", Some(hourly_from.to_rfc3339())),
            ]),
        )
        .await,
    )?;
    let samples = relay_json(
        history::peer_samples(
            principal.clone(),
            State(api.clone()),
            Id(id),
            params([("limit", Some(SAMPLE_ROWS.to_string()))]),
        )
        .await,
    )?;
    let resets = relay_json(
        history::peer_resets(
            principal.clone(),
            State(api.clone()),
            Id(id),
            params([("limit", Some(HISTORY_ROWS.to_string()))]),
        )
        .await,
    )?;
    let actions = relay_json(
        peers::actions(
            principal,
            State(api),
            Id(id),
            params([("limit", Some(HISTORY_ROWS.to_string()))]),
        )
        .await,
    )?;
    use crate::components::chart::usage_option;
    use crate::pages::peer::{charts, history as history_view, quota as quota_view};
    let tz = settings.timezone.clone();
    let daily_chart = usage_option(&charts::daily_points(&tz, &quota, as_of, &daily.points));
    let hourly_chart = usage_option(&charts::hourly_points(&tz, as_of, &hourly.points));
    Ok(PeerOverview {
        quota_html: quota_view::numbers_html(quota, tz.clone()),
        history_html: history_view::history_html(history_view::HistoryData {
            timezone: tz,
            samples,
            resets,
            actions,
            now: as_of,
        }),
        peer,
        router,
        settings,
        daily_chart,
        hourly_chart,
    })
}

/// The quota with the timezone its dates are shown in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaReading {
    pub quota: QuotaStateInfo,
    pub timezone: String,
}

/// The quota alone: the form's starting values when it opens.
#[server]
pub async fn peer_quota(id: i32) -> Result<QuotaReading, UiError> {
    use axum::extract::State;
    use server::http::api::path::Id;
    use server::http::api::{peers, settings};

    use crate::api::ctx::{caller, relay_json};

    let (api, principal) = caller().await?;
    let quota: QuotaStateInfo =
        relay_json(peers::quota(principal.clone(), State(api.clone()), Id(id)).await)?;
    let settings: PeerPageSettings = relay_json(settings::get(principal, State(api)).await)?;
    Ok(QuotaReading {
        quota,
        timezone: settings.timezone,
    })
}

/// Enables (`enable`) or disables (`disable`) the peer on its router now.
#[server]
pub async fn enforce_peer(id: i32, action: String) -> Result<PeerInfo, UiError> {
    use axum::extract::State;
    use server::http::api::body::Body;
    use server::http::api::path::Id;
    use server::http::api::peers::{self, EnforceInput};

    let (api, principal) = crate::api::ctx::caller().await?;
    crate::api::ctx::relay_json(
        peers::enforce(principal, State(api), Id(id), Body(EnforceInput { action })).await,
    )
}

/// A limit typed in GB (10^9 bytes, decimals allowed) as whole bytes.
pub fn gb_to_bytes(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter a limit in GB".to_owned());
    }
    let gb: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of GB"))?;
    if !gb.is_finite() || gb <= 0.0 {
        return Err("must be more than 0 GB".to_owned());
    }
    let bytes = (gb * 1e9).round();
    if bytes >= i64::MAX as f64 {
        return Err("is too large".to_owned());
    }
    Ok(bytes as i64)
}

/// Saves the quota: `mode` default/limit/unlimited, `limit_gb` (for `limit`), `direction`.
/// Errors name the form's fields (`limit_gb` rather than the API's `limit_bytes`).
#[server]
pub async fn save_quota(
    peer_id: i32,
    mode: String,
    limit_gb: String,
    direction: String,
) -> Result<QuotaStateInfo, UiError> {
    use axum::extract::State;
    use server::http::api::body::Body;
    use server::http::api::peers::{self, QuotaInput};

    let limit_bytes = if mode == "limit" {
        Some(gb_to_bytes(&limit_gb).map_err(|message| UiError::invalid("limit_gb", message))?)
    } else {
        None
    };
    let (api, principal) = crate::api::ctx::caller().await?;
    let answer = peers::set_quota(
        principal,
        State(api),
        Body(QuotaInput {
            peer_id,
            mode,
            limit_bytes,
            direction: Some(direction),
        }),
    )
    .await;
    crate::api::ctx::relay_json(answer).map_err(|mut err: UiError| {
        if err.field.as_deref() == Some("limit_bytes") {
            err.field = Some("limit_gb".to_owned());
        }
        err
    })
}

#[cfg(test)]
mod tests {
    use super::gb_to_bytes;

    #[test]
    fn gigabytes_are_decimal() {
        assert_eq!(gb_to_bytes("1"), Ok(1_000_000_000));
        assert_eq!(gb_to_bytes(" 2.5 "), Ok(2_500_000_000));
        assert_eq!(gb_to_bytes("0.000000001"), Ok(1));
        assert!(gb_to_bytes("").is_err());
        assert!(gb_to_bytes("0").is_err());
        assert!(gb_to_bytes("-3").is_err());
        assert!(gb_to_bytes("ten").is_err());
        assert!(gb_to_bytes("1e30").is_err());
        assert!(gb_to_bytes("NaN").is_err());
    }
}
