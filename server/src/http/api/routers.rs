//! `/api/routers`: add (after a connection test), list, read, change, delete, test a
//! connection without saving, and read a router's live interfaces and peers for the wizard,
//! then import the chosen peers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiState;
use super::body::Body;
use super::path::Id;
use crate::auth::Principal;
use crate::db::entities::router;
use crate::db::routers::NewRouter;
use crate::http::ApiError;
use crate::routeros::{RouterError, RouterInfo, Transport};
use crate::service::routers::{
    self as service, ImportSelection, LivePeer, RouterPatch, RouterServiceError, RouterView,
};

/// A router as written (SPEC §8). Read back the same way, without `password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterInput {
    pub name: String,
    pub host: String,
    /// `null` = the transport's default port (REST 80/443, API 8728/8729).
    #[serde(default)]
    pub port: Option<u16>,
    /// `rest` or `api`.
    pub transport: String,
    #[serde(default = "yes")]
    pub tls: bool,
    /// `null` = follow the global `router_tls_verify` setting.
    #[serde(default)]
    pub tls_verify: Option<bool>,
    /// SHA-256 of the router's certificate, 64 hex digits (colons allowed).
    #[serde(default)]
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub password: String,
}

fn yes() -> bool {
    true
}

/// Any subset of the router's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouterPatchInput {
    pub name: Option<String>,
    pub host: Option<String>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<u16>)]
    pub port: Option<Option<u16>>,
    pub transport: Option<String>,
    pub tls: Option<bool>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub tls_verify: Option<Option<bool>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tls_fingerprint: Option<Option<String>>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub poll_enabled: Option<bool>,
}

/// `absent` → None, `null` → Some(None), value → Some(Some(v)).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// What `POST /api/routers/test` returns: the router's own account of itself.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct RouterTestResult {
    pub identity: String,
    pub version: String,
    pub board: String,
    pub uptime_seconds: u64,
}

impl From<RouterInfo> for RouterTestResult {
    fn from(info: RouterInfo) -> Self {
        Self {
            identity: info.identity,
            version: info.version,
            board: info.board_name,
            uptime_seconds: info.uptime.as_secs(),
        }
    }
}

/// `{"interfaces": [names]}` or `{"public_keys": [keys]}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportInput {
    pub interfaces: Option<Vec<String>>,
    pub public_keys: Option<Vec<String>>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ImportResult {
    pub imported: usize,
}

/// A WireGuard interface on the router.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct InterfaceView {
    pub name: String,
    pub listen_port: u16,
    pub disabled: bool,
    pub running: bool,
    pub public_key: Option<String>,
    /// Peers on it (dynamic ones included).
    pub peers: usize,
}

fn transport(text: &str) -> Result<Transport, ApiError> {
    match text {
        "rest" => Ok(Transport::Rest),
        "api" => Ok(Transport::Api),
        _ => Err(ApiError::invalid(
            "transport",
            "must be \"rest\" or \"api\"",
        )),
    }
}

fn required(field: &'static str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if value.len() > 255 {
        return Err(ApiError::invalid(field, "must be at most 255 characters"));
    }
    Ok(value.to_owned())
}

fn fingerprint(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => crate::routeros::parse_fingerprint(text)
            .map(|_| Some(text.to_owned()))
            .map_err(|err| ApiError::invalid("tls_fingerprint", err.to_string())),
    }
}

fn port(value: Option<u16>) -> Result<Option<u16>, ApiError> {
    match value {
        Some(0) => Err(ApiError::invalid(
            "port",
            "must be 1–65535, or null for the default",
        )),
        other => Ok(other),
    }
}

pub fn new_router(input: RouterInput) -> Result<NewRouter, ApiError> {
    Ok(NewRouter {
        name: required("name", &input.name)?,
        host: required("host", &input.host)?,
        port: port(input.port)?,
        transport: transport(&input.transport)?,
        tls: input.tls,
        tls_verify: input.tls_verify,
        tls_fingerprint: fingerprint(input.tls_fingerprint)?,
        username: required("username", &input.username)?,
        password: input.password,
    })
}

