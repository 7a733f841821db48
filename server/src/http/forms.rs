//! Plain HTML form endpoints for the signed-in pages, so they work with JavaScript off
//! (progressive enhancement; the login and setup forms live in `auth::pages`).
//!
//! `POST /settings` takes the Settings page's `application/x-www-form-urlencoded` post,
//! turns the text fields into the JSON patch the API takes, and hands it to the API's own
//! `PUT /api/settings` handler, so the form, the page's server function and `/api` share one
//! path and one set of rules. The answer is a 303: to `/settings?saved=1`, or back to the
//! form with the error (code, field, words) and the values typed, so nothing typed is lost.

use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::ApiError;
use super::api::ApiState;
use super::api::body::Body;
use crate::auth::Principal;

/// Where the Settings page's form posts (the page's own path; GET is the page).
pub const SETTINGS_FORM: &str = "/settings";

/// Whole-number settings; the service checks their ranges.
const NUMBER_FIELDS: [&str; 4] = [
    "poll_interval_seconds",
    "online_threshold_seconds",
    "reset_day",
    "raw_retention_days",
];
/// Settings shown as checkboxes. An unchecked box is absent from a post, so the page puts a
/// hidden `false` of the same name before each box; the box's `true`, when ticked, comes
/// later and wins.
pub const CHECKBOX_FIELDS: [&str; 2] = ["reenable_at_reset", "router_tls_verify"];
/// The "remove the stored webhook secret" checkbox (the secret itself is never shown).
pub const CLEAR_SECRET: &str = "clear_webhook_secret";
/// Never echoed back into a URL.
const SECRET: &str = "webhook_secret";

/// The fields a post may carry: the form's own, each named as in SPEC §6.
fn known(name: &str) -> bool {
    NUMBER_FIELDS.contains(&name)
        || CHECKBOX_FIELDS.contains(&name)
        || matches!(
            name,
            "timezone"
                | "default_quota_gb"
                | "enforcement_mode"
                | "webhook_url"
                | SECRET
                | CLEAR_SECRET
        )
}

/// The posted pairs with the last value of each name kept (see [`CHECKBOX_FIELDS`]), in the
/// order the names first appeared.
pub fn last_values(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in pairs {
        match out.iter_mut().find(|(seen, _)| seen == name) {
            Some(slot) => slot.1 = value.clone(),
            None => out.push((name.clone(), value.clone())),
        }
    }
    out
}

fn checkbox(value: &str) -> Value {
    match value {
        "true" | "on" => Value::Bool(true),
        "false" | "" => Value::Bool(false),
        // Left as text so the service refuses it naming the field.
        other => Value::String(other.to_owned()),
    }
}

/// The settings patch (the JSON object `PUT /api/settings` takes) for a posted form. Fields
/// left out of the post are left unchanged. Values that are not numbers stay text so the
/// service refuses them with its own message (which states the allowed range).
pub fn settings_patch(pairs: &[(String, String)]) -> Result<Value, ApiError> {
    let fields = last_values(pairs);
    let value_of = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let clear_secret = value_of(CLEAR_SECRET).is_some_and(|v| checkbox(v) == Value::Bool(true));
    let mut patch = Map::new();
    for (name, raw) in &fields {
        let text = raw.trim();
        let value = match name.as_str() {
            n if NUMBER_FIELDS.contains(&n) => number(text),
            n if CHECKBOX_FIELDS.contains(&n) => checkbox(text),
            "default_quota_gb" if text.is_empty() => Value::Null,
            "default_quota_gb" => number(text),
            "webhook_url" if text.is_empty() => Value::Null,
            "timezone" | "enforcement_mode" | "webhook_url" => Value::String(text.to_owned()),
            SECRET => {
                // Write-only: empty keeps the stored one; clearing is its own checkbox.
                if raw.is_empty() {
                    continue;
                }
                if clear_secret {
                    return Err(ApiError::invalid(
                        SECRET,
                        "type a new secret or tick \"remove the secret\", not both",
                    ));
                }
                Value::String(raw.clone())
            }
            CLEAR_SECRET => continue,
            other => {
                return Err(ApiError::invalid(
                    other.to_owned(),
                    format!("{other}: unknown setting"),
                ));
            }
        };
        patch.insert(name.clone(), value);
    }
    if clear_secret && !patch.contains_key(SECRET) {
        patch.insert(SECRET.to_owned(), Value::Null);
    }
    Ok(Value::Object(patch))
}

fn number(text: &str) -> Value {
    text.parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A 303 to `location` (after a form POST the browser GETs it).
fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

/// Back to the form: the error's code, field and words, then the values typed (never the
/// secret), so the page can show the message beside the field and keep what was typed.
pub fn error_location(err: &ApiError, pairs: &[(String, String)]) -> String {
    let mut location = format!(
        "{SETTINGS_FORM}?error={}&message={}",
        encode(err.code),
        encode(&err.message)
    );
    if let Some(field) = &err.field {
        location.push_str(&format!("&field={}", encode(field)));
    }
    for (name, value) in last_values(pairs) {
        if name != SECRET && known(&name) {
            location.push_str(&format!("&{}={}", encode(&name), encode(&value)));
        }
    }
    location
}

/// `POST /settings` (form): saves the settings through the API's handler, then back to the
/// page (see the module header). Needs a signed-in session from one of our pages.
pub async fn settings_form(
    principal: Result<Principal, ApiError>,
    State(state): State<ApiState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let principal = match principal {
        Ok(principal) => principal,
        // An expired session: sign in again, then come back to the page.
        Err(err) if err.status == StatusCode::UNAUTHORIZED => {
            return see_other(&format!(
                "{}?next={}",
                crate::auth::pages::LOGIN_PATH,
                encode(SETTINGS_FORM)
            ));
        }
        Err(err) => return err.into_response(),
    };
    let patch = match settings_patch(&pairs) {
        Ok(patch) => patch,
        Err(err) => return see_other(&error_location(&err, &pairs)),
    };
    match super::api::settings::put(principal, State(state), Body(patch)).await {
        Ok(_) => see_other(&format!("{SETTINGS_FORM}?saved=1")),
        Err(err) => see_other(&error_location(&err, &pairs)),
    }
}

/// The form endpoints, bound to the API state, for `wgmik serve` to merge beside the pages
/// (the page's GET route and this POST share the path).
pub fn form_routes<S>(state: ApiState) -> axum::Router<S> {
    axum::Router::new()
        .route(SETTINGS_FORM, axum::routing::post(settings_form))
        .with_state(state)
}
