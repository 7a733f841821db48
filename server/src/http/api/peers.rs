//! `/api/peers`: list (filter, search, sort, paginate), read, rename and track/untrack; a
//! peer's quota state; enforce (enable/disable now, as the signed-in admin); its actions; and
//! `/api/quotas` to set a quota.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiState;
use super::body::Body;
use super::path::Id;
use super::query::{self, Params};
use crate::auth::Principal;
use crate::db::entities::{action, peer, router};
use crate::enforcement::actions::{self as audit, ActionFilter};
use crate::enforcement::manual::{ManualError, set_enabled};
use crate::enforcement::quota::{self, QuotaError, QuotaState};
use crate::http::ApiError;
use crate::service::peer_list::{self, PeerSort};
use crate::service::peers::{self as service, PeerFilter, PeerView};
use crate::service::routers::{self as router_service, ImportSelection};

/// Peers (tracked and not), filtered, searched, sorted and paginated. The total count is in
/// the `X-Total-Count` header.
#[utoipa::path(get, path = "/api/peers", tag = "peers",
    params(
        ("router_id" = Option<i32>, Query), ("tracked" = Option<bool>, Query),
        ("q" = Option<String>, Query, description = "search name, comment, key, interface, address"),
        ("status" = Option<String>, Query, description = "online | offline | unknown | never"),
        ("sort" = Option<String>, Query, description = "id | name | total | download | upload | last_seen | quota | status"),
        ("order" = Option<String>, Query, description = "asc | desc"),
        ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query, description = "1–1000, default 100")),
    responses((status = 200, body = Vec<PeerView>), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn list(
    _: Principal,
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<(HeaderMap, Json<Vec<PeerView>>), ApiError> {
    query::only(
        &params,
        &[
            "router_id",
            "tracked",
            "q",
            "status",
            "sort",
            "order",
            "page",
            "per_page",
        ],
    )?;
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let filter = PeerFilter {
        router_id: query::int(&params, "router_id")?,
        tracked: query::boolean(&params, "tracked")?,
        ids: None,
    };
    let wanted_status = match params.get("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(wanted) => Some(
            serde_json::from_value::<crate::accounting::status::Status>(serde_json::Value::String(
                wanted.clone(),
            ))
            .map_err(|_| {
                ApiError::invalid("status", "must be online, offline, unknown or never")
            })?,
        ),
    };
    let sort = sort_param(&params, PeerSort::Id)?;
    let descending = query::descending(&params, false)?;
    let page = query::uint(&params, "page", 1, 1, u64::from(u32::MAX))?;
    let per_page = query::uint(&params, "per_page", 100, 1, 1000)?;

    let snapshot = crate::db::read_snapshot(&state.db).await?;
    let needle = params.get("q").map_or("", String::as_str);
    let skip = (page - 1).saturating_mul(per_page);
    let fast = if needle.trim().is_empty() && wanted_status.is_none() {
        peer_list::byte_ordered_page(
            &snapshot, &filter, sort, descending, skip, per_page, &ctx.cycle,
        )
        .await?
    } else {
        None
    };
    let (total, ids) = match fast {
        Some(page) => page,
        None => {
            let mut rows = peer_list::ranks_matching(
                &snapshot,
                &filter,
                needle,
                &ctx.settings,
                &ctx.cycle,
                ctx.now,
            )
            .await?;
            if let Some(status) = wanted_status {
                rows.retain(|r| r.status == status);
            }
            peer_list::sort(&mut rows, sort, descending);
            (rows.len(), peer_list::page_ids(&rows, skip, per_page))
        }
    };
    let rows =
        peer_list::views_in_order(&snapshot, &ids, &ctx.settings, &ctx.cycle, ctx.now).await?;
    snapshot.commit().await?;
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(total));
    Ok((headers, Json(rows)))
}

