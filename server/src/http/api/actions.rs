//! `GET /api/actions`: the audit log — every enforcement write, failure, dry-run entry, drift
//! observation and manual action — newest first, filterable.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiState;
use super::query::{self, Params};
use crate::auth::Principal;
use crate::db::entities::action;
use crate::enforcement::actions::{self as audit, ActionFilter};
use crate::http::ApiError;

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub router_id: i32,
    pub peer_id: Option<i32>,
    /// `disable`, `enable`, `would_disable` (monitor mode's dry run), `drift`.
    pub action: String,
    /// `quota`, `manual`, `reset`, `quota_raised`, `drift`, or the drift kind.
    pub reason: String,
    /// `system` or the admin's user name.
    pub actor: String,
    /// `ok`, `failed`, `dry_run`, `observed`.
    pub result: String,
    pub error: Option<String>,
    pub cycle_start: Option<DateTime<Utc>>,
}

impl From<action::Model> for ActionView {
    fn from(row: action::Model) -> Self {
        Self {
            id: row.id,
            at: row.at,
            router_id: row.router_id,
            peer_id: row.peer_id,
            action: row.action,
            reason: row.reason,
            actor: row.actor,
            result: row.result,
            error: row.error,
            cycle_start: row.cycle_start,
        }
    }
}

#[utoipa::path(get, path = "/api/actions", tag = "actions",
    params(("peer_id" = Option<i32>, Query), ("router_id" = Option<i32>, Query),
        ("action" = Option<String>, Query), ("actor" = Option<String>, Query),
        ("result" = Option<String>, Query), ("since" = Option<String>, Query, description = "RFC 3339 or YYYY-MM-DD"),
        ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query, description = "0–9223372036854775807, default 0")),
    responses((status = 200, body = Vec<ActionView>), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn list(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Json<Vec<ActionView>>, ApiError> {
    query::only(
        &params,
        &[
            "peer_id",
            "router_id",
            "action",
            "actor",
            "result",
            "since",
            "limit",
            "offset",
        ],
    )?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let text = |name: &str| params.get(name).filter(|s| !s.is_empty()).cloned();
    let filter = ActionFilter {
        peer_id: query::int(&params, "peer_id")?,
        router_id: query::int(&params, "router_id")?,
        action: text("action"),
        actor: text("actor"),
        result: text("result"),
        since: query::instant(&params, "since", &ctx)?,
    };
    let rows = audit::list(
        &state.db,
        &filter,
        query::uint(&params, "limit", 100, 1, 1000)?,
        query::uint(&params, "offset", 0, 0, query::MAX_OFFSET)?,
    )
    .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}
