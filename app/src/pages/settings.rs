//! Settings page (SPEC §6, §10): every setting in one form, and the routers below it.
//!
//! The form is a plain `POST /settings` (handled by `server::http::forms`), so it works with
//! JavaScript off: the server redirects back with `?saved=1`, or with the error's code, field
//! and words plus the values typed, which this page reads from the query to show the message
//! beside its field and keep the input. With JavaScript on, the same form is enhanced: submit
//! calls the `save_settings` server function (same conversion, same handler) and shows the
//! result without a reload. Unchecked checkboxes are absent from a post, so each has a hidden
//! `false` of the same name before it; a ticked box's `true` comes later and wins.

mod routers;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::api::settings::{SettingsInfo, get_settings};
use crate::components::card::Card;
use crate::components::input::{INPUT_CLASS, Input, LABEL_CLASS};
use crate::components::layout::PageHeader;
use crate::components::shimmer::Shimmer;
use crate::error::UiError;
use crate::format;
use crate::resource::resource;

/// The form's fields, named as in SPEC §6 (and as the inputs' ids).
pub const SETTINGS_FIELDS: [&str; 11] = [
    "poll_interval_seconds",
    "online_threshold_seconds",
    "reset_day",
    "timezone",
    "default_quota_gb",
    "enforcement_mode",
    "reenable_at_reset",
    "router_tls_verify",
    "raw_retention_days",
    "webhook_url",
    "webhook_secret",
];

/// Offered in the timezone field's list; any IANA name may be typed.
const COMMON_ZONES: [&str; 24] = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

const CHECKBOX_CLASS: &str = "h-4 w-4 rounded border-gray-300 text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";
const SUBMIT_CLASS: &str = "rounded bg-gray-900 px-4 py-2 text-sm font-medium text-white shadow-sm transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50";

/// The error a no-JavaScript post came back with (`?error=…&message=…&field=…`).
pub fn error_from_query(query: &ParamsMap) -> Option<UiError> {
    let code = query.get("error")?;
    Some(UiError {
        message: query
            .get("message")
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "The settings could not be saved.".to_owned()),
        field: query.get("field").filter(|f| !f.is_empty()),
        code,
    })
}

/// The text a field starts with: what was typed before a refused post, else the stored value.
fn initial(query: &ParamsMap, refused: bool, name: &str, stored: String) -> String {
    if refused {
        query.get(name).unwrap_or(stored)
    } else {
        stored
    }
}

/// A checkbox's starting state, by the same rule as [`initial`].
fn initial_checked(query: &ParamsMap, refused: bool, name: &str, stored: bool) -> bool {
    match query.get(name).filter(|_| refused).as_deref() {
        Some("true" | "on") => true,
        Some(_) => false,
        None => stored,
    }
}

