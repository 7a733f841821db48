//! The Dashboard (`/`, SPEC §10): the routers' poll health, this cycle's totals and daily
//! chart, the tracked peers one server-side page at a time (search, status filter, sort), and
//! peers new on tracked interfaces that are not tracked yet. Everything reloads every ten
//! seconds while the page is open, keeping the search text, page and scroll position.

pub mod overview;
pub mod refresh;
pub mod table;

use leptos::prelude::*;

use crate::api::dashboard::dashboard_overview;
use crate::components::card::Card;
use crate::components::chart::UsageChart;
use crate::components::layout::PageHeader;
use crate::components::shimmer::Shimmer;
use crate::resource::resource;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let (tick, set_tick) = refresh::refresh_tick();
    let now = refresh::clock(tick);
    let overview = resource(move || tick.get(), |_| dashboard_overview());
    let track_error = RwSignal::new(None::<String>);
    let tracking = RwSignal::new(None::<i32>);
    // Outside the `Transition`, so the chart is drawn once and updated, not rebuilt each
    // refresh.
    let chart = Signal::derive(move || overview.get().and_then(Result::ok).map(|o| o.chart));

    view! {
        <PageHeader title="Dashboard" subtitle="This billing cycle's usage of every tracked WireGuard peer." />
        <div class="space-y-6">
            <Transition fallback=|| view! { <Card><Shimmer lines=4 /></Card> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(data) => view! {
                            <overview::RouterHealthStrip routers=data.routers.clone() timezone=data.totals.timezone.clone() now=now />
                            <overview::CycleTotalsCard totals=data.totals.clone() />
                        }
                        .into_any(),
                        Err(err) => view! {
                            <p id="dashboard-error" role="alert" class="rounded-xl bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200">
                                {format!("The dashboard could not be loaded: {}", err.message)}
                            </p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <Card>
                <h2 class="text-base font-semibold text-gray-900">"Daily usage this cycle"</h2>
                <p class="text-sm text-gray-500">"All tracked peers, per day in the configured timezone."</p>
                <div class="mt-4">
                    <UsageChart id="daily-chart" label="Download and upload per day of this cycle over all tracked peers" option=chart />
                </div>
            </Card>
            <table::PeerTableSection tick=tick now=now />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    overview.await.ok().map(|data| view! {
                        <overview::UntrackedPeers
                            peers=data.untracked.clone()
                            count=data.totals.untracked_peers
                            tracking=tracking
                            error=track_error
                            on_tracked=Callback::new(move |()| set_tick.update(|t| *t += 1))
                        />
                    })
                })}
            </Transition>
        </div>
    }
}
