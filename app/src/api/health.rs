//! Lets an admin check the database round trip from the page.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::components::chart::ChartOption;
use crate::types::DatabaseCheck;

/// At most this many checks are charted (the newest).
pub const CHARTED_CHECKS: usize = 50;

/// One check and the chart of this visit's checks so far, this one last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseCheckReply {
    pub check: DatabaseCheck,
    pub chart: ChartOption,
}

/// Measures one round trip; `earlier_us` are the page's earlier latencies, for the chart.
/// JSON in: a form-encoded empty list would arrive as a missing field.
#[server(input = Json)]
pub async fn check_database(earlier_us: Vec<u64>) -> Result<DatabaseCheckReply, ServerFnError> {
    let state = use_context::<server::state::AppState>()
        .ok_or_else(|| ServerFnError::new("server state missing"))?;
    let check = state.check_database().await;
    let mut latencies = earlier_us;
    latencies.push(check.latency_us);
    let first = latencies.len().saturating_sub(CHARTED_CHECKS);
    let points: Vec<(String, f64)> = latencies
        .iter()
        .enumerate()
        .skip(first)
        .map(|(i, us)| (format!("#{}", i + 1), *us as f64))
        .collect();
    Ok(DatabaseCheckReply {
        check: DatabaseCheck {
            backend: check.backend.to_owned(),
            reachable: check.reachable,
            latency_us: check.latency_us,
        },
        chart: crate::components::chart::bar_option(&points, "µs"),
    })
}