/// A router failure in the API's words: 502 (the router, not wgmik, failed) with a code per
/// kind, so the wizard can say exactly what went wrong.
pub fn router_error(err: &RouterError) -> ApiError {
    let code = match err {
        RouterError::CannotConnect { .. } => "router_unreachable",
        RouterError::Tls { .. } | RouterError::AnonymousDhOnly => "router_tls",
        RouterError::WrongCredentials { .. } => "router_auth",
        RouterError::MissingPolicy { .. } => "router_policy",
        RouterError::Timeout { .. } => "router_timeout",
        RouterError::NoSuchItem { .. } => "router_no_such_item",
        RouterError::Config(_) => {
            return ApiError::new(StatusCode::BAD_REQUEST, "invalid", err.to_string());
        }
        _ => "router_error",
    };
    ApiError::new(StatusCode::BAD_GATEWAY, code, err.to_string())
}

pub fn service_error(err: RouterServiceError) -> ApiError {
    match err {
        RouterServiceError::Router(err) => router_error(&err),
        RouterServiceError::Db(err) => ApiError::internal(err),
        RouterServiceError::NameTaken(name) => {
            ApiError::conflict(format!("a router named {name:?} already exists")).with_field("name")
        }
        RouterServiceError::Invalid(text) => match text.split_once(": ") {
            Some((field, message)) => ApiError::invalid(field.to_owned(), message.to_owned()),
            None => ApiError::invalid("body", text),
        },
    }
}

async fn row(state: &ApiState, id: i32) -> Result<router::Model, ApiError> {
    use sea_orm::EntityTrait;
    router::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("router {id} does not exist")))
}

/// Every router with its poll health.
#[utoipa::path(get, path = "/api/routers", tag = "routers",
    responses((status = 200, body = Vec<RouterView>), (status = 401, body = crate::http::error::ErrorBody)))]
pub async fn list(
    _: Principal,
    State(state): State<ApiState>,
) -> Result<Json<Vec<RouterView>>, ApiError> {
    Ok(Json(service::list(&state.db).await?))
}

