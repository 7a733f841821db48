//! `GET /api/alerts`: the webhook outbox, newest first — what was raised, whether it was
//! delivered, and the last error of every failed delivery (failures stay visible).

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiState;
use super::query::{self, Params};
use crate::auth::Principal;
use crate::http::ApiError;

/// One alert and its delivery state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    /// `quota_80`, `quota_100`, `peer_disabled`, `peer_enabled`, `router_down`, `router_up`.
    pub kind: String,
    pub router_id: Option<i32>,
    pub peer_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// `pending`, `delivered`, `failed` (given up after 10 attempts), `no_url`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The JSON body sent (or to be sent).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

#[utoipa::path(get, path = "/api/alerts", tag = "actions",
    params(("limit" = Option<u64>, Query, description = "1–1000, default 100")),
    responses((status = 200, body = Vec<AlertView>), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn list(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    query::only(&params, &["limit"])?;
    let limit = query::uint(&params, "limit", 100, 1, 1000)?;
    let rows = crate::alerts::recent(&state.db, limit).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| AlertView {
                id: row.id,
                kind: row.kind,
                router_id: row.router_id,
                peer_id: row.peer_id,
                created_at: row.created_at,
                status: row.status,
                attempts: row.attempts,
                next_attempt_at: row.next_attempt_at,
                delivered_at: row.delivered_at,
                last_error: row.last_error,
                payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    ))
}
