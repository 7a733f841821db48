//! Settings (SPEC §6): validated, persisted, read by every job on each use so a change applies
//! without a restart. One front door for the API's `GET/PUT /api/settings` and the UI's form.
//!
//! A `PUT` is a JSON object with any subset of the fields; every field is checked first and
//! the first invalid one is refused with its name, so nothing is half-saved. A change of
//! timezone or reset day takes effect at the next cycle boundary (`accounting::calendar`).
//! `webhook_secret` is write-only: reads say only whether one is set.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::accounting::calendar::{Calendar, Segment};
use crate::accounting::cycle::ResetDay;
use crate::db::entities::settings as settings_entity;
use crate::db::{DbError, settings};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Refused input, naming the field.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A field this version does not know.
    #[error("{field}: unknown setting")]
    Unknown { field: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl SettingsError {
    fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The field the error is about, for `{"field": …}` in API errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Unknown { field } => Some(field),
            Self::Db(_) => None,
        }
    }
}

/// `monitor` records what would be disabled; `auto-disable` disables on the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EnforcementMode {
    #[serde(rename = "monitor")]
    Monitor,
    #[serde(rename = "auto-disable")]
    AutoDisable,
}

impl EnforcementMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "monitor" => Some(Self::Monitor),
            "auto-disable" => Some(Self::AutoDisable),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monitor => "monitor",
            Self::AutoDisable => "auto-disable",
        }
    }
}

/// The settings as the API returns them (SPEC §6 names); never the webhook secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
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

impl From<&settings_entity::Model> for SettingsView {
    fn from(row: &settings_entity::Model) -> Self {
        Self {
            poll_interval_seconds: row.poll_interval_seconds,
            online_threshold_seconds: row.online_threshold_seconds,
            reset_day: row.reset_day,
            timezone: row.timezone.clone(),
            default_quota_gb: row.default_quota_gb,
            enforcement_mode: row.enforcement_mode.clone(),
            reenable_at_reset: row.reenable_at_reset,
            router_tls_verify: row.router_tls_verify,
            raw_retention_days: row.raw_retention_days,
            webhook_url: row.webhook_url.clone(),
            webhook_secret_set: row.webhook_secret.as_deref().is_some_and(|s| !s.is_empty()),
            calendar_change_at: row.cycle_change_at,
            updated_at: row.updated_at,
        }
    }
}

pub async fn get(db: &DatabaseConnection) -> Result<SettingsView, SettingsError> {
    Ok(SettingsView::from(&settings::load(db).await?))
}

/// Validates `patch` (a JSON object with any subset of the fields) and stores it whole, or
/// refuses it naming the first bad field and stores nothing.
pub async fn update(
    db: &DatabaseConnection,
    patch: &Value,
    now: DateTime<Utc>,
) -> Result<SettingsView, SettingsError> {
    let Value::Object(fields) = patch else {
        return Err(SettingsError::invalid(
            "settings",
            "expected a JSON object of settings",
        ));
    };
    let txn = crate::db::begin_write(db).await.map_err(DbError::from)?;
    let current = settings::load_in(&txn).await?;
    let mut next = apply_patch(current, fields, now)?;
    if fields.contains_key("webhook_secret")
        && let Some(plain) = next.webhook_secret.take()
    {
        let sealed = crate::secrets::installed()
            .and_then(|key| key.encrypt(&plain, crate::secrets::WEBHOOK_CONTEXT))
            .map_err(|err| SettingsError::invalid("webhook_secret", err.to_string()))?;
        next.webhook_secret = Some(sealed);
    }
    let saved = settings::save_in(&txn, next, now).await?;
    txn.commit().await.map_err(DbError::from)?;
    Ok(SettingsView::from(&saved))
}