/// The `sort` parameter, or `default` when absent or empty.
pub(crate) fn sort_param(params: &Params, default: PeerSort) -> Result<PeerSort, ApiError> {
    match params.get("sort").filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(text) => PeerSort::parse(text).ok_or_else(|| {
            ApiError::invalid(
                "sort",
                "must be id, name, total, download, upload, last_seen, quota or status",
            )
        }),
    }
}

pub(crate) async fn one(state: &ApiState, id: i32) -> Result<PeerView, ApiError> {
    let ctx = query::context(&state.db, state.clock.now()).await?;
    let filter = PeerFilter {
        ids: Some(vec![id]),
        ..PeerFilter::default()
    };
    service::views(&state.db, &filter, &ctx.settings, &ctx.cycle, ctx.now)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("peer {id} does not exist")))
}

#[utoipa::path(get, path = "/api/peers/{id}", tag = "peers", params(("id" = i32, Path)),
    responses((status = 200, body = PeerView), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
) -> Result<Json<PeerView>, ApiError> {
    Ok(Json(one(&state, id).await?))
}

/// `tracked` and the display `name` (null clears it and shows the router's name again).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerPatchInput {
    pub tracked: Option<bool>,
    #[serde(default, deserialize_with = "some_nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
}

fn some_nullable<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

/// Tracking a peer starts its accounting from the router's counters now (a live read);
/// untracking stops it and keeps its history.
#[utoipa::path(patch, path = "/api/peers/{id}", tag = "peers", params(("id" = i32, Path)),
    request_body = PeerPatchInput,
    responses((status = 200, body = PeerView), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody), (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn patch(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Body(input): Body<PeerPatchInput>,
) -> Result<Json<PeerView>, ApiError> {
    let row = peer::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("peer {id} does not exist")))?;
    if let Some(Some(name)) = &input.name
        && name.chars().count() > 200
    {
        return Err(ApiError::invalid("name", "must be at most 200 characters"));
    }
    if input.tracked == Some(true) && !row.tracked {
        if row.dynamic {
            return Err(ApiError::invalid(
                "tracked",
                "dynamic peers come and go with their session and cannot be tracked",
            ));
        }
        let router_row = router::Entity::find_by_id(row.router_id)
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::internal("peer without router"))?;
        router_service::import(
            &state.db,
            &router_row,
            &ImportSelection::PublicKeys(vec![row.public_key.clone()]),
            state.clock.now(),
        )
        .await
        .map_err(super::routers::service_error)?;
    }
    let mut active = peer::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("peer {id} does not exist")))?
        .into_active_model();
    if input.tracked == Some(false) {
        active.tracked = Set(false);
    }
    if let Some(name) = input.name {
        active.display_name = Set(name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()));
    }
    active.update(&state.db).await?;
    Ok(Json(one(&state, id).await?))
}

pub fn quota_error(err: QuotaError) -> ApiError {
    match err {
        QuotaError::Invalid { field, message } => ApiError::invalid(field, message),
        QuotaError::NoSuchPeer(id) => ApiError::not_found(format!("peer {id} does not exist")),
        QuotaError::Db(err) => ApiError::internal(err),
    }
}

/// Limit, used, remaining, percent, the cycle, and the projected exhaustion at the pace of the
/// last 7 days.
#[utoipa::path(get, path = "/api/peers/{id}/quota", tag = "quotas", params(("id" = i32, Path)),
    responses((status = 200, body = QuotaState), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn quota(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
) -> Result<Json<QuotaState>, ApiError> {
    let settings = crate::db::settings::load(&state.db).await?;
    quota::state(&state.db, id, &settings, state.clock.now())
        .await
        .map(Json)
        .map_err(quota_error)
}

/// `{"action": "enable" | "disable"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnforceInput {
    pub action: String,
}

