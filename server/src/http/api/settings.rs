//! `GET/PUT /api/settings` (SPEC §6): `PUT` takes any subset, refuses a bad value naming the
//! field with nothing saved, and returns the whole object (never the webhook secret).

use axum::Json;
use axum::extract::State;

use super::ApiState;
use super::body::Body;
use crate::auth::Principal;
use crate::http::ApiError;
use crate::service::settings::{self as service, SettingsError, SettingsView};

fn settings_error(err: SettingsError) -> ApiError {
    match err {
        SettingsError::Invalid { field, message } => ApiError::invalid(field, message),
        SettingsError::Unknown { field } => {
            ApiError::invalid(field.clone(), format!("{field}: unknown setting"))
        }
        SettingsError::Db(err) => ApiError::internal(err),
    }
}

#[utoipa::path(get, path = "/api/settings", tag = "settings",
    responses((status = 200, body = SettingsView), (status = 401, body = crate::http::error::ErrorBody)))]
pub async fn get(
    _: Principal,
    State(state): State<ApiState>,
) -> Result<Json<SettingsView>, ApiError> {
    service::get(&state.db)
        .await
        .map(Json)
        .map_err(settings_error)
}

#[utoipa::path(put, path = "/api/settings", tag = "settings", request_body = Object,
    responses((status = 200, body = SettingsView), (status = 400, body = crate::http::error::ErrorBody)))]
pub async fn put(
    _: Principal,
    State(state): State<ApiState>,
    Body(patch): Body<serde_json::Value>,
) -> Result<Json<SettingsView>, ApiError> {
    service::update(&state.db, &patch, state.clock.now())
        .await
        .map(Json)
        .map_err(settings_error)
}
