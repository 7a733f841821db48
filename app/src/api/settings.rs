//! Server functions of the Settings page: read the settings (SPEC §6) and the routers, save the
//! settings from the form's fields, and change or delete a router. Each calls the JSON API's
//! own handler (`server::http::api::{settings, routers}`), so the page and `/api` share rules
//! and error messages; saving goes through the same form-to-patch conversion as the page's
//! no-JavaScript `POST /settings` (`server::http::forms`).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::UiError;
use crate::types::RouterInfo;

/// The settings as `GET /api/settings` reads them (never the webhook secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsInfo {
    pub poll_interval_seconds: i32,
    pub online_threshold_seconds: i32,
    pub reset_day: i16,
    pub timezone: String,
    pub default_quota_gb: Option<i64>,
    pub enforcement_mode: String,
    pub reenable_at_reset: bool,
    pub router_tls_verify: bool,
    pub raw_retention_days: i32,
    pub webhook_url: Option<String>,
    pub webhook_secret_set: bool,
    /// When a pending timezone or reset-day change takes effect (the next cycle boundary).
    pub calendar_change_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A router edit as the inline form holds it: text as typed, converted on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterEdit {
    pub name: String,
    pub host: String,
    /// Empty = the transport's default port.
    pub port: String,
    pub tls: bool,
    /// `inherit` (follow the global setting), `on` or `off`.
    pub tls_verify: String,
    /// Empty = no pinned certificate.
    pub tls_fingerprint: String,
    pub username: String,
    /// Empty = keep the stored password.
    pub password: String,
}

impl RouterEdit {
    /// The form's starting values for `router`.
    pub fn from_router(router: &RouterInfo) -> Self {
        Self {
            name: router.name.clone(),
            host: router.host.clone(),
            port: router.port.map(|p| p.to_string()).unwrap_or_default(),
            tls: router.tls,
            tls_verify: tls_verify_choice(router.tls_verify).to_owned(),
            tls_fingerprint: router.tls_fingerprint.clone().unwrap_or_default(),
            username: router.username.clone(),
            password: String::new(),
        }
    }
}

/// The select's value for a router's `tls_verify`.
pub fn tls_verify_choice(value: Option<bool>) -> &'static str {
    match value {
        None => "inherit",
        Some(true) => "on",
        Some(false) => "off",
    }
}

/// The select's value back as the API's `tls_verify` (`None` = follow the global setting).
pub fn parse_tls_verify(choice: &str) -> Result<Option<bool>, UiError> {
    match choice {
        "inherit" | "" => Ok(None),
        "on" => Ok(Some(true)),
        "off" => Ok(Some(false)),
        _ => Err(UiError::invalid("tls_verify", "choose inherit, on or off")),
    }
}

/// The port field: empty = the default port; otherwise 1–65535.
pub fn parse_port(text: &str) -> Result<Option<u16>, UiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(Some(port)),
        _ => Err(UiError::invalid(
            "port",
            "must be a port number from 1 to 65535, or empty for the default",
        )),
    }
}

#[server]
pub async fn get_settings() -> Result<SettingsInfo, UiError> {
    use axum::extract::State;
    use server::http::api::settings;

    let (api, principal) = crate::api::ctx::caller().await?;
    crate::api::ctx::relay_json(settings::get(principal, State(api)).await)
}

#[server]
pub async fn list_routers() -> Result<Vec<RouterInfo>, UiError> {
    use axum::extract::State;
    use server::http::api::routers;

    let (api, principal) = crate::api::ctx::caller().await?;
    crate::api::ctx::relay_json(routers::list(principal, State(api)).await)
}

/// Saves the form's fields (name, value pairs as a browser would post them).
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_settings(fields: Vec<(String, String)>) -> Result<SettingsInfo, UiError> {
    use axum::extract::State;
    use server::http::api::body::Body;
    use server::http::api::settings;

    let (api, principal) = crate::api::ctx::caller().await?;
    let patch = server::http::forms::settings_patch(&fields)?;
    crate::api::ctx::relay_json(settings::put(principal, State(api), Body(patch)).await)
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn update_router(id: i32, edit: RouterEdit) -> Result<RouterInfo, UiError> {
    use axum::extract::State;
    use server::http::api::body::Body;
    use server::http::api::path::Id;
    use server::http::api::routers::{self, RouterPatchInput};

    let (api, principal) = crate::api::ctx::caller().await?;
    let fingerprint = edit.tls_fingerprint.trim().to_owned();
    let input = RouterPatchInput {
        name: Some(edit.name),
        host: Some(edit.host),
        port: Some(parse_port(&edit.port)?),
        transport: None,
        tls: Some(edit.tls),
        tls_verify: Some(parse_tls_verify(&edit.tls_verify)?),
        tls_fingerprint: Some((!fingerprint.is_empty()).then_some(fingerprint)),
        username: Some(edit.username),
        password: (!edit.password.is_empty()).then_some(edit.password),
        poll_enabled: None,
    };
    crate::api::ctx::relay_json(routers::patch(principal, State(api), Id(id), Body(input)).await)
}

#[server]
pub async fn delete_router(id: i32) -> Result<(), UiError> {
    use axum::extract::State;
    use server::http::api::path::Id;
    use server::http::api::routers;

    let (api, principal) = crate::api::ctx::caller().await?;
    routers::delete(principal, State(api), Id(id)).await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tls_verify_round_trips_through_the_select() {
        for value in [None, Some(true), Some(false)] {
            assert_eq!(parse_tls_verify(tls_verify_choice(value)), Ok(value));
        }
        let err = parse_tls_verify("maybe").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tls_verify"));
    }

    #[test]
    fn an_empty_port_is_the_default_and_zero_is_refused() {
        assert_eq!(parse_port(" "), Ok(None));
        assert_eq!(parse_port("8729"), Ok(Some(8729)));
        for bad in ["0", "65536", "http"] {
            assert_eq!(
                parse_port(bad).unwrap_err().field.as_deref(),
                Some("port"),
                "{bad}"
            );
        }
    }
}
