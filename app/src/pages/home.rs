//! The System page: what wgmik is, and a live database check whose button only works once
//! the page is hydrated (the browser test relies on that).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::health::{CHARTED_CHECKS, check_database};
use crate::components::button::Button;
use crate::components::card::Card;
use crate::components::chart::{BarChart, ChartOption};
use crate::types::DatabaseCheck;

#[component]
pub fn HomePage() -> impl IntoView {
    let checks = RwSignal::new(Vec::<DatabaseCheck>::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let chart = RwSignal::new(None::<ChartOption>);

    let run_check = move |()| {
        pending.set(true);
        let earlier: Vec<u64> = checks
            .get_untracked()
            .iter()
            .rev()
            .take(CHARTED_CHECKS)
            .rev()
            .map(|c| c.latency_us)
            .collect();
        spawn_local(async move {
            match check_database(earlier).await {
                Ok(reply) => {
                    error.set(None);
                    checks.update(|all| all.push(reply.check));
                    chart.set(Some(reply.chart));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
            pending.set(false);
        });
    };

    view! {
        <header class="mb-6">
            <h1 class="text-2xl font-semibold text-gray-900">"System"</h1>
            <p class="mt-1 text-sm text-gray-500">
                "Exact WireGuard usage accounting and quotas for MikroTik RouterOS v7."
            </p>
        </header>
        <Card>
            <div class="flex flex-wrap items-center justify-between gap-4">
                <div>
                    <h2 class="text-base font-semibold text-gray-900">"Database"</h2>
                    <p class="text-sm text-gray-700">
                        "Measure a round trip to wgmik's database from this page."
                    </p>
                </div>
                <Button id="check-db" on_click=run_check disabled=pending>
                    "Check database"
                </Button>
            </div>
            <p id="db-check-result" class="mt-4 text-sm text-gray-700" aria-live="polite">
                {move || match (checks.get().last(), error.get()) {
                    (_, Some(err)) => format!("Check failed: {err}"),
                    (Some(check), None) => {
                        format!(
                            "{} {} — {} µs (check {} of this visit)",
                            check.backend,
                            if check.reachable { "reachable" } else { "unreachable" },
                            check.latency_us,
                            checks.get().len(),
                        )
                    }
                    (None, None) => "No check run yet.".to_owned(),
                }}
            </p>
            <div class="mt-4">
                <BarChart id="db-latency-chart" option=chart />
            </div>
        </Card>
    }
}
