//! Query-string and context helpers shared by the API handlers: every parse error names the
//! parameter, and the settings and billing cycle are read once per request.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use crate::accounting::calendar::Calendar;
use crate::accounting::cycle::Cycle;
use crate::db::entities::settings as settings_entity;
use crate::db::settings;
use crate::http::ApiError;

pub type Params = HashMap<String, String>;

/// The settings row, its calendar and the cycle running at `now`.
pub struct Context {
    pub settings: settings_entity::Model,
    pub calendar: Calendar,
    pub cycle: Cycle,
    pub now: DateTime<Utc>,
}

pub async fn context(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Context, ApiError> {
    let settings = settings::load(db).await?;
    let calendar = crate::service::settings::calendar(&settings).map_err(ApiError::internal)?;
    let cycle = calendar.cycle_at(now).map_err(ApiError::internal)?;
    Ok(Context {
        settings,
        calendar,
        cycle,
        now,
    })
}

/// An instant: RFC 3339 (`2026-11-01T00:00:00Z`) or a local date (`2026-11-01`, midnight in
/// the configured timezone).
pub fn instant(
    params: &Params,
    name: &str,
    ctx: &Context,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let tz = ctx.calendar.timezone_at(ctx.now);
        return crate::accounting::bucket::local_day_start(date, tz)
            .map(Some)
            .map_err(|err| ApiError::invalid(name, err.to_string()));
    }
    Err(ApiError::invalid(
        name,
        format!(
            "{text:?} is neither an RFC 3339 instant (2026-11-01T00:00:00Z) nor a date (2026-11-01)"
        ),
    ))
}

/// The largest `offset` a list takes: SQL's OFFSET is a signed 64-bit integer on SQLite and
/// PostgreSQL (a larger one made the SQLite driver panic).
pub const MAX_OFFSET: u64 = i64::MAX.unsigned_abs();

pub fn uint(
    params: &Params,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                name,
                format!("must be a whole number from {min} to {max}"),
            )),
        },
    }
}

pub fn int(params: &Params, name: &str) -> Result<Option<i32>, ApiError> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse::<i32>()
            .map(Some)
            .map_err(|_| ApiError::invalid(name, "must be a whole number")),
    }
}

pub fn boolean(params: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match params.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(name, "must be true or false")),
    }
}

/// `order=asc|desc` (default `default_desc`).
pub fn descending(params: &Params, default_desc: bool) -> Result<bool, ApiError> {
    match params.get("order").map(|s| s.trim()) {
        None | Some("") => Ok(default_desc),
        Some("desc") => Ok(true),
        Some("asc") => Ok(false),
        Some(_) => Err(ApiError::invalid("order", "must be asc or desc")),
    }
}

/// Only the parameters a route knows: a typo is an error, not silently ignored.
pub fn only(params: &Params, known: &[&str]) -> Result<(), ApiError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::invalid(
            unknown.clone(),
            format!("unknown parameter; this route takes {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}