/// Tests the connection, then stores the router (its peers are imported separately).
#[utoipa::path(post, path = "/api/routers", tag = "routers", request_body = RouterInput,
    responses((status = 201, body = RouterView), (status = 400, body = crate::http::error::ErrorBody),
        (status = 409, body = crate::http::error::ErrorBody), (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn create(
    _: Principal,
    State(state): State<ApiState>,
    Body(input): Body<RouterInput>,
) -> Result<(StatusCode, Json<RouterView>), ApiError> {
    let new = new_router(input)?;
    let (stored, _) = service::add(&state.db, new, state.clock.now())
        .await
        .map_err(service_error)?;
    let view = service::get(&state.db, stored.id)
        .await?
        .ok_or_else(|| ApiError::internal("router vanished after insert"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/routers/{id}", tag = "routers", params(("id" = i32, Path)),
    responses((status = 200, body = RouterView), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
) -> Result<Json<RouterView>, ApiError> {
    service::get(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("router {id} does not exist")))
}

/// Changes any subset; new connection settings are tested before they are saved.
#[utoipa::path(patch, path = "/api/routers/{id}", tag = "routers", params(("id" = i32, Path)),
    request_body = RouterPatchInput,
    responses((status = 200, body = RouterView), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody), (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn patch(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Body(input): Body<RouterPatchInput>,
) -> Result<Json<RouterView>, ApiError> {
    let patch = RouterPatch {
        name: input
            .name
            .as_deref()
            .map(|n| required("name", n))
            .transpose()?,
        host: input
            .host
            .as_deref()
            .map(|h| required("host", h))
            .transpose()?,
        port: input.port.map(port).transpose()?,
        transport: input.transport.as_deref().map(transport).transpose()?,
        tls: input.tls,
        tls_verify: input.tls_verify,
        tls_fingerprint: input.tls_fingerprint.map(fingerprint).transpose()?,
        username: input
            .username
            .as_deref()
            .map(|u| required("username", u))
            .transpose()?,
        password: input.password,
        poll_enabled: input.poll_enabled,
    };
    service::update(&state.db, id, patch, state.clock.now())
        .await
        .map_err(service_error)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("router {id} does not exist")))
}

/// Deletes the router, its peers and their history.
#[utoipa::path(delete, path = "/api/routers/{id}", tag = "routers", params(("id" = i32, Path)),
    responses((status = 204), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn delete(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    if service::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("router {id} does not exist")))
    }
}

/// Connects with these settings and returns identity, version and board; saves nothing.
#[utoipa::path(post, path = "/api/routers/test", tag = "routers", request_body = RouterInput,
    responses((status = 200, body = RouterTestResult), (status = 400, body = crate::http::error::ErrorBody),
        (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn test(
    _: Principal,
    State(state): State<ApiState>,
    Body(input): Body<RouterInput>,
) -> Result<Json<RouterTestResult>, ApiError> {
    let new = new_router(input)?;
    let info = service::test_connection(&state.db, &new)
        .await
        .map_err(service_error)?;
    Ok(Json(info.into()))
}

/// The router's WireGuard interfaces, live.
#[utoipa::path(get, path = "/api/routers/{id}/interfaces", tag = "routers", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<InterfaceView>), (status = 404, body = crate::http::error::ErrorBody),
        (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn interfaces(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
) -> Result<Json<Vec<InterfaceView>>, ApiError> {
    use crate::routeros::{RouterClient, RouterOs};
    let row = row(&state, id).await?;
    let verify = crate::db::settings::load(&state.db)
        .await?
        .router_tls_verify;
    let client = RouterClient::new(
        crate::db::routers::endpoint(&row, verify, crate::scheduler::poll::ROUTER_TIMEOUT)
            .map_err(|err| router_error(&err))?,
    )
    .map_err(|err| router_error(&err))?;
    let interfaces = client
        .list_interfaces()
        .await
        .map_err(|err| router_error(&err))?;
    let peers = client
        .list_peers()
        .await
        .map_err(|err| router_error(&err))?;
    Ok(Json(
        interfaces
            .into_iter()
            .map(|i| InterfaceView {
                peers: peers.iter().filter(|p| p.interface == i.name).count(),
                name: i.name,
                listen_port: i.listen_port,
                disabled: i.disabled,
                running: i.running,
                public_key: i.public_key,
            })
            .collect(),
    ))
}

/// The router's peers, live, marked tracked or not and pre-selected as the wizard does.
#[utoipa::path(get, path = "/api/routers/{id}/peers", tag = "routers", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<LivePeer>), (status = 404, body = crate::http::error::ErrorBody),
        (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn live_peers(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
) -> Result<Json<Vec<LivePeer>>, ApiError> {
    let row = row(&state, id).await?;
    Ok(Json(
        service::live_peers(&state.db, &row)
            .await
            .map_err(service_error)?,
    ))
}

/// Imports peers: every non-dynamic, non-outbound peer of the named interfaces, or exactly the
/// named public keys. Baselines are today's counters: bytes carried before are not counted.
#[utoipa::path(post, path = "/api/routers/{id}/peers/import", tag = "routers", params(("id" = i32, Path)),
    request_body = ImportInput,
    responses((status = 200, body = ImportResult), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody), (status = 502, body = crate::http::error::ErrorBody)))]
pub async fn import(
    _: Principal,
    State(state): State<ApiState>,
    Id(id): Id,
    Body(input): Body<ImportInput>,
) -> Result<Json<ImportResult>, ApiError> {
    let selection = match (input.interfaces, input.public_keys) {
        (Some(names), None) if !names.is_empty() => ImportSelection::Interfaces(names),
        (None, Some(keys)) if !keys.is_empty() => ImportSelection::PublicKeys(keys),
        _ => {
            return Err(ApiError::invalid(
                "interfaces",
                "give either a non-empty \"interfaces\" or a non-empty \"public_keys\" list",
            ));
        }
    };
    let row = row(&state, id).await?;
    let imported = service::import(&state.db, &row, &selection, state.clock.now())
        .await
        .map_err(service_error)?;
    Ok(Json(ImportResult { imported }))
}
