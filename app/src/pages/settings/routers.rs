//! The Settings page's router list (`#routers`): name, address, transport, TLS state (loudly
//! when certificates are not verified) and poll health, with an inline edit form and a
//! delete behind a confirmation. Both call the JSON API's router handlers through server
//! functions; an edit that changes the connection is tested by the server before it is saved.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::settings::{RouterEdit, delete_router, list_routers, update_router};
use crate::components::card::Card;
use crate::components::input::{INPUT_CLASS, Input, LABEL_CLASS};
use crate::components::shimmer::Shimmer;
use crate::error::UiError;
use crate::format;
use crate::resource::resource;
use crate::types::{RouterHealthInfo, RouterInfo};

const SMALL_BUTTON: &str = "rounded px-3 py-1.5 text-sm font-medium ring-1 ring-gray-300 text-gray-800 transition hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50";
const DANGER_BUTTON: &str = "rounded bg-red-600 px-3 py-1.5 text-sm font-medium text-white transition hover:bg-red-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50";
const PRIMARY_BUTTON: &str = "rounded bg-gray-900 px-3 py-1.5 text-sm font-medium text-white transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50";

/// The port a router is reached on when none is set (RouterOS defaults).
pub fn default_port(transport: &str, tls: bool) -> u16 {
    match (transport, tls) {
        ("api", true) => 8729,
        ("api", false) => 8728,
        (_, true) => 443,
        (_, false) => 80,
    }
}

/// `host:port`, marking a default port.
pub fn address(router: &RouterInfo) -> String {
    match router.port {
        Some(port) => format!("{}:{port}", router.host),
        None => format!(
            "{}:{} (default)",
            router.host,
            default_port(&router.transport, router.tls)
        ),
    }
}

/// The TLS state in words, and whether it deserves a warning (no TLS, or certificates not
/// verified). `global_verify` is the `router_tls_verify` setting an "inherit" router follows.
pub fn tls_summary(router: &RouterInfo, global_verify: bool) -> (String, bool) {
    if !router.tls {
        return ("No TLS: password and data in plain text".to_owned(), true);
    }
    if router
        .tls_fingerprint
        .as_deref()
        .is_some_and(|f| !f.is_empty())
    {
        return ("TLS, pinned certificate fingerprint".to_owned(), false);
    }
    let (verify, origin) = match router.tls_verify {
        Some(own) => (own, ""),
        None => (global_verify, " (global setting)"),
    };
    if verify {
        (format!("TLS, certificate verified{origin}"), false)
    } else {
        (format!("TLS, certificate verification OFF{origin}"), true)
    }
}

/// The last poll in words, and whether it is healthy.
pub fn health_summary(health: &RouterHealthInfo, now: DateTime<Utc>) -> (String, bool) {
    let since = |at: DateTime<Utc>| format::ago(format::seconds_between(at, now));
    match (
        &health.last_error,
        health.last_attempt_at,
        health.last_success_at,
    ) {
        (_, None, _) => ("Not polled yet".to_owned(), true),
        (Some(error), Some(_), success) if health.consecutive_failures > 0 => {
            let last_ok = success.map_or_else(|| "never".to_owned(), since);
            let state = if health.down { "Down" } else { "Failing" };
            (
                format!(
                    "{state}: {error} ({} failed polls in a row; last success {last_ok})",
                    health.consecutive_failures
                ),
                false,
            )
        }
        (_, Some(attempt), _) => {
            let took = health
                .last_duration_ms
                .map(|ms| format!(" in {ms} ms"))
                .unwrap_or_default();
            (format!("OK: polled {}{took}", since(attempt)), true)
        }
    }
}

