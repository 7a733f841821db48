//! The quota card: limit, used, remaining, percent, counted direction, the cycle (its end is
//! the next reset) and the projected exhaustion; and a small form to change the quota. The
//! numbers refresh with the page; the form's fields are read once and again only after a
//! save, so a refresh never overwrites what the admin is typing.

use chrono::TimeDelta;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::peer::{QuotaStateInfo, peer_quota, save_quota};
use crate::components::bytes::Bytes;
use crate::components::input::{INPUT_CLASS, Input, LABEL_CLASS};
use crate::components::shimmer::Shimmer;
use crate::error::UiError;
use crate::format;
use crate::resource::resource;

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
pub fn QuotaCard(peer_id: i32, tick: ReadSignal<u64>, on_saved: Callback<()>) -> impl IntoView {
    let version = RwSignal::new(0_u64);
    let live = resource(
        move || (tick.get(), version.get()),
        move |_| peer_quota(peer_id),
    );
    let initial = resource(move || version.get(), move |_| peer_quota(peer_id));
    view! {
        <section id="quota-card" aria-labelledby="quota-title" class="wg-appear rounded-xl bg-white p-6 shadow-sm ring-1 ring-gray-200">
            <h2 id="quota-title" class="text-base font-semibold text-gray-900">"Quota"</h2>
            <Transition fallback=|| view! { <Shimmer lines=3 /> }>
                {move || Suspend::new(async move {
                    match live.await {
                        Ok(reading) => view! { <QuotaNumbers quota=reading.quota timezone=reading.timezone /> }.into_any(),
                        Err(err) => view! { <p role="alert" class="text-sm text-red-600">{err.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    initial.await.ok().map(|reading| view! {
                        <QuotaForm quota=reading.quota on_saved=Callback::new(move |()| {
                            version.update(|v| *v += 1);
                            on_saved.run(());
                        }) />
                    })
                })}
            </Suspense>
        </section>
    }
}

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
}