/// The row after `fields` are applied; pure, so every rule is unit-testable.
pub fn apply_patch(
    mut row: settings_entity::Model,
    fields: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<settings_entity::Model, SettingsError> {
    // The calendar in force before this change; an unreadable one is replaced outright.
    let before = calendar(&row).ok();
    for (name, value) in fields {
        match name.as_str() {
            "poll_interval_seconds" => {
                row.poll_interval_seconds = int_in("poll_interval_seconds", value, 5, 86_400)?;
            }
            "online_threshold_seconds" => {
                row.online_threshold_seconds =
                    int_in("online_threshold_seconds", value, 1, 86_400)?;
            }
            "reset_day" => {
                let day = int_in("reset_day", value, 1, 28)?;
                row.reset_day = i16::try_from(day)
                    .map_err(|_| SettingsError::invalid("reset_day", "must be 1–28"))?;
            }
            "timezone" => {
                let Some(name) = value.as_str() else {
                    return Err(SettingsError::invalid(
                        "timezone",
                        "must be an IANA timezone name such as \"Europe/Berlin\"",
                    ));
                };
                let tz: Tz = name.parse().map_err(|_| {
                    SettingsError::invalid(
                        "timezone",
                        format!("{name:?} is not an IANA timezone name (e.g. \"Europe/Berlin\")"),
                    )
                })?;
                row.timezone = tz.name().to_owned();
            }
            "default_quota_gb" => {
                row.default_quota_gb = if value.is_null() {
                    None
                } else {
                    Some(i64::from(int_in("default_quota_gb", value, 1, i32::MAX)?))
                };
            }
            "enforcement_mode" => {
                let mode = value
                    .as_str()
                    .and_then(EnforcementMode::parse)
                    .ok_or_else(|| {
                        SettingsError::invalid(
                            "enforcement_mode",
                            "must be \"monitor\" or \"auto-disable\"",
                        )
                    })?;
                row.enforcement_mode = mode.as_str().to_owned();
            }
            "reenable_at_reset" => row.reenable_at_reset = boolean("reenable_at_reset", value)?,
            "router_tls_verify" => row.router_tls_verify = boolean("router_tls_verify", value)?,
            "raw_retention_days" => {
                row.raw_retention_days = int_in("raw_retention_days", value, 1, 3_650)?;
            }
            "webhook_url" => {
                row.webhook_url = match value {
                    Value::Null => None,
                    Value::String(text) if text.trim().is_empty() => None,
                    Value::String(text) => Some(webhook_url(text.trim())?),
                    _ => {
                        return Err(SettingsError::invalid(
                            "webhook_url",
                            "must be an http or https URL, or null",
                        ));
                    }
                };
            }
            "webhook_secret" => {
                row.webhook_secret = match value {
                    Value::Null => None,
                    Value::String(text) if text.is_empty() => None,
                    Value::String(text) if text.len() > 1024 => {
                        return Err(SettingsError::invalid(
                            "webhook_secret",
                            "must be at most 1024 characters",
                        ));
                    }
                    Value::String(text) => Some(text.clone()),
                    _ => {
                        return Err(SettingsError::invalid(
                            "webhook_secret",
                            "must be a string, or null to remove it",
                        ));
                    }
                };
            }
            // Read-only fields a client may echo back from a GET.
            "webhook_secret_set" | "calendar_change_at" | "updated_at" => {}
            other => {
                return Err(SettingsError::Unknown {
                    field: other.to_owned(),
                });
            }
        }
    }
    reschedule_calendar(&mut row, before, now)?;
    Ok(row)
}

/// Moves a timezone or reset-day change to the next cycle boundary (see the module header).
fn reschedule_calendar(
    row: &mut settings_entity::Model,
    before: Option<Calendar>,
    now: DateTime<Utc>,
) -> Result<(), SettingsError> {
    let wanted_tz: Tz = row
        .timezone
        .parse()
        .map_err(|_| SettingsError::invalid("timezone", "not an IANA timezone name"))?;
    let wanted_day = u32::try_from(row.reset_day)
        .ok()
        .and_then(|d| ResetDay::new(d).ok())
        .ok_or_else(|| SettingsError::invalid("reset_day", "must be 1–28"))?;
    let next = match before {
        Some(calendar) => calendar
            .with_change(now, wanted_tz, wanted_day)
            .map_err(|err| SettingsError::invalid("timezone", err.to_string()))?,
        None => Calendar::fixed(wanted_tz, wanted_day),
    };
    store_calendar(row, &next);
    Ok(())
}

fn store_calendar(row: &mut settings_entity::Model, calendar: &Calendar) {
    row.cycle_timezone = calendar.current.timezone.name().to_owned();
    row.cycle_reset_day = i16::try_from(calendar.current.reset_day.get()).unwrap_or(1);
    row.cycle_anchor = calendar.current.anchor;
    row.cycle_change_at = calendar.next.map(|(_, at)| at);
}

/// The billing calendar stored in the settings row: the one in force, and the admin's choice
/// (`timezone`, `reset_day`) pending from `cycle_change_at` when that is set.
pub fn calendar(row: &settings_entity::Model) -> Result<Calendar, String> {
    let parse_tz = |name: &str| -> Result<Tz, String> {
        name.parse()
            .map_err(|_| format!("timezone {name:?} is not an IANA name"))
    };
    let parse_day = |day: i16| -> Result<ResetDay, String> {
        u32::try_from(day)
            .ok()
            .and_then(|d| ResetDay::new(d).ok())
            .ok_or_else(|| format!("reset_day {day} is not 1–28"))
    };
    // With no change pending the chosen values are the ones in force (so a row written
    // directly, as the migration and tests do, applies at once); the `cycle_*` copies matter
    // only while a change waits for its boundary.
    let current = if row.cycle_change_at.is_some() {
        Segment {
            timezone: parse_tz(&row.cycle_timezone)?,
            reset_day: parse_day(row.cycle_reset_day)?,
            anchor: row.cycle_anchor,
        }
    } else {
        Segment {
            timezone: parse_tz(&row.timezone)?,
            reset_day: parse_day(row.reset_day)?,
            anchor: row.cycle_anchor,
        }
    };
    let next = match row.cycle_change_at {
        Some(at) => Some((
            Segment::plain(parse_tz(&row.timezone)?, parse_day(row.reset_day)?),
            at,
        )),
        None => None,
    };
    Ok(Calendar { current, next })
}

fn int_in(field: &'static str, value: &Value, min: i32, max: i32) -> Result<i32, SettingsError> {
    let refuse =
        || SettingsError::invalid(field, format!("must be a whole number from {min} to {max}"));
    let number = value.as_i64().ok_or_else(refuse)?;
    let number = i32::try_from(number).map_err(|_| refuse())?;
    if (min..=max).contains(&number) {
        Ok(number)
    } else {
        Err(refuse())
    }
}

fn boolean(field: &'static str, value: &Value) -> Result<bool, SettingsError> {
    value
        .as_bool()
        .ok_or_else(|| SettingsError::invalid(field, "must be true or false"))
}

fn webhook_url(text: &str) -> Result<String, SettingsError> {
    let url = url::Url::parse(text).map_err(|err| {
        SettingsError::invalid("webhook_url", format!("{text:?} is not a URL: {err}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SettingsError::invalid(
            "webhook_url",
            "must be an http or https URL with a host",
        ));
    }
    Ok(url.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn defaults() -> settings_entity::Model {
        settings_entity::Model {
            id: 1,
            poll_interval_seconds: 30,
            online_threshold_seconds: 15,
            reset_day: 1,
            timezone: "UTC".to_owned(),
            default_quota_gb: None,
            enforcement_mode: "monitor".to_owned(),
            reenable_at_reset: true,
            router_tls_verify: true,
            raw_retention_days: 7,
            webhook_url: None,
            webhook_secret: None,
            updated_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            cycle_timezone: "UTC".to_owned(),
            cycle_reset_day: 1,
            cycle_anchor: None,
            cycle_change_at: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap()
    }

    fn refused(patch: Value) -> String {
        let Value::Object(fields) = patch else {
            unreachable!()
        };
        match apply_patch(defaults(), &fields, now()) {
            Err(err) => err.field().unwrap_or("").to_owned(),
            Ok(_) => "accepted".to_owned(),
        }
    }

    #[test]
    fn each_invalid_field_is_named() {
        let cases = [
            (json!({"poll_interval_seconds": 4}), "poll_interval_seconds"),
            (
                json!({"poll_interval_seconds": "30"}),
                "poll_interval_seconds",
            ),
            (
                json!({"online_threshold_seconds": 0}),
                "online_threshold_seconds",
            ),
            (json!({"reset_day": 29}), "reset_day"),
            (json!({"reset_day": 0}), "reset_day"),
            (json!({"reset_day": 1.5}), "reset_day"),
            (json!({"timezone": "Mars/Olympus"}), "timezone"),
            (json!({"timezone": 3}), "timezone"),
            (json!({"default_quota_gb": -1}), "default_quota_gb"),
            (json!({"default_quota_gb": 0}), "default_quota_gb"),
            (json!({"enforcement_mode": "auto"}), "enforcement_mode"),
            (json!({"reenable_at_reset": "yes"}), "reenable_at_reset"),
            (json!({"router_tls_verify": 1}), "router_tls_verify"),
            (json!({"raw_retention_days": 0}), "raw_retention_days"),
            (json!({"webhook_url": "ftp://example.net/x"}), "webhook_url"),
            (json!({"webhook_url": "not a url"}), "webhook_url"),
            (json!({"webhook_secret": 42}), "webhook_secret"),
            (json!({"quota": 3}), "quota"),
            // The bad field is named even when valid ones come with it.
            (
                json!({"poll_interval_seconds": 60, "reset_day": 31}),
                "reset_day",
            ),
        ];
        for (patch, field) in cases {
            assert_eq!(refused(patch.clone()), field, "{patch}");
        }
    }

    #[test]
    fn valid_values_are_stored() {
        let Value::Object(fields) = json!({
            "poll_interval_seconds": 60,
            "online_threshold_seconds": 20,
            "default_quota_gb": 50,
            "enforcement_mode": "auto-disable",
            "reenable_at_reset": false,
            "router_tls_verify": false,
            "raw_retention_days": 30,
            "webhook_url": "https://hooks.example.net/wgmik",
            "webhook_secret": "s3cret",
        }) else {
            unreachable!()
        };
        let row = apply_patch(defaults(), &fields, now()).unwrap();
        assert_eq!(row.poll_interval_seconds, 60);
        assert_eq!(row.online_threshold_seconds, 20);
        assert_eq!(row.default_quota_gb, Some(50));
        assert_eq!(row.enforcement_mode, "auto-disable");
        assert!(!row.reenable_at_reset && !row.router_tls_verify);
        assert_eq!(row.raw_retention_days, 30);
        assert_eq!(
            row.webhook_url.as_deref(),
            Some("https://hooks.example.net/wgmik")
        );
        assert_eq!(row.webhook_secret.as_deref(), Some("s3cret"));
        assert!(!SettingsView::from(&row).webhook_secret_set.eq(&false));
        // No calendar change: nothing pending.
        assert_eq!(row.cycle_change_at, None);
    }

    #[test]
    fn a_calendar_change_is_pending_until_the_cycle_ends() {
        let Value::Object(fields) = json!({"reset_day": 15, "timezone": "Europe/Berlin"}) else {
            unreachable!()
        };
        let row = apply_patch(defaults(), &fields, now()).unwrap();
        assert_eq!(row.reset_day, 15);
        assert_eq!(row.timezone, "Europe/Berlin");
        assert_eq!(row.cycle_timezone, "UTC");
        assert_eq!(row.cycle_reset_day, 1);
        assert_eq!(
            row.cycle_change_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap())
        );
        let cal = calendar(&row).unwrap();
        assert_eq!(
            cal.cycle_at(now()).unwrap().start.to_string(),
            "2026-11-01 00:00:00 UTC"
        );
    }

    #[test]
    fn null_clears_nullable_fields() {
        let mut start = defaults();
        start.default_quota_gb = Some(5);
        start.webhook_url = Some("https://x.example/".to_owned());
        start.webhook_secret = Some("k".to_owned());
        let Value::Object(fields) =
            json!({"default_quota_gb": null, "webhook_url": null, "webhook_secret": null})
        else {
            unreachable!()
        };
        let row = apply_patch(start, &fields, now()).unwrap();
        assert_eq!(row.default_quota_gb, None);
        assert_eq!(row.webhook_url, None);
        assert_eq!(row.webhook_secret, None);
    }
}