/// An error not about one of the form's fields goes to the form's own error line.
fn general_error(error: &UiError) -> Option<String> {
    match error.field.as_deref() {
        Some(field) if SETTINGS_FIELDS.contains(&field) => None,
        _ => Some(error.message.clone()),
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = resource(|| (), |()| get_settings());
    view! {
        <PageHeader
            title="Settings"
            subtitle="Polling, billing cycle, quotas, enforcement and alerts. Changes apply without a restart."
        />
        <div class="space-y-6">
            <Transition fallback=|| view! { <Card><Shimmer /></Card> }>
                {move || {
                    settings
                        .get()
                        .map(|answer| match answer {
                            Ok(current) => {
                                let global_verify = current.router_tls_verify;
                                view! {
                                    <SettingsForm current />
                                    <routers::RoutersCard global_verify />
                                }
                                    .into_any()
                            }
                            Err(err) => {
                                view! {
                                    <Card>
                                        <p id="settings-error" role="alert" class="text-sm text-red-600">
                                            {err.message}
                                        </p>
                                    </Card>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </div>
    }
}

/// The settings form, starting from `current` (or from what was typed before a refusal).
#[component]
fn SettingsForm(current: SettingsInfo) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let refused = query.get("error").is_some();
    let error = RwSignal::new(error_from_query(&query));
    let saved = RwSignal::new(query.get("saved").as_deref() == Some("1") && !refused);
    let pending = RwSignal::new(false);
    let shown = RwSignal::new(current.clone());
    let secret = RwSignal::new(String::new());
    let clear_secret = RwSignal::new(false);

    let field_error = move |name: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.for_field(name))))
    };
    let text = |name: &str, stored: String| initial(&query, refused, name, stored);
    let checked = |name: &str, stored: bool| initial_checked(&query, refused, name, stored);
    let mode = text("enforcement_mode", current.enforcement_mode.clone());
    let timezone = text("timezone", current.timezone.clone());
    let poll_interval = text(
        "poll_interval_seconds",
        current.poll_interval_seconds.to_string(),
    );
    let online_threshold = text(
        "online_threshold_seconds",
        current.online_threshold_seconds.to_string(),
    );
    let retention = text("raw_retention_days", current.raw_retention_days.to_string());
    let reset_day = text("reset_day", current.reset_day.to_string());
    let quota = text(
        "default_quota_gb",
        current
            .default_quota_gb
            .map(|q| q.to_string())
            .unwrap_or_default(),
    );
    let webhook_url = text(
        "webhook_url",
        current.webhook_url.clone().unwrap_or_default(),
    );
    let tls_verify_checked = checked("router_tls_verify", current.router_tls_verify);
    let reenable_checked = checked("reenable_at_reset", current.reenable_at_reset);
    let secret_hint = if current.webhook_secret_set {
        "A secret is stored (never shown). Leave empty to keep it."
    } else {
        "None stored. Used to sign each alert (HMAC-SHA256)."
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            // Without the fields (an unexpected DOM) the browser's own post still works.
            let Some(fields) = enhance::form_fields(&ev) else {
                return;
            };
            ev.prevent_default();
            pending.set(true);
            leptos::task::spawn_local(async move {
                match crate::api::settings::save_settings(fields).await {
                    Ok(view) => {
                        error.set(None);
                        saved.set(true);
                        shown.set(view);
                        secret.set(String::new());
                        clear_secret.set(false);
                    }
                    Err(err) => {
                        saved.set(false);
                        error.set(Some(err));
                    }
                }
                pending.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    view! {
        <Card>
            <form id="settings-form" method="post" action="/settings" class="space-y-6" on:submit=on_submit>
                <PendingCalendar shown />
                <fieldset class="grid grid-cols-1 gap-4 sm:grid-cols-2">
                    <legend class="mb-2 text-base font-semibold text-gray-900">"Polling"</legend>
                    <Input
                        name="poll_interval_seconds"
                        label="Poll interval (seconds)"
                        kind="number"
                        value=poll_interval
                        hint="How often each router is read: 5–86400."
                        error=field_error("poll_interval_seconds")
                    />
                    <Input
                        name="online_threshold_seconds"
                        label="Online threshold (seconds)"
                        kind="number"
                        value=online_threshold
                        hint="A peer is online when its counters moved within this time: 1–86400."
                        error=field_error("online_threshold_seconds")
                    />
                    <Input
                        name="raw_retention_days"
                        label="Keep raw samples (days)"
                        kind="number"
                        value=retention
                        hint="Hourly and daily totals are kept for ever: 1–3650."
                        error=field_error("raw_retention_days")
                    />
                    <Checkbox
                        name="router_tls_verify"
                        label="Verify router TLS certificates"
                        hint="Default for routers set to \u{201c}inherit\u{201d}. Turn off only for self-signed certificates you cannot pin."
                        checked=tls_verify_checked
                        error=field_error("router_tls_verify")
                    />
                </fieldset>
                <fieldset class="grid grid-cols-1 gap-4 sm:grid-cols-2">
                    <legend class="mb-2 text-base font-semibold text-gray-900">"Billing cycle"</legend>
                    <Input
                        name="reset_day"
                        label="Reset day of the month"
                        kind="number"
                        value=reset_day
                        hint="1–28. A change takes effect when the running cycle ends."
                        error=field_error("reset_day")
                    />
                    <div>
                        <label for="timezone" class=LABEL_CLASS>"Timezone"</label>
                        <input
                            id="timezone"
                            name="timezone"
                            type="text"
                            list="timezone-list"
                            autocomplete="off"
                            class=INPUT_CLASS
                            value=timezone
                            aria-invalid=move || field_error("timezone").get().is_some().to_string()
                            aria-describedby="timezone-error"
                        />
                        <datalist id="timezone-list">
                            {COMMON_ZONES.map(|zone| view! { <option value=zone></option> })}
                        </datalist>
                        <p class="mt-1 text-xs text-gray-500">
                            "An IANA name such as Europe/Berlin; days and cycles follow it."
                        </p>
                        <p id="timezone-error" class="mt-1 text-sm text-red-600" role="alert">
                            {move || field_error("timezone").get()}
                        </p>
                    </div>
                </fieldset>
                <fieldset class="grid grid-cols-1 gap-4 sm:grid-cols-2">
                    <legend class="mb-2 text-base font-semibold text-gray-900">"Quotas and enforcement"</legend>
                    <Input
                        name="default_quota_gb"
                        label="Default quota (GB per cycle)"
                        kind="number"
                        value=quota
                        placeholder="Unlimited"
                        hint="For peers set to \u{201c}default\u{201d}. Empty = unlimited. 1 GB = 10⁹ bytes."
                        error=field_error("default_quota_gb")
                    />
                    <div>
                        <label for="enforcement_mode" class=LABEL_CLASS>"Enforcement"</label>
                        <select
                            id="enforcement_mode"
                            name="enforcement_mode"
                            class=INPUT_CLASS
                            aria-describedby="enforcement_mode-error"
                        >
                            <option value="monitor" selected=mode == "monitor">
                                "Monitor: record what would be disabled"
                            </option>
                            <option value="auto-disable" selected=mode == "auto-disable">
                                "Auto-disable: disable over-quota peers on the router"
                            </option>
                        </select>
                        <p id="enforcement_mode-error" class="mt-1 text-sm text-red-600" role="alert">
                            {move || field_error("enforcement_mode").get()}
                        </p>
                    </div>
                    <Checkbox
                        name="reenable_at_reset"
                        label="Re-enable quota-disabled peers when the cycle resets"
                        hint="Peers disabled by hand stay disabled."
                        checked=reenable_checked
                        error=field_error("reenable_at_reset")
                    />
                </fieldset>
                <fieldset class="grid grid-cols-1 gap-4 sm:grid-cols-2">
                    <legend class="mb-2 text-base font-semibold text-gray-900">"Alerts"</legend>
                    <Input
                        name="webhook_url"
                        label="Webhook URL"
                        kind="url"
                        value=webhook_url
                        placeholder="None"
                        hint="Alerts are POSTed here as JSON. Empty = no webhook."
                        error=field_error("webhook_url")
                    />
                    <div>
                        <Input
                            name="webhook_secret"
                            label="Webhook secret"
                            kind="password"
                            value=secret
                            on_input=move |typed: String| secret.set(typed)
                            hint=secret_hint
                            error=field_error("webhook_secret")
                        />
                        <input type="hidden" name="clear_webhook_secret" value="false" />
                        <div class="mt-2 flex items-center gap-2">
                            <input
                                id="clear_webhook_secret"
                                name="clear_webhook_secret"
                                type="checkbox"
                                value="true"
                                class=CHECKBOX_CLASS
                                prop:checked=clear_secret
                                on:change=move |ev| clear_secret.set(event_target_checked(&ev))
                            />
                            <label for="clear_webhook_secret" class="text-sm text-gray-700">
                                "Remove the stored secret"
                            </label>
                        </div>
                    </div>
                </fieldset>
                <div class="flex flex-wrap items-center gap-4">
                    <button id="settings-save" type="submit" class=SUBMIT_CLASS disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Save settings" }}
                    </button>
                    <Show when=move || saved.get()>
                        <p id="settings-saved" role="status" class="text-sm text-green-700">
                            "Settings saved. They apply from the next poll."
                        </p>
                    </Show>
                    <p id="settings-error" role="alert" class="text-sm text-red-600">
                        {move || error.with(|e| e.as_ref().and_then(general_error))}
                    </p>
                </div>
            </form>
        </Card>
    }
}

/// A checkbox that always posts: a hidden `false` first, the box's `true` after it.
#[component]
fn Checkbox(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    view! {
        <div>
            <input type="hidden" name=name value="false" />
            <div class="mt-6 flex items-start gap-2">
                <input
                    id=name
                    name=name
                    type="checkbox"
                    value="true"
                    checked=checked
                    class=format!("mt-0.5 {CHECKBOX_CLASS}")
                    aria-describedby=error_id.clone()
                />
                <label for=name class=LABEL_CLASS>{label}</label>
            </div>
            <p class="mt-1 text-xs text-gray-500">{hint}</p>
            <p id=error_id class="mt-1 text-sm text-red-600" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// The notice for a timezone or reset-day change waiting for the running cycle to end.
#[component]
fn PendingCalendar(shown: RwSignal<SettingsInfo>) -> impl IntoView {
    move || {
        shown.with(|s| {
            s.calendar_change_at.map(|at| {
                let when = format::local_time(at, &s.timezone);
                view! {
                    <p id="settings-pending" role="status" class="rounded bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
                        {format!(
                            "Pending: the billing cycle switches to timezone {} and reset day {} at {} ({}), when the running cycle ends.",
                            s.timezone, s.reset_day, when, s.timezone,
                        )}
                    </p>
                }
            })
        })
    }
}

/// The JavaScript enhancement's reading of the form.
#[cfg(feature = "hydrate")]
mod enhance {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{FormData, HtmlFormElement};

    /// The form's fields as a browser would post them (name, value), in document order.
    pub fn form_fields(ev: &leptos::ev::SubmitEvent) -> Option<Vec<(String, String)>> {
        let form: HtmlFormElement = ev.target()?.dyn_into().ok()?;
        let data = FormData::new_with_form(&form).ok()?;
        let mut fields = Vec::new();
        for entry in js_sys::try_iter(&data).ok()??.flatten() {
            let pair: js_sys::Array = entry.dyn_into().ok()?;
            fields.push((pair.get(0).as_string()?, pair.get(1).as_string()?));
        }
        Some(fields)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
        map
    }

    #[test]
    fn a_refused_post_comes_back_with_its_field_and_typed_values() {
        let q = query(&[
            ("error", "invalid"),
            ("field", "reset_day"),
            ("message", "must be a whole number from 1 to 28"),
            ("reset_day", "31"),
            ("router_tls_verify", "false"),
        ]);
        let err = error_from_query(&q).unwrap();
        assert_eq!(
            err.for_field("reset_day").as_deref(),
            Some("must be a whole number from 1 to 28")
        );
        assert_eq!(general_error(&err), None);
        assert_eq!(initial(&q, true, "reset_day", "1".to_owned()), "31");
        assert_eq!(initial(&q, true, "timezone", "UTC".to_owned()), "UTC");
        assert!(!initial_checked(&q, true, "router_tls_verify", true));
        assert!(initial_checked(&q, true, "reenable_at_reset", true));
        // Without an error the stored values stand, whatever the query says.
        assert_eq!(initial(&q, false, "reset_day", "1".to_owned()), "1");
    }

    /// The form as the server renders it for `url` (what a browser without JavaScript gets).
    #[cfg(feature = "ssr")]
    fn render(url: &str) -> String {
        use chrono::TimeZone;
        use leptos_router::components::Router;
        use leptos_router::location::RequestUrl;

        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 10, 12, 0, 0)
            .single()
            .unwrap_or_default();
        let current = SettingsInfo {
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
            webhook_secret_set: true,
            calendar_change_at: Some(at),
            updated_at: at,
        };
        Owner::new().with(|| {
            provide_context(RequestUrl::new(url));
            view! {
                <Router>
                    <SettingsForm current />
                </Router>
            }
            .to_html()
        })
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_form_renders_the_contract_and_a_refusal_without_javascript() {
        let html = render("/settings");
        assert!(
            html.contains(r#"id="settings-form" method="post" action="/settings""#),
            "{html}"
        );
        for name in SETTINGS_FIELDS {
            assert!(html.contains(&format!(r#"id="{name}""#)), "{name} missing");
            assert!(
                html.contains(&format!(r#"name="{name}""#)),
                "{name} unnamed"
            );
            assert!(
                html.contains(&format!(r#"id="{name}-error""#)),
                "{name}-error missing"
            );
        }
        for id in ["settings-save", "settings-error", "settings-pending"] {
            assert!(html.contains(&format!(r#"id="{id}""#)), "{id} missing");
        }
        assert!(!html.contains("settings-saved"));
        // Both boxes ticked, each after its hidden `false`.
        assert_eq!(html.matches(r#"type="hidden""#).count(), 3);
        let tls_verify_ticked = r#"id="router_tls_verify" name="router_tls_verify" type="checkbox" value="true" checked"#;
        assert!(html.contains(tls_verify_ticked), "{html}");

        let saved = render("/settings?saved=1");
        assert!(saved.contains(r#"id="settings-saved""#));

        let refused = render(
            "/settings?error=invalid&field=reset_day&message=must%20be%201%E2%80%9328&reset_day=31&router_tls_verify=false",
        );
        assert!(refused.contains(r#"value="31""#), "typed value kept");
        assert!(refused.contains("must be 1–28"), "{refused}");
        assert!(
            !refused.contains(tls_verify_ticked),
            "the unticked box stays unticked"
        );
        assert!(!refused.contains("settings-saved"));
    }

    #[test]
    fn errors_not_about_a_form_field_go_to_the_form() {
        let q = query(&[("error", "internal"), ("message", "database down")]);
        let err = error_from_query(&q).unwrap();
        assert_eq!(general_error(&err).as_deref(), Some("database down"));
        let unknown = UiError {
            code: "invalid".to_owned(),
            message: "polling: unknown setting".to_owned(),
            field: Some("polling".to_owned()),
        };
        assert!(general_error(&unknown).is_some());
        assert_eq!(error_from_query(&query(&[("saved", "1")])), None);
    }
}
