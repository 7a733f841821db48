//! The dashboard's overview parts: the routers' health strip, the cycle's totals, the daily
//! chart's points, and the list of untracked peers with their "Track" buttons.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::dashboard::{CycleTotals, DailyTotal, track_peer};
use crate::components::bytes::Bytes;
use crate::components::card::Card;
use crate::components::chart::UsagePoint;
use crate::format;
use crate::types::{PeerInfo, RouterInfo};

/// A cycle never has more days than this; a longer span means bad data, not a longer chart.
const MAX_CHART_DAYS: usize = 62;

/// One bar pair per local day from `first` to `last` (inclusive), zero where nothing moved.
pub fn fill_days(first: NaiveDate, last: NaiveDate, days: &[DailyTotal]) -> Vec<UsagePoint> {
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .take(MAX_CHART_DAYS)
        .map(|day| {
            let found = days.iter().find(|d| d.date == day);
            UsagePoint {
                label: day.format("%b %-d").to_string(),
                download: found.map_or(0, |d| d.tx),
                upload: found.map_or(0, |d| d.rx),
            }
        })
        .collect()
}

/// The daily chart: the cycle's days up to today (or the cycle's last day).
pub fn chart_points(
    totals: &CycleTotals,
    days: &[DailyTotal],
    now: DateTime<Utc>,
) -> Vec<UsagePoint> {
    let tz = &totals.timezone;
    let last_instant = now.min(totals.cycle_end - chrono::TimeDelta::seconds(1));
    let parse = |at| NaiveDate::parse_from_str(&format::local_date(at, tz), "%Y-%m-%d").ok();
    match (parse(totals.cycle_start), parse(last_instant)) {
        (Some(first), Some(last)) => fill_days(first, last, days),
        _ => Vec::new(),
    }
}

/// `12 s ago (2026-11-30 14:05)`.
fn ago_and_time(at: DateTime<Utc>, now: DateTime<Utc>, tz: &str) -> String {
    format!(
        "{} ({})",
        format::ago(format::seconds_between(at, now)),
        format::local_time(at, tz)
    )
}

#[component]
pub fn RouterHealthStrip(
    routers: Vec<RouterInfo>,
    timezone: String,
    now: RwSignal<DateTime<Utc>>,
) -> impl IntoView {
    if routers.is_empty() {
        return view! {
            <Card>
                <p class="text-sm text-gray-700">
                    "No router yet. "
                    <a href="/wizard" class="font-medium text-gray-900 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 rounded">"Add a router"</a>
                    " to start counting."
                </p>
                <div id="router-health" class="hidden"></div>
            </Card>
        }
        .into_any();
    }
    let items = routers
        .into_iter()
        .map(|router| {
            let health = router.health.clone();
            let tz = timezone.clone();
            let last_poll = health.last_attempt_at;
            let failing = health.last_error.is_some();
            let ring = if health.down || failing {
                "ring-red-200"
            } else {
                "ring-gray-200"
            };
            view! {
                <div
                    data-router-id=router.id
                    data-down=health.down.to_string()
                    class=format!("min-w-0 flex-1 basis-64 rounded-xl bg-white p-4 shadow-sm ring-1 {ring}")
                >
                    <div class="flex items-center justify-between gap-2">
                        <h3 class="truncate text-sm font-semibold text-gray-900" title=router.host.clone()>{router.name.clone()}</h3>
                        {health.down.then(|| view! {
                            <span class="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800 ring-1 ring-red-200">"Down"</span>
                        })}
                        {(!router.poll_enabled).then(|| view! {
                            <span class="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700 ring-1 ring-gray-200">"Polling off"</span>
                        })}
                    </div>
                    <p class="mt-1 text-xs text-gray-700">
                        "Last poll: "
                        {move || match last_poll {
                            Some(at) => ago_and_time(at, now.get(), &tz),
                            None => "not yet".to_owned(),
                        }}
                    </p>
                    <p class="text-xs text-gray-500">
                        {health.last_duration_ms.map(|ms| format!("took {ms} ms")).unwrap_or_default()}
                        {(health.consecutive_failures > 0).then(|| format!(" · {} failed in a row", health.consecutive_failures))}
                    </p>
                    {health.last_error.clone().map(|text| view! {
                        <p class="mt-1 break-words text-xs text-red-700" role="status">{text}</p>
                    })}
                    <a href="/settings" class="mt-2 inline-block rounded text-xs font-medium text-gray-700 underline hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300">
                        "Edit in Settings"
                    </a>
                </div>
            }
        })
        .collect_view();
    view! {
        <section aria-label="Routers">
            <h2 class="sr-only">"Routers"</h2>
            <div id="router-health" class="flex flex-wrap gap-4">{items}</div>
        </section>
    }
    .into_any()
}