#[component]
pub fn RoutersCard(global_verify: bool) -> impl IntoView {
    let routers = resource(|| (), |()| list_routers());
    let changed = Callback::new(move |()| routers.refetch());
    view! {
        <Card>
            <div class="mb-4 flex flex-wrap items-center justify-between gap-2">
                <h2 class="text-base font-semibold text-gray-900">"Routers"</h2>
                <a href="/wizard" class=SMALL_BUTTON>"Add router"</a>
            </div>
            <Transition fallback=|| view! { <Shimmer /> }>
                {move || {
                    routers
                        .get()
                        .map(|answer| match answer {
                            Ok(list) if list.is_empty() => {
                                view! {
                                    <div id="routers">
                                        <p class="text-sm text-gray-500">"No routers yet."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(list) => {
                                view! {
                                    <ul id="routers" class="divide-y divide-gray-100">
                                        {list
                                            .into_iter()
                                            .map(|router| view! { <RouterRow router global_verify changed /> })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(err) => {
                                view! {
                                    <div id="routers">
                                        <p role="alert" class="text-sm text-red-600">{err.message}</p>
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </Card>
    }
}

#[component]
fn RouterRow(router: RouterInfo, global_verify: bool, changed: Callback<()>) -> impl IntoView {
    let id = router.id;
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<UiError>);
    let edit = RwSignal::new(RouterEdit::from_router(&router));
    let (tls_text, tls_warn) = tls_summary(&router, global_verify);
    let (health_text, healthy) = health_summary(&router.health, format::now());
    let identity = [
        router.health.identity.clone(),
        router
            .health
            .version
            .clone()
            .map(|v| format!("RouterOS {v}")),
        router.health.board.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let name = router.name.clone();

    let save = move |_| {
        pending.set(true);
        let wanted = edit.get_untracked();
        leptos::task::spawn_local(async move {
            match update_router(id, wanted).await {
                Ok(_) => {
                    error.set(None);
                    editing.set(false);
                    changed.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            pending.set(false);
        });
    };
    let remove = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            match delete_router(id).await {
                Ok(()) => changed.run(()),
                Err(err) => error.set(Some(err)),
            }
            confirming.set(false);
            pending.set(false);
        });
    };
    let field_id = move |field: &str| format!("router-{id}-{field}");
    let field_error = move |field: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.for_field(field))))
    };
    let row_error = move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| {
                    !matches!(
                        e.field.as_deref(),
                        Some(
                            "name"
                                | "host"
                                | "port"
                                | "tls_verify"
                                | "tls_fingerprint"
                                | "username"
                                | "password"
                        )
                    ) || !editing.get()
                })
                .map(|e| e.message.clone())
        })
    };

    view! {
        <li data-router-id=id.to_string() class="py-4">
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div class="min-w-0">
                    <p class="font-medium text-gray-900">{router.name.clone()}</p>
                    <p class="text-sm text-gray-700">
                        {address(&router)} " · " {router.transport.to_uppercase()}
                        {(!router.poll_enabled).then_some(" · polling paused")}
                    </p>
                    <p
                        class="text-sm"
                        class=("text-red-700", tls_warn)
                        class=("font-medium", tls_warn)
                        class=("text-gray-600", !tls_warn)
                        data-tls-warning=tls_warn.to_string()
                    >
                        {if tls_warn { "⚠ " } else { "" }}
                        {tls_text}
                    </p>
                    <p
                        class="text-sm"
                        class=("text-red-700", !healthy)
                        class=("text-gray-600", healthy)
                        data-healthy=healthy.to_string()
                    >
                        {health_text}
                    </p>
                    {(!identity.is_empty()).then(|| view! { <p class="text-xs text-gray-500">{identity}</p> })}
                </div>
                <div class="flex flex-wrap gap-2">
                    <button
                        type="button"
                        class=SMALL_BUTTON
                        data-action="edit"
                        aria-expanded=move || editing.get().to_string()
                        on:click=move |_| {
                            error.set(None);
                            editing.update(|open| *open = !*open);
                        }
                    >
                        {move || if editing.get() { "Close" } else { "Edit" }}
                    </button>
                    <button
                        type="button"
                        class=SMALL_BUTTON
                        data-action="delete"
                        on:click=move |_| confirming.set(true)
                    >
                        "Delete"
                    </button>
                </div>
            </div>
            <Show when=move || confirming.get()>
                <div role="alertdialog" aria-label="Confirm deletion" class="mt-3 rounded bg-red-50 p-3 ring-1 ring-red-200">
                    <p class="text-sm text-red-900">
                        {format!(
                            "Delete router \u{201c}{name}\u{201d}? Its peers and all their usage history are deleted too. The router itself is not changed.",
                        )}
                    </p>
                    <div class="mt-2 flex gap-2">
                        <button type="button" class=DANGER_BUTTON data-action="confirm-delete" disabled=move || pending.get() on:click=remove>
                            "Delete router"
                        </button>
                        <button type="button" class=SMALL_BUTTON data-action="cancel-delete" on:click=move |_| confirming.set(false)>
                            "Cancel"
                        </button>
                    </div>
                </div>
            </Show>
            <p class="mt-2 text-sm text-red-600" role="alert" data-router-error=id.to_string()>
                {row_error}
            </p>
            <Show when=move || editing.get()>
                <form
                    class="mt-3 grid gap-4 rounded bg-gray-50 p-4 ring-1 ring-gray-200 sm:grid-cols-2"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        save(());
                    }
                >
                    <Input
                        id=field_id("name")
                        name="name"
                        label="Name"
                        value=edit.get_untracked().name
                        on_input=move |v: String| edit.update(|e| e.name = v)
                        error=field_error("name")
                    />
                    <Input
                        id=field_id("host")
                        name="host"
                        label="Host"
                        value=edit.get_untracked().host
                        on_input=move |v: String| edit.update(|e| e.host = v)
                        error=field_error("host")
                    />
                    <Input
                        id=field_id("port")
                        name="port"
                        label="Port"
                        kind="number"
                        value=edit.get_untracked().port
                        placeholder="Default"
                        hint="Empty = the transport's default."
                        on_input=move |v: String| edit.update(|e| e.port = v)
                        error=field_error("port")
                    />
                    <div class="flex items-center gap-2 sm:mt-6">
                        <input
                            id=field_id("tls")
                            name="tls"
                            type="checkbox"
                            class="h-4 w-4 rounded border-gray-300 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300"
                            prop:checked=move || edit.with(|e| e.tls)
                            on:change=move |ev| edit.update(|e| e.tls = event_target_checked(&ev))
                        />
                        <label for=field_id("tls") class=LABEL_CLASS>"Use TLS"</label>
                    </div>
                    <div>
                        <label for=field_id("tls_verify") class=LABEL_CLASS>"Verify the certificate"</label>
                        <select
                            id=field_id("tls_verify")
                            name="tls_verify"
                            class=INPUT_CLASS
                            aria-describedby=format!("{}-error", field_id("tls_verify"))
                            on:change=move |ev| edit.update(|e| e.tls_verify = event_target_value(&ev))
                        >
                            {[
                                ("inherit", if global_verify { "Inherit the global setting (on)" } else { "Inherit the global setting (off)" }),
                                ("on", "On"),
                                ("off", "Off (not recommended)"),
                            ]
                                .map(|(value, text)| {
                                    view! {
                                        <option value=value selected=edit.with_untracked(|e| e.tls_verify == value)>
                                            {text}
                                        </option>
                                    }
                                })}
                        </select>
                        <p id=format!("{}-error", field_id("tls_verify")) class="mt-1 text-sm text-red-600" role="alert">
                            {move || field_error("tls_verify").get()}
                        </p>
                    </div>
                    <Input
                        id=field_id("tls_fingerprint")
                        name="tls_fingerprint"
                        label="Certificate fingerprint (SHA-256)"
                        value=edit.get_untracked().tls_fingerprint
                        placeholder="None"
                        hint="Pins the router's certificate; empty = none."
                        on_input=move |v: String| edit.update(|e| e.tls_fingerprint = v)
                        error=field_error("tls_fingerprint")
                    />
                    <Input
                        id=field_id("username")
                        name="username"
                        label="Username"
                        value=edit.get_untracked().username
                        on_input=move |v: String| edit.update(|e| e.username = v)
                        error=field_error("username")
                    />
                    <Input
                        id=field_id("password")
                        name="password"
                        label="Password"
                        kind="password"
                        placeholder="Unchanged"
                        hint="Empty = keep the stored password."
                        on_input=move |v: String| edit.update(|e| e.password = v)
                        error=field_error("password")
                    />
                    <div class="flex flex-wrap items-end gap-2 sm:col-span-2">
                        <button type="submit" class=PRIMARY_BUTTON data-action="save" disabled=move || pending.get()>
                            {move || if pending.get() { "Testing and saving…" } else { "Save router" }}
                        </button>
                        <p class="text-xs text-gray-500">"New connection settings are tested before they are saved."</p>
                    </div>
                </form>
            </Show>
        </li>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn router(tls: bool, verify: Option<bool>, fingerprint: Option<&str>) -> RouterInfo {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        RouterInfo {
            id: 1,
            name: "core".to_owned(),
            host: "10.0.0.1".to_owned(),
            port: None,
            transport: "rest".to_owned(),
            tls,
            tls_verify: verify,
            tls_fingerprint: fingerprint.map(str::to_owned),
            username: "wgmik".to_owned(),
            poll_enabled: true,
            created_at: at,
            updated_at: at,
            health: RouterHealthInfo::default(),
        }
    }

    #[test]
    fn verification_off_is_flagged_whether_own_or_inherited() {
        assert!(tls_summary(&router(true, Some(false), None), true).1);
        let (text, warn) = tls_summary(&router(true, None, None), false);
        assert!(
            warn && text.contains("OFF") && text.contains("global"),
            "{text}"
        );
        assert!(!tls_summary(&router(true, None, None), true).1);
        assert!(!tls_summary(&router(true, Some(false), Some("ab:cd")), true).1);
        assert!(tls_summary(&router(false, None, None), true).1);
    }

    #[test]
    fn default_ports_follow_transport_and_tls() {
        assert_eq!(address(&router(true, None, None)), "10.0.0.1:443 (default)");
        assert_eq!(default_port("api", true), 8729);
        assert_eq!(default_port("api", false), 8728);
        assert_eq!(default_port("rest", false), 80);
    }

    #[test]
    fn health_reads_in_words() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 1, 0)
            .single()
            .unwrap_or_default();
        let start = Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            health_summary(&RouterHealthInfo::default(), now).0,
            "Not polled yet"
        );
        let ok = RouterHealthInfo {
            last_attempt_at: Some(start),
            last_success_at: Some(start),
            last_duration_ms: Some(42),
            ..RouterHealthInfo::default()
        };
        assert_eq!(
            health_summary(&ok, now),
            ("OK: polled 1 min ago in 42 ms".to_owned(), true)
        );
        let down = RouterHealthInfo {
            last_attempt_at: Some(start),
            last_error: Some("connection refused".to_owned()),
            consecutive_failures: 5,
            down: true,
            ..RouterHealthInfo::default()
        };
        let (text, healthy) = health_summary(&down, now);
        assert!(
            !healthy && text.starts_with("Down: connection refused"),
            "{text}"
        );
        assert!(text.contains("last success never"), "{text}");
    }
}
