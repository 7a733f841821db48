//! The Peer page (`/peers/:id`, SPEC §10): who the peer is and where, its status, why it is
//! disabled, its quota with remaining, forecast and next reset (and a form to change it),
//! daily and hourly charts, the raw samples, counter resets and actions, and Disable/Enable
//! with a confirmation step. It reloads every ten seconds while open.

#[cfg(feature = "ssr")]
pub mod charts;
pub mod header;
#[cfg(feature = "ssr")]
pub mod history;
pub mod quota;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::peer::peer_detail;
use crate::components::card::Card;
use crate::components::chart::UsageChart;
use crate::components::layout::PageHeader;
use crate::components::shimmer::Shimmer;
use crate::error::UiError;
use crate::pages::dashboard::refresh;
use crate::resource::resource;

#[component]
pub fn PeerPage() -> impl IntoView {
    let params = use_params_map();
    let peer_id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| s.parse::<i32>().ok())
    });
    let (tick, set_tick) = refresh::refresh_tick();
    let now = refresh::clock(tick);
    let detail = resource(
        move || (tick.get(), peer_id.get()),
        |(_, id)| async move {
            match id {
                Some(id) => peer_detail(id).await,
                None => Err(UiError::new("not_found", "there is no such peer")),
            }
        },
    );
    // Page-level state survives the refresh's re-render.
    let page_error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<&'static str>);
    let refresh_now = Callback::new(move |()| set_tick.update(|t| *t += 1));
    // The charts live outside the `Transition`: drawn once, then updated in place.
    let daily = Signal::derive(move || detail.get().and_then(Result::ok).map(|d| d.daily_chart));
    let hourly = Signal::derive(move || detail.get().and_then(Result::ok).map(|d| d.hourly_chart));

    view! {
        <PageHeader title="Peer">
            <a href="/" class="rounded text-sm text-gray-700 underline hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300">"Back to the dashboard"</a>
        </PageHeader>
        <p id="peer-error" role="alert" class="mb-4 text-sm text-red-600 empty:hidden">{move || page_error.get()}</p>
        <div class="space-y-6">
            <Transition fallback=|| view! { <Card><Shimmer lines=5 /></Card> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(data) => view! {
                            <header::PeerHeader data=data.clone() now=now confirming=confirming error=page_error on_changed=refresh_now />
                        }
                        .into_any(),
                        Err(err) => view! {
                            <p role="alert" class="rounded-xl bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200">
                                {format!("The peer could not be loaded: {}", err.message)}
                            </p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            {move || peer_id.get().map(|id| view! { <quota::QuotaCard peer_id=id detail=detail on_saved=refresh_now /> })}
            <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
                <Card>
                    <h2 class="text-base font-semibold text-gray-900">"Daily, this cycle"</h2>
                    <UsageChart id="daily-chart" label="This peer's download and upload per day of this cycle" option=daily />
                </Card>
                <Card>
                    <h2 class="text-base font-semibold text-gray-900">"Hourly, last 48 hours"</h2>
                    <UsageChart id="hourly-chart" label="This peer's download and upload per hour over the last 48 hours" option=hourly />
                </Card>
            </div>
            {move || peer_id.get().map(|id| view! {
                <p class="text-sm">
                    <a
                        href=format!("/api/peers/{id}/usage.csv?window=daily")
                        download=""
                        class="rounded font-medium text-gray-900 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300"
                    >
                        "Download this cycle's daily usage (CSV)"
                    </a>
                    " · "
                    <a
                        href=format!("/api/peers/{id}/usage.csv?window=hourly")
                        download=""
                        class="rounded font-medium text-gray-900 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300"
                    >
                        "hourly (CSV)"
                    </a>
                </p>
            })}
            <Transition fallback=|| view! { <Card><Shimmer lines=6 /></Card> }>
                {move || Suspend::new(async move {
                    detail.await.ok().map(|data| view! { <div id="peer-history" class="space-y-6" inner_html=data.history_html></div> })
                })}
            </Transition>
        </div>
    }
}