/// Enables or disables the peer on its router now, recorded with the admin as actor. A
/// manual disable is never undone by the cycle reset.
#[utoipa::path(post, path = "/api/peers/{id}/enforce", tag = "actions", params(("id" = i32, Path)),
    request_body = EnforceInput,
    responses((status = 200, body = PeerView), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody), (status = 409, body = crate::http::error::ErrorBody),
        (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn enforce(
    principal: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Body(input): Body<EnforceInput>,
) -> Result<Json<PeerView>, ApiError> {
    let enable = match input.action.as_str() {
        "enable" => true,
        "disable" => false,
        _ => {
            return Err(ApiError::invalid(
                "action",
                "must be \"enable\" or \"disable\"",
            ));
        }
    };
    set_enabled(&state.db, id, enable, &principal.name, state.clock.now())
        .await
        .map_err(|err| match err {
            ManualError::NoSuchPeer(id) => ApiError::not_found(format!("peer {id} does not exist")),
            ManualError::Missing(_) | ManualError::NoRouterId(_) => {
                ApiError::conflict(err.to_string())
            }
            ManualError::Router(err) => super::routers::router_error(&err),
            ManualError::Timeout(_) => ApiError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "router_timeout",
                err.to_string(),
            ),
            ManualError::Invalid(text) => ApiError::invalid("action", text),
            ManualError::Db(err) => ApiError::internal(err),
        })?;
    Ok(Json(one(&state, id).await?))
}

/// The peer's audit log, newest first.
#[utoipa::path(get, path = "/api/peers/{id}/actions", tag = "actions", params(("id" = i32, Path),
        ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query, description = "0–9223372036854775807, default 0")),
    responses((status = 200, body = Vec<super::actions::ActionView>), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn actions(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Query(params): Query<Params>,
) -> Result<Json<Vec<super::actions::ActionView>>, ApiError> {
    query::only(&params, &["limit", "offset"])?;
    if peer::Entity::find_by_id(id).one(&state.db).await?.is_none() {
        return Err(ApiError::not_found(format!("peer {id} does not exist")));
    }
    let filter = ActionFilter {
        peer_id: Some(id),
        ..ActionFilter::default()
    };
    let rows: Vec<action::Model> = audit::list(
        &state.db,
        &filter,
        query::uint(&params, "limit", 100, 1, 1000)?,
        query::uint(&params, "offset", 0, 0, query::MAX_OFFSET)?,
    )
    .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// `{"peer_id", "mode": "default"|"limit"|"unlimited", "limit_bytes", "direction"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaInput {
    pub peer_id: i32,
    pub mode: String,
    #[serde(default)]
    pub limit_bytes: Option<i64>,
    /// `total` (default), `download` or `upload`, from the peer's side.
    #[serde(default)]
    pub direction: Option<String>,
}

async fn store_quota(state: &ApiState, input: QuotaInput) -> Result<Json<QuotaState>, ApiError> {
    let value = quota::validate(&input.mode, input.limit_bytes, input.direction.as_deref())
        .map_err(quota_error)?;
    quota::set(&state.db, input.peer_id, value, state.clock.now())
        .await
        .map_err(quota_error)?;
    let settings = crate::db::settings::load(&state.db).await?;
    quota::state(&state.db, input.peer_id, &settings, state.clock.now())
        .await
        .map(Json)
        .map_err(quota_error)
}

/// Sets a peer's quota (the next poll enforces it) and returns its quota state.
#[utoipa::path(post, path = "/api/quotas", tag = "quotas", request_body = QuotaInput,
    responses((status = 200, body = QuotaState), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn set_quota(
    _: Principal,
    State(state): State<ApiState>,
    Body(input): Body<QuotaInput>,
) -> Result<Json<QuotaState>, ApiError> {
    store_quota(&state, input).await
}

/// Same as `POST /api/quotas`.
#[utoipa::path(patch, path = "/api/quotas", tag = "quotas", request_body = QuotaInput,
    responses((status = 200, body = QuotaState), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn patch_quota(
    _: Principal,
    State(state): State<ApiState>,
    Body(input): Body<QuotaInput>,
) -> Result<Json<QuotaState>, ApiError> {
    store_quota(&state, input).await
}
