//! `GET /metrics` in the Prometheus text format, behind an API token (SPEC §8–9).
//!
//! Per peer: panel-side byte totals (they survive router reboots and counter resets, so they
//! are true counters), this cycle's bytes, the quota limit, status and disabled reason. Per
//! router: last poll duration, last success, consecutive failures, up. Labels are ids, names
//! and interfaces — never endpoints or addresses — to keep cardinality at one series per peer.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::query;
use crate::auth::TokenPrincipal;
use crate::http::ApiError;
use crate::service::peers::{self as service, PeerFilter};

/// A per-peer metric: name, type, help, and how to read its value from a peer.
type PeerSeries = (
    &'static str,
    &'static str,
    &'static str,
    fn(&service::PeerView) -> Option<u64>,
);

/// A label value escaped per the exposition format (backslash, quote, newline).
pub fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

pub async fn metrics(
    _: TokenPrincipal,
    State(state): State<ApiState>,
) -> Result<Response, ApiError> {
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let peers = service::views(
        &state.db,
        &PeerFilter {
            tracked: Some(true),
            ..PeerFilter::default()
        },
        &ctx.settings,
        &ctx.cycle,
        ctx.now,
    )
    .await?;
    let routers = crate::service::routers::list(&state.db).await?;
    let router_names: std::collections::HashMap<i32, String> =
        routers.iter().map(|r| (r.id, r.name.clone())).collect();

    let mut out = String::new();
    let peer_labels = |p: &service::PeerView| {
        format!(
            "peer_id=\"{}\",router=\"{}\",interface=\"{}\",name=\"{}\"",
            p.id,
            label(router_names.get(&p.router_id).map_or("", String::as_str)),
            label(&p.interface),
            label(p.name.as_deref().unwrap_or(""))
        )
    };
    let series: [PeerSeries; 5] = [
        (
            "wgmik_peer_download_bytes_total",
            "counter",
            "Bytes the router sent to the peer since wgmik began tracking it (panel-side; survives router reboots).",
            |p| Some(p.total_tx),
        ),
        (
            "wgmik_peer_upload_bytes_total",
            "counter",
            "Bytes the router received from the peer since wgmik began tracking it (panel-side; survives router reboots).",
            |p| Some(p.total_rx),
        ),
        (
            "wgmik_peer_cycle_download_bytes",
            "gauge",
            "Bytes sent to the peer in the current billing cycle.",
            |p| Some(p.cycle_tx),
        ),
        (
            "wgmik_peer_cycle_upload_bytes",
            "gauge",
            "Bytes received from the peer in the current billing cycle.",
            |p| Some(p.cycle_rx),
        ),
        (
            "wgmik_peer_quota_bytes",
            "gauge",
            "The peer's monthly limit in bytes (absent when unlimited).",
            |p| p.quota.effective_limit_bytes,
        ),
    ];
    for (name, kind, help, value) in series {
        header_lines(&mut out, name, kind, help);
        for p in &peers {
            if let Some(v) = value(p) {
                let _ = writeln!(out, "{name}{{{}}} {v}", peer_labels(p));
            }
        }
    }
    header_lines(
        &mut out,
        "wgmik_peer_quota_used_bytes",
        "gauge",
        "This cycle's bytes in the direction the quota counts.",
    );
    for p in &peers {
        let _ = writeln!(
            out,
            "wgmik_peer_quota_used_bytes{{{}}} {}",
            peer_labels(p),
            p.quota.used_bytes
        );
    }
    header_lines(
        &mut out,
        "wgmik_peer_status",
        "gauge",
        "1 for the peer's status (online, offline, unknown, never), 0 for the others.",
    );
    for p in &peers {
        for status in ["online", "offline", "unknown", "never"] {
            let current = serde_json::to_value(p.status)
                .ok()
                .is_some_and(|v| v.as_str() == Some(status));
            let _ = writeln!(
                out,
                "wgmik_peer_status{{{},status=\"{status}\"}} {}",
                peer_labels(p),
                u8::from(current)
            );
        }
    }
    header_lines(
        &mut out,
        "wgmik_peer_disabled",
        "gauge",
        "1 when the peer is disabled on its router; reason is quota, manual or none (disabled outside wgmik).",
    );
    for p in &peers {
        let _ = writeln!(
            out,
            "wgmik_peer_disabled{{{},reason=\"{}\"}} {}",
            peer_labels(p),
            label(p.disabled_reason.as_deref().unwrap_or("none")),
            u8::from(p.disabled)
        );
    }

    header_lines(
        &mut out,
        "wgmik_router_poll_duration_seconds",
        "gauge",
        "Duration of the router's last poll attempt.",
    );
    for r in &routers {
        if let Some(ms) = r.health.last_duration_ms {
            let _ = writeln!(
                out,
                "wgmik_router_poll_duration_seconds{{router_id=\"{}\",router=\"{}\"}} {:.3}",
                r.id,
                label(&r.name),
                ms as f64 / 1000.0
            );
        }
    }
    header_lines(
        &mut out,
        "wgmik_router_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the router's last successful poll.",
    );
    for r in &routers {
        if let Some(at) = r.health.last_success_at {
            let _ = writeln!(
                out,
                "wgmik_router_last_success_timestamp_seconds{{router_id=\"{}\",router=\"{}\"}} {}",
                r.id,
                label(&r.name),
                at.timestamp()
            );
        }
    }
    header_lines(
        &mut out,
        "wgmik_router_consecutive_failures",
        "gauge",
        "Failed polls since the router's last success.",
    );
    for r in &routers {
        let _ = writeln!(
            out,
            "wgmik_router_consecutive_failures{{router_id=\"{}\",router=\"{}\"}} {}",
            r.id,
            label(&r.name),
            r.health.consecutive_failures
        );
    }
    header_lines(
        &mut out,
        "wgmik_router_up",
        "gauge",
        "1 when the router's last poll succeeded.",
    );
    for r in &routers {
        let _ = writeln!(
            out,
            "wgmik_router_up{{router_id=\"{}\",router=\"{}\"}} {}",
            r.id,
            label(&r.name),
            u8::from(r.health.last_success_at.is_some() && r.health.consecutive_failures == 0)
        );
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
