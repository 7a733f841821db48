//! The quota card: limit, used, remaining, percent, counted direction, the cycle (its end is
//! the next reset) and the projected exhaustion; and, behind "Change quota", a small form to
//! change the quota. The numbers are rendered by the server and refresh with the page; the
//! form's fields are read when it opens and are never refreshed under the admin's typing.

#[cfg(feature = "ssr")]
use chrono::TimeDelta;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::peer::{PeerOverview, QuotaStateInfo, peer_quota, save_quota};
#[cfg(feature = "ssr")]
use crate::components::bytes::Bytes;
use crate::components::input::{INPUT_CLASS, Input, LABEL_CLASS};
use crate::components::shimmer::Shimmer;
use crate::error::UiError;
#[cfg(feature = "ssr")]
use crate::format;
use crate::resource::Json;

/// How the counted direction reads on the page (from the peer's side).
pub fn direction_text(direction: &str) -> &'static str {
    match direction {
        "download" => "download only (to the peer)",
        "upload" => "upload only (from the peer)",
        _ => "download + upload",
    }
}

/// A limit in bytes as the form's GB text: `2.5`, never a float artefact like `2.4999999`.
pub fn bytes_to_gb_text(bytes: u64) -> String {
    let whole = bytes / 1_000_000_000;
    let rest = bytes % 1_000_000_000;
    if rest == 0 {
        return whole.to_string();
    }
    let fraction = format!("{rest:09}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

#[component]
pub fn QuotaCard(
    peer_id: i32,
    detail: Resource<Result<PeerOverview, UiError>, Json>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    view! {
        <section id="quota-card" aria-labelledby="quota-title" class="wg-appear rounded-xl bg-white p-6 shadow-sm ring-1 ring-gray-200">
            <div class="flex items-center justify-between gap-4">
                <h2 id="quota-title" class="text-base font-semibold text-gray-900">"Quota"</h2>
                <button
                    id="quota-edit"
                    type="button"
                    aria-controls="quota-editor"
                    aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|open| *open = !*open)
                    class="rounded px-3 py-1.5 text-sm font-medium text-gray-900 ring-1 ring-gray-300 transition hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300"
                >
                    {move || if editing.get() { "Close" } else { "Change quota" }}
                </button>
            </div>
            // The page's error message says why when the peer could not be read.
            <Transition fallback=|| view! { <Shimmer lines=3 /> }>
                {move || Suspend::new(async move {
                    detail.await.ok().map(|data| view! { <div inner_html=data.quota_html></div> })
                })}
            </Transition>
            <div id="quota-editor">
                <Show when=move || editing.get()>
                    <Suspense fallback=|| view! { <Shimmer lines=2 /> }>
                        {move || Suspend::new(quota_editor(peer_id, on_saved))}
                    </Suspense>
                </Show>
            </div>
        </section>
    }
}

/// The numbers as HTML, rendered by the server for the page to set (read-only: the browser
/// carries no code for them, see `components::server_html`).
#[cfg(feature = "ssr")]
pub fn numbers_html(quota: QuotaStateInfo, timezone: String) -> String {
    crate::components::server_html::render(
        move || view! { <QuotaNumbers quota=quota timezone=timezone /> },
    )
}

/// The quota form with the peer's current quota in it. A wasm chunk of its own (`#[lazy]`),
/// fetched the first time an admin opens the form: most visits only read the page, and its
/// first visit stays within the bundle budget (issue #7, BENCHMARKS.md). The server never
/// renders it (the form starts closed), so it is not preloaded either.
#[lazy]
async fn quota_editor(peer_id: i32, on_saved: Callback<()>) -> AnyView {
    match peer_quota(peer_id).await {
        Ok(reading) => view! { <QuotaForm quota=reading.quota on_saved=on_saved /> }.into_any(),
        Err(err) => {
            view! { <p role="alert" class="mt-4 text-sm text-red-600">{err.message}</p> }.into_any()
        }
    }
}

#[cfg(feature = "ssr")]
#[component]
fn QuotaNumbers(quota: QuotaStateInfo, timezone: String) -> impl IntoView {
    let cycle_last = quota.cycle_end - TimeDelta::seconds(1);
    let tz = timezone.as_str();
    let percent = quota.percent.map(|p| format!("{p:.1} %"));
    let projected = match (quota.limit_bytes, quota.projected_exhaustion_at) {
        (None, _) => "No limit".to_owned(),
        (Some(_), Some(at)) => format!(
            "Reaches the limit around {} at the last 7 days' pace",
            format::local_time(at, tz)
        ),
        (Some(limit), None) if quota.used_bytes >= limit => "Limit reached".to_owned(),
        (Some(_), None) => "Not reached before the reset at the current pace".to_owned(),
    };
    view! {
        <dl class="mt-3 grid grid-cols-2 gap-4 text-sm sm:grid-cols-4" data-mode=quota.mode.clone() data-used=quota.used_bytes.to_string()>
            <div>
                <dt class="text-xs text-gray-500">"Limit"</dt>
                <dd class="font-medium text-gray-900">
                    {match quota.limit_bytes {
                        Some(limit) => view! { <Bytes value=limit /> }.into_any(),
                        None => "Unlimited".into_any(),
                    }}
                    {(quota.mode == "default").then_some(" (default)")}
                </dd>
            </div>
            <div>
                <dt class="text-xs text-gray-500">"Used"</dt>
                <dd class="font-medium text-gray-900"><Bytes value=quota.used_bytes />{percent.map(|p| format!(" · {p}"))}</dd>
            </div>
            <div>
                <dt class="text-xs text-gray-500">"Remaining"</dt>
                <dd class="font-medium text-gray-900">
                    {match quota.remaining_bytes {
                        Some(left) => view! { <Bytes value=left /> }.into_any(),
                        None => "—".into_any(),
                    }}
                </dd>
            </div>
            <div>
                <dt class="text-xs text-gray-500">"Counts"</dt>
                <dd class="font-medium text-gray-900">{direction_text(&quota.direction)}</dd>
            </div>
        </dl>
        <p class="mt-3 text-sm text-gray-700">
            {format!(
                "Cycle {} to {} · next reset {} · {projected}",
                format::local_date(quota.cycle_start, tz),
                format::local_date(cycle_last, tz),
                format::local_time(quota.cycle_end, tz),
            )}
        </p>
    }
}

#[component]
fn QuotaForm(quota: QuotaStateInfo, on_saved: Callback<()>) -> impl IntoView {
    let peer_id = quota.peer_id;
    let mode = RwSignal::new(quota.mode.clone());
    let limit_gb = RwSignal::new(
        (quota.mode == "limit")
            .then_some(quota.limit_bytes)
            .flatten()
            .map(bytes_to_gb_text)
            .unwrap_or_default(),
    );
    let direction = RwSignal::new(quota.direction.clone());
    let error = RwSignal::new(None::<UiError>);
    let saved = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let field_error = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.for_field(field)))
    };
    let other_error = move || {
        error
            .get()
            .filter(|e| {
                e.field
                    .as_deref()
                    .is_none_or(|f| !["mode", "limit_gb", "direction"].contains(&f))
            })
            .map(|e| e.message)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        saved.set(false);
        error.set(None);
        spawn_local(async move {
            match save_quota(
                peer_id,
                mode.get_untracked(),
                limit_gb.get_untracked(),
                direction.get_untracked(),
            )
            .await
            {
                Ok(_) => {
                    saved.set(true);
                    on_saved.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            pending.set(false);
        });
    };
    view! {
        <form id="quota-form" class="mt-4 grid gap-4 border-t border-gray-200 pt-4 sm:grid-cols-4 sm:items-start" on:submit=submit>
            <div>
                <label for="mode" class=LABEL_CLASS>"Quota"</label>
                <select id="mode" name="mode" class=INPUT_CLASS prop:value=move || mode.get() on:change=move |ev| mode.set(event_target_value(&ev))>
                    <option value="default" selected=quota.mode == "default">"Default"</option>
                    <option value="limit" selected=quota.mode == "limit">"Own limit"</option>
                    <option value="unlimited" selected=quota.mode == "unlimited">"Unlimited"</option>
                </select>
                <p id="mode-error" class="mt-1 text-sm text-red-600" role="alert">{move || field_error("mode").get()}</p>
            </div>
            <Input
                name="limit_gb"
                label="Limit (GB = 10⁹ bytes)"
                kind="text"
                value=limit_gb
                placeholder="e.g. 50"
                error=field_error("limit_gb")
                on_input=Callback::new(move |text| limit_gb.set(text))
            />
            <div>
                <label for="direction" class=LABEL_CLASS>"Counted"</label>
                <select id="direction" name="direction" class=INPUT_CLASS prop:value=move || direction.get() on:change=move |ev| direction.set(event_target_value(&ev))>
                    <option value="total" selected=quota.direction == "total">"Download + upload"</option>
                    <option value="download" selected=quota.direction == "download">"Download only"</option>
                    <option value="upload" selected=quota.direction == "upload">"Upload only"</option>
                </select>
                <p id="direction-error" class="mt-1 text-sm text-red-600" role="alert">{move || field_error("direction").get()}</p>
            </div>
            <div class="sm:pt-6">
                <button id="quota-save" type="submit" disabled=move || pending.get()
                    class="rounded bg-gray-900 px-4 py-2 text-sm font-medium text-white shadow-sm transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50">
                    {move || if pending.get() { "Saving…" } else { "Save quota" }}
                </button>
                <p id="quota-saved" class="mt-1 text-sm text-green-700" role="status">{move || saved.get().then_some("Saved.")}</p>
                <p id="quota-error" class="mt-1 text-sm text-red-600" role="alert">{other_error}</p>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_back_as_short_gb_text() {
        assert_eq!(bytes_to_gb_text(50_000_000_000), "50");
        assert_eq!(bytes_to_gb_text(2_500_000_000), "2.5");
        assert_eq!(bytes_to_gb_text(1), "0.000000001");
        assert_eq!(direction_text("download"), "download only (to the peer)");
        assert_eq!(direction_text("total"), "download + upload");
    }

    #[test]
    fn numbers_html_reads_the_quota_in_the_configured_zone() {
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default()
        };
        let html = numbers_html(
            QuotaStateInfo {
                peer_id: 3,
                mode: "limit".into(),
                direction: "download".into(),
                limit_bytes: Some(50_000_000_000),
                used_bytes: 12_340_000_000,
                remaining_bytes: Some(37_660_000_000),
                percent: Some(24.68),
                cycle_start: at("2026-10-31T23:00:00Z"),
                cycle_end: at("2026-11-30T23:00:00Z"),
                projected_exhaustion_at: None,
            },
            "Europe/Berlin".into(),
        );
        assert!(html.contains(r#"data-mode="limit""#), "{html}");
        assert!(html.contains(r#"data-used="12340000000""#), "{html}");
        assert!(
            html.contains("50.0 GB") && html.contains("37.7 GB"),
            "{html}"
        );
        assert!(html.contains("24.7 %"), "{html}");
        assert!(html.contains("download only (to the peer)"), "{html}");
        // The cycle in Berlin time: November, next reset at local midnight on 1 December.
        assert!(
            html.contains("Cycle 2026-11-01 to 2026-11-30 · next reset 2026-12-01 00:00"),
            "{html}"
        );
    }
}