#[component]
pub fn CycleTotalsCard(totals: CycleTotals) -> impl IntoView {
    let tz = totals.timezone.clone();
    let last_day = totals.cycle_end - chrono::TimeDelta::seconds(1);
    view! {
        <Card>
            <div class="flex flex-wrap items-end justify-between gap-6">
                <div>
                    <h2 class="text-base font-semibold text-gray-900">"This cycle"</h2>
                    <p class="text-sm text-gray-500">
                        {format!(
                            "{} to {} · resets {} · {} tracked peers",
                            format::local_date(totals.cycle_start, &tz),
                            format::local_date(last_day, &tz),
                            format::local_time(totals.cycle_end, &tz),
                            totals.total_peers,
                        )}
                    </p>
                </div>
                <div class="flex flex-wrap gap-8">
                    <div id="cycle-total-download" data-bytes=totals.total_tx.to_string()>
                        <p class="text-xs font-medium text-gray-500">"Download (to peers)"</p>
                        <p class="text-2xl font-semibold text-gray-900"><Bytes value=totals.total_tx /></p>
                    </div>
                    <div id="cycle-total-upload" data-bytes=totals.total_rx.to_string()>
                        <p class="text-xs font-medium text-gray-500">"Upload (from peers)"</p>
                        <p class="text-2xl font-semibold text-gray-900"><Bytes value=totals.total_rx /></p>
                    </div>
                </div>
            </div>
        </Card>
    }
}

#[component]
pub fn UntrackedPeers(
    peers: Vec<PeerInfo>,
    /// How many there are in all (only the first ones are listed).
    count: usize,
    tracking: RwSignal<Option<i32>>,
    error: RwSignal<Option<String>>,
    on_tracked: Callback<()>,
) -> impl IntoView {
    let shown = peers.len();
    let track = move |id: i32| {
        tracking.set(Some(id));
        error.set(None);
        spawn_local(async move {
            match track_peer(id).await {
                Ok(_) => on_tracked.run(()),
                Err(err) => error.set(Some(format!(
                    "Peer {id} could not be tracked: {}",
                    err.message
                ))),
            }
            tracking.set(None);
        });
    };
    let rows = peers
        .into_iter()
        .map(|peer| {
            let id = peer.id;
            let detail = [peer.allowed_address.clone(), peer.endpoint_address.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <li data-peer-id=id class="flex flex-wrap items-center justify-between gap-3 py-3">
                    <div class="min-w-0">
                        <a href=format!("/peers/{id}") class="rounded font-medium text-gray-900 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300">
                            {peer.label()}
                        </a>
                        <p class="truncate text-xs text-gray-500" title=peer.public_key.clone()>
                            {format!("{} · {}", peer.interface, peer.public_key)}
                        </p>
                        {(!detail.is_empty()).then(|| view! { <p class="text-xs text-gray-500">{detail}</p> })}
                    </div>
                    <button
                        type="button"
                        data-track=id
                        class="rounded bg-gray-900 px-3 py-1.5 text-sm font-medium text-white shadow-sm transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50"
                        disabled=move || tracking.get().is_some()
                        on:click=move |_| track(id)
                    >
                        {move || if tracking.get() == Some(id) { "Tracking…" } else { "Track" }}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="untracked-peers" aria-labelledby="untracked-title">
            <Card>
                <h2 id="untracked-title" class="text-base font-semibold text-gray-900">"New peers, not tracked"</h2>
                <p class="text-sm text-gray-500">
                    {if count == 0 {
                        "No untracked peers on the tracked interfaces.".to_owned()
                    } else if count > shown {
                        format!("{count} peers on tracked interfaces are not counted; the first {shown} are listed.")
                    } else {
                        format!("{count} peers on tracked interfaces are not counted. Track one to start counting its traffic from now.")
                    }}
                </p>
                <p id="untracked-error" role="alert" class="mt-2 text-sm text-red-600">{move || error.get()}</p>
                <ul class="divide-y divide-gray-200">{rows}</ul>
            </Card>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    #[test]
    fn every_day_gets_a_bar_pair_and_tx_is_download() {
        let days = [DailyTotal {
            date: day(2),
            rx: 5,
            tx: 7,
        }];
        let points = fill_days(day(1), day(3), &days);
        assert_eq!(points.len(), 3);
        assert_eq!(points[0].label, "Nov 1");
        assert_eq!((points[0].download, points[0].upload), (0, 0));
        assert_eq!((points[1].download, points[1].upload), (7, 5));
        assert!(fill_days(day(3), day(1), &days).is_empty());
        let long = fill_days(day(1), day(1) + chrono::TimeDelta::days(400), &[]);
        assert_eq!(long.len(), MAX_CHART_DAYS);
    }
}
