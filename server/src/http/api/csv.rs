//! CSV exports (RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma,
//! quote or line break, quotes doubled). Every timestamp appears twice: in the configured
//! timezone and in UTC. Byte columns are named from the peer's side (download = router tx).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::ApiState;
use super::path::Id;
use super::query::{self, Params};
use crate::auth::Principal;
use crate::db::usage::Window;
use crate::http::ApiError;

/// One CSV field, quoted when it must be.
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Appends one record (CRLF-terminated).
pub fn record(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).to_rfc3339()
}

fn utc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn day_start(date: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    crate::accounting::bucket::local_day_start(date, tz).ok()
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/peers/{id}/usage.csv", tag = "usage",
    params(("id" = i32, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("window" = Option<String>, Query, description = "raw | hourly | daily (default) | monthly")),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = crate::http::error::ErrorBody), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn peer_usage_csv(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let (series, ctx) = super::usage::series(&state, id, &params).await?;
    let tz = ctx.calendar.timezone_at(ctx.now);
    let mut out = String::new();
    record(
        &mut out,
        &[
            "peer_id",
            "window",
            "start_local",
            "start_utc",
            "download_bytes",
            "upload_bytes",
            "total_bytes",
        ]
        .map(str::to_owned),
    );
    for point in &series.points {
        let start = match (point.at, point.date) {
            (Some(at), _) => Some(at),
            (None, Some(date)) => day_start(date, tz),
            (None, None) => None,
        };
        let start_local = match (point.at, point.date) {
            (Some(at), _) => local(at, tz),
            (None, Some(date)) => start.map_or_else(|| date.to_string(), |s| local(s, tz)),
            (None, None) => String::new(),
        };
        record(
            &mut out,
            &[
                id.to_string(),
                window_name(series.window).to_owned(),
                start_local,
                start.map(utc).unwrap_or_default(),
                point.tx.to_string(),
                point.rx.to_string(),
                (u128::from(point.rx) + u128::from(point.tx)).to_string(),
            ],
        );
    }
    Ok(csv_response(&format!("peer-{id}-usage.csv"), out))
}

fn window_name(window: Window) -> &'static str {
    match window {
        Window::Raw => "raw",
        Window::Hourly => "hourly",
        Window::Daily => "daily",
        Window::Monthly => "monthly",
    }
}

#[utoipa::path(get, path = "/api/summary/month.csv", tag = "usage",
    params(("router_id" = Option<i32>, Query), ("q" = Option<String>, Query),
        ("sort" = Option<String>, Query), ("order" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn summary_csv(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    query::only(&params, &["router_id", "q", "sort", "order"])?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let snapshot = crate::db::read_snapshot(&state.db).await?;
    let (ranks, _) = super::usage::summary_ranks(&snapshot, &ctx, &params).await?;
    let ids: Vec<i32> = ranks.iter().map(|r| r.id).collect();
    let rows = crate::service::peer_list::views_in_order(
        &snapshot,
        &ids,
        &ctx.settings,
        &ctx.cycle,
        ctx.now,
    )
    .await?;
    snapshot.commit().await?;
    let tz = ctx.calendar.timezone_at(ctx.now);
    let mut out = String::new();
    record(
        &mut out,
        &[
            "peer_id",
            "router_id",
            "interface",
            "public_key",
            "name",
            "comment",
            "status",
            "last_seen_local",
            "last_seen_utc",
            "cycle_start_local",
            "cycle_start_utc",
            "cycle_end_local",
            "cycle_end_utc",
            "download_bytes",
            "upload_bytes",
            "total_bytes",
            "quota_mode",
            "quota_direction",
            "quota_limit_bytes",
            "quota_used_bytes",
            "quota_percent",
            "disabled",
            "disabled_reason",
        ]
        .map(str::to_owned),
    );
    for p in rows {
        let status = serde_json::to_value(p.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        record(
            &mut out,
            &[
                p.id.to_string(),
                p.router_id.to_string(),
                p.interface,
                p.public_key,
                p.name.unwrap_or_default(),
                p.comment.unwrap_or_default(),
                status,
                p.last_seen_at.map(|t| local(t, tz)).unwrap_or_default(),
                p.last_seen_at.map(utc).unwrap_or_default(),
                local(ctx.cycle.start, tz),
                utc(ctx.cycle.start),
                local(ctx.cycle.end, tz),
                utc(ctx.cycle.end),
                p.cycle_tx.to_string(),
                p.cycle_rx.to_string(),
                (u128::from(p.cycle_rx) + u128::from(p.cycle_tx)).to_string(),
                p.quota.mode.as_str().to_owned(),
                p.quota.direction.as_str().to_owned(),
                p.quota
                    .effective_limit_bytes
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                p.quota.used_bytes.to_string(),
                p.quota
                    .percent
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_default(),
                p.disabled.to_string(),
                p.disabled_reason.unwrap_or_default(),
            ],
        );
    }
    Ok(csv_response("summary-month.csv", out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_per_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        let mut out = String::new();
        record(&mut out, &["x".to_owned(), "y,z".to_owned()]);
        assert_eq!(out, "x,\"y,z\"\r\n");
    }
}
